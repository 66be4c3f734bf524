"""Pagination, ordering, filters, label selectors and metadata merge-patch."""

from __future__ import annotations

from .client import CC


def test_pagination_links_are_absolute_and_end_with_null(cc: CC) -> None:
    for name in ("e", "b", "d", "a", "c"):
        cc.create_app(name)
    page = cc.get("/v3/apps?per_page=2&order_by=name").json()
    assert page["pagination"]["total_results"] == 5 and page["pagination"]["total_pages"] == 3
    assert page["pagination"]["previous"] is None
    names = [a["name"] for a in page["resources"]]
    while page["pagination"]["next"]:
        assert page["pagination"]["next"]["href"].startswith(cc.url + "/v3/apps?")
        page = cc.session.get(page["pagination"]["next"]["href"]).json()
        names += [a["name"] for a in page["resources"]]
    assert names == ["a", "b", "c", "d", "e"]
    assert [a["name"] for a in cc.get("/v3/apps?order_by=-name").json()["resources"]] == ["e", "d", "c", "b", "a"]
    assert cc.get("/v3/apps?page=9").json()["resources"] == []


def test_filters(cc: CC) -> None:
    a, b = cc.create_app("one"), cc.create_app("two")
    cc.create_app("three")
    assert {x["name"] for x in cc.get("/v3/apps?names=one,two").json()["resources"]} == {"one", "two"}
    assert [x["name"] for x in cc.get(f"/v3/apps?guids={b['guid']}").json()["resources"]] == ["two"]
    assert cc.get(f"/v3/apps?space_guids={cc.space_guid()}").json()["pagination"]["total_results"] == 3
    included = cc.get(f"/v3/apps?guids={a['guid']}&include=space,space.organization").json()["included"]
    assert [s["name"] for s in included["spaces"]] == ["space"] and included["organizations"][0]["name"] == "org"


def test_label_selector_operators(cc: CC) -> None:
    for name, labels in (("p1", {"env": "prod", "tier": "web"}), ("p2", {"env": "dev"}), ("p3", {})):
        cc.create_app(name, metadata={"labels": labels})

    def names(selector: str) -> list[str]:
        return sorted(a["name"] for a in cc.get("/v3/apps", params={"label_selector": selector}).json()["resources"])

    assert names("env") == ["p1", "p2"]
    assert names("!env") == ["p3"]
    assert names("env=prod") == ["p1"] and names("env==prod") == ["p1"]
    assert names("env!=prod") == ["p2", "p3"]
    assert names("env in (dev,prod)") == ["p1", "p2"]
    assert names("env notin (dev)") == ["p1", "p3"]
    assert names("env=prod,tier=web") == ["p1"]
    assert names("env=prod,tier=db") == []


def test_metadata_merge_patch(cc: CC) -> None:
    app = cc.create_app("meta", metadata={"labels": {"a": "1", "b": "2"}, "annotations": {"note": "x"}})
    resp = cc.patch(f"/v3/apps/{app['guid']}", {"metadata": {"labels": {"b": None, "c": "3"},
                                                             "annotations": {"sim.test/who": "me"}}})
    assert resp.status_code == 200
    assert resp.json()["metadata"] == {"labels": {"a": "1", "c": "3"},
                                       "annotations": {"note": "x", "sim.test/who": "me"}}
    route = cc.create_route("meta")
    resp = cc.patch(f"/v3/routes/{route['guid']}", {"metadata": {"labels": {"color": "blue"}}})
    assert resp.json()["metadata"]["labels"] == {"color": "blue"}
    assert [r["host"] for r in cc.get("/v3/routes?label_selector=color=blue").json()["resources"]] == ["meta"]
