"""Hold a dry-run plan against what the deploy after it did: the simulator's request log of that deploy (up to
its end, resume included) and the simulator's state before and after it.

    mtar(path, descriptor, {"web": "v1"})   # an archive whose module bits change only with their text
    validate(doc)                          # the document is what docs/dry-run.schema.json says
    before = Space.of(sim.state()); since = last request seq
    ... the real deploy (and its resume) ...
    check(doc, before, Space.of(sim.state()), sim.requests()[since:])

The request log names resources by guid in its paths (bodies are not logged), so a write is tied to an app,
a process or a service through the states; what a path cannot tell (which app a new route destination or a
binding is for, whose bits a package holds) is read from the state after.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

TESTS = Path(__file__).resolve().parent
SCHEMA = json.loads((TESTS.parent / "docs" / "dry-run.schema.json").read_text())
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
APP = (TESTS / "sample" / "app_server.py").read_text()
STAMP = (2020, 1, 1, 0, 0, 0)  # fixed entry times: the same module content is the same bits in every archive


def mtar(path: Path, descriptor: str, modules: dict[str, str]) -> Path:
    """An archive of `descriptor` whose modules are directories with the sample app and a CONTENT file holding
    the given text (change the text to change the module's bits)."""
    manifest = "Manifest-Version: 1.0\n\n" + "".join(
        f"Name: {m}/\nMTA-Module: {m}\nContent-Type: text/directory\n\n" for m in modules)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", STAMP), manifest)
        z.writestr(zipfile.ZipInfo("META-INF/mtad.yaml", STAMP), descriptor)
        for module, content in modules.items():
            for name, text in (("server.py", APP), ("Procfile", "web: python3 server.py\n"), ("CONTENT", content)):
                z.writestr(zipfile.ZipInfo(f"{module}/{name}", STAMP), text)
    return path


LOCK_MARKER = "bgdeploy-lock"


def validate(doc: dict[str, Any]) -> None:
    jsonschema.validate(doc, SCHEMA)


def cc_writes(requests: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(method, path) of every processed mutating Cloud Controller request, except those about the engine's
    MTA lock marker (a user-provided service instance a deploy creates and deletes; no plan mentions it)."""
    markers = {r["guid"] for r in requests if str(r.get("name", "")).startswith(LOCK_MARKER)}
    return [(r["method"], r["path"]) for r in requests if r["method"] in MUTATING and r["path"].startswith("/v3/")
            and isinstance(r.get("status"), int) and r["status"] < 400
            and r.get("guid") not in markers and not any(r["path"].endswith(g) for g in markers)]


@dataclass
class AppView:
    guid: str
    name: str
    state: str
    env: dict[str, str]
    process_guid: str
    instances: int
    memory_mb: int
    disk_mb: int
    command: str | None
    routes: set[str] = field(default_factory=set)
    services: set[str] = field(default_factory=set)
    packages: int = 0


@dataclass
class Space:
    apps: dict[str, AppView]  # by name
    services: dict[str, str]  # name -> guid
    routes: dict[str, list[str]]  # url -> names of the apps it routes to

    @classmethod
    def of(cls, state: dict[str, Any]) -> Space:
        services = {s["guid"]: s["name"] for s in state["service_instances"]}
        routes: dict[str, list[str]] = {}
        urls_of: dict[str, set[str]] = {}
        for r in state["routes"]:
            url = (f"{r['host']}.{r['domain']}" if r["host"] else r["domain"]) + (r["path"] or "")
            routes[url] = sorted(d["app_name"] for d in r["destinations"])
            for d in r["destinations"]:
                urls_of.setdefault(d["app_guid"], set()).add(url)
        apps = {}
        for a in state["apps"]:
            web = next(p for p in a["processes"] if p["type"] == "web")
            apps[a["name"]] = AppView(
                a["guid"], a["name"], a["state"], dict(a["environment_variables"]), web["guid"], web["instances"],
                web["memory_in_mb"], web["disk_in_mb"], web["command"], urls_of.get(a["guid"], set()),
                {services[b["service_instance_guid"]] for b in state["service_credential_bindings"]
                 if b["type"] == "app" and b["app_guid"] == a["guid"]},
                sum(1 for p in state["packages"] if p["app_guid"] == a["guid"]))
        return cls(apps, {name: guid for guid, name in services.items()}, routes)

    def app_guids(self) -> dict[str, str]:
        return {a.guid: a.name for a in self.apps.values()}


def check(doc: dict[str, Any], before: Space, after: Space, requests: list[dict[str, Any]]) -> None:
    validate(doc)
    writes = cc_writes(requests)
    _check_accounted(doc, before, after, writes)
    _check_apps(doc, before, after, writes)
    _check_services(doc, before, after, writes)
    _check_routes(doc, after, writes)


def final_name(doc: dict[str, Any], app: str) -> str:
    """Idle/live names: the new `X-idle` is `X` once the operation is through."""
    return app.removesuffix("-idle") if doc["naming"] == "idle-live" else app


def _paths(writes: list[tuple[str, str]], method: str, pattern: str) -> list[str]:
    """The first group of `pattern` (a guid) of every write with this method whose path matches it."""
    rx = re.compile(pattern)
    return [m.group(1) for meth, path in writes if meth == method and (m := rx.fullmatch(path))]


def _check_accounted(doc: dict[str, Any], before: Space, after: Space, writes: list[tuple[str, str]]) -> None:
    """Every app the deploy wrote to (or made) is in the plan."""
    named = {n for m in doc["modules"] for n in (m["app"], final_name(doc, m["app"]), m.get("replaces")) if n}
    named |= {n for r in doc["renames"] for n in (r["from"], r["to"])} | set(doc["leftovers"])
    paths = " ".join(path for _, path in writes)
    for app in [*before.apps.values(), *after.apps.values()]:
        if (app.guid in paths or app.process_guid in paths or app.name not in before.apps) and app.name not in named:
            raise AssertionError(f"the deploy changed app {app.name}, which the plan does not name")


def _check_apps(doc: dict[str, Any], before: Space, after: Space, writes: list[tuple[str, str]]) -> None:
    modules = doc["modules"]
    created = [m for m in modules if m["action"] != "delete" and not m["existing_app"]]
    assert sum(1 for w in writes if w == ("POST", "/v3/apps")) == len(created), (created, writes)
    for m in modules:
        if m["action"] != "delete":
            assert final_name(doc, m["app"]) in after.apps, (m, sorted(after.apps))
    names = before.app_guids()
    was_named = {r["to"]: r["from"] for r in doc["renames"]}  # the plan names apps as they are after renames
    deleted = {names.get(g, g) for g in _paths(writes, "DELETE", r"/v3/apps/([^/]+)")}
    planned = {m["app"] for m in modules if m["action"] == "delete"} | {m["replaces"] for m in modules
                                                                       if "replaces" in m}
    assert deleted == {was_named.get(n, n) for n in planned} | set(doc["leftovers"]), (deleted, planned)
    patched = _paths(writes, "PATCH", r"/v3/apps/([^/]+)")
    for r in doc["renames"]:
        guid = before.apps[r["from"]].guid
        assert guid in patched and getattr(after.apps.get(r["from"]), "guid", None) != guid, r
    for m in modules:
        if m["action"] == "delete":
            continue
        old = m.get("replaces") or m["app"]
        baseline = before.apps.get(was_named.get(old, old))
        if baseline is not None:
            _check_outcome(m, baseline, after.apps[final_name(doc, m["app"])])
        if m["existing_app"] and "replaces" not in m:
            _check_in_place(m, before.apps[m["app"]], after.apps[final_name(doc, m["app"])], writes)


def _check_outcome(m: dict[str, Any], was: AppView, now: AppView) -> None:
    """The app the module ends up with differs from the one it had by what the plan said, and only by that."""
    changes = m.get("changes", {})
    env = {"added": sorted(k for k in now.env if k not in was.env),
           "changed": sorted(k for k in now.env if k in was.env and now.env[k] != was.env[k]),
           "removed": sorted(k for k in was.env if k not in now.env)}
    assert changes.get("env", {"added": [], "changed": [], "removed": []}) == env, (m, env)
    for key, attr in (("instances", "instances"), ("memory_mb", "memory_mb"), ("disk_mb", "disk_mb"),
                      ("command", "command")):
        pair = changes.get(key)
        assert (getattr(was, attr), getattr(now, attr)) == ((pair["from"], pair["to"]) if pair else
                                                            (getattr(was, attr),) * 2), (m, key, was, now)
    routes = changes.get("routes", {"map": [], "unmap": []})
    assert (now.routes - was.routes, was.routes - now.routes) == (set(routes["map"]), set(routes["unmap"])), (m, now)
    bindings = changes.get("bindings", {"bind": [], "unbind": []})
    assert (now.services - was.services, was.services - now.services) == (set(bindings["bind"]),
                                                                          set(bindings["unbind"])), (m, now)
    state = changes.get("state")
    assert (was.state, now.state) == ((state["from"], state["to"]) if state else (was.state, was.state)), (m, now)


def _check_in_place(m: dict[str, Any], was: AppView, now: AppView, writes: list[tuple[str, str]]) -> None:
    """An app updated in place gets exactly the writes its changes call for."""
    g, p = was.guid, was.process_guid
    kinds = set()
    for method, path in writes:
        if path == f"/v3/apps/{g}" and method == "PATCH":
            kinds.add("app")
        elif path == f"/v3/apps/{g}/environment_variables":
            kinds.add("env")
        elif path in (f"/v3/apps/{g}/actions/start", f"/v3/apps/{g}/actions/restart"):
            kinds.add(path.rsplit("/", 1)[1])
        elif path == f"/v3/apps/{g}/relationships/current_droplet":
            kinds.add("bits")
        elif path == f"/v3/apps/{g}/tasks":
            kinds.add("tasks")
        elif path == f"/v3/processes/{p}/actions/scale":
            kinds.add("scale")
        elif path == f"/v3/processes/{p}":
            kinds.add("process")
        elif g in path or p in path:
            kinds.add(path)  # a write the plan has no word for
    changes = m.get("changes", {})
    want = set()
    if "env" in changes:
        want.add("env")
    if {"instances", "memory_mb", "disk_mb"} & set(changes):
        want.add("scale")
    if {"command", "health_check"} & set(changes):
        want.add("process")
    if {"metadata", "lifecycle"} & set(changes):
        want.add("app")
    if "bits" in changes:
        want |= {"bits", "app"}  # the droplet, then the digest annotation
    if m.get("restart"):
        want.add("restart")
    if changes.get("state", {}).get("to") == "STARTED":
        want.add("start")
    if m["tasks"]:
        want.add("tasks")
    assert kinds == want, (m, kinds, want)
    assert (now.packages > was.packages) == ("bits" in changes), (m, was.packages, now.packages)


def _check_services(doc: dict[str, Any], before: Space, after: Space, writes: list[tuple[str, str]]) -> None:
    by_action: dict[str, set[str]] = {}
    for s in doc["services"]:
        by_action.setdefault(s["action"], set()).add(s["name"])
    made = by_action.get("create", set()) | by_action.get("recreate", set())
    assert sum(1 for w in writes if w == ("POST", "/v3/service_instances")) == len(made), (made, writes)
    assert made <= set(after.services), (made, after.services)
    names = {g: n for n, g in {**before.services, **after.services}.items()}
    patched = {names.get(g, g) for g in _paths(writes, "PATCH", r"/v3/service_instances/([^/]+)")}
    assert patched == by_action.get("update", set()), (patched, by_action)
    deleted = {names.get(g, g) for g in _paths(writes, "DELETE", r"/v3/service_instances/([^/]+)")}
    assert deleted == by_action.get("delete", set()) | by_action.get("recreate", set()), (deleted, by_action)
    for name in by_action.get("delete", set()):
        assert name not in after.services


def _check_routes(doc: dict[str, Any], after: Space, writes: list[tuple[str, str]]) -> None:
    routes = doc["routes"]
    assert sum(1 for w in writes if w == ("POST", "/v3/routes")) == len(routes["create"]), (routes, writes)
    productive = {r["route"] for r in routes["map"]}
    for move in routes["map"]:
        assert final_name(doc, move["app"]) in after.routes.get(move["route"], []), (move, after.routes)
    for move in routes["unmap"]:
        assert move["app"] not in after.routes.get(move["route"], []), (move, after.routes)
    temporary = {r["route"] for r in routes["temporary"]} - productive
    for url in temporary:
        assert url not in after.routes, (url, "temporary routes are deleted on resume")
    assert len(_paths(writes, "DELETE", r"/v3/routes/([^/]+)")) == len(temporary), (temporary, writes)


# -- an MTA in three versions, for the dry-run tests ------------------------------------------------------

_WEB = """
  - name: web
    type: python
    path: web/
    parameters:
      memory: {memory}
      instances: {instances}
      command: python3 server.py
      routes:
{routes}
    properties:
{properties}
    requires:
{requires}
"""
_WORKER = """
  - name: worker
    type: python
    path: worker/
    parameters:
      memory: 64M
      no-route: true
      command: python3 server.py
    requires:
      - name: config
"""
_RESOURCES = {
    "db": "  - name: db\n    type: org.cloudfoundry.managed-service\n    parameters:\n      service: postgresql\n"
          "      service-plan: small\n",
    "config": "  - name: config\n    type: org.cloudfoundry.user-provided-service\n    parameters:\n      config:\n"
              "        greeting: {greeting}\n",
    "cache": "  - name: cache\n    type: org.cloudfoundry.user-provided-service\n    parameters:\n      config:\n"
             "        size: small\n",
}


def _shop(version: str, *, memory: str, instances: int, routes: list[str], properties: dict[str, str],
          requires: list[str], worker: bool, resources: list[str], greeting: str = "hello") -> str:
    web = _WEB.format(memory=memory, instances=instances,
                      routes="".join(f"        - route: {r}\n" for r in routes).rstrip("\n"),
                      properties="".join(f"      {k}: {v}\n" for k, v in properties.items()).rstrip("\n"),
                      requires="".join(f"      - name: {r}\n" for r in requires).rstrip("\n"))
    return (f'_schema-version: "3.1"\nID: dr.shop\nversion: "{version}"\nmodules:{web}{_WORKER if worker else ""}'
            "resources:\n" + "".join(_RESOURCES[r].format(greeting=greeting) for r in resources))


# v1; v2 changes every aspect a plan names (env added/changed/removed, instances, memory, a route, a binding,
# the worker's bits, a service's credentials, a new service); v3 drops the worker and the config service.
SHOP = {
    "1.0.0": (_shop("1.0.0", memory="64M", instances=1, routes=["shop-${space}.${default-domain}"],
                    properties={"GREETING": "hello", "OLD_KEY": "x"}, requires=["db"], worker=True,
                    resources=["db", "config"]), {"web": "web 1", "worker": "worker 1"}),
    "2.0.0": (_shop("2.0.0", memory="128M", instances=2,
                    routes=["shop-${space}.${default-domain}", "shop2-${space}.${default-domain}"],
                    properties={"GREETING": "hi", "NEW_KEY": "y"}, requires=["db", "config"], worker=True,
                    resources=["db", "config", "cache"], greeting="hi"), {"web": "web 1", "worker": "worker 2"}),
    "3.0.0": (_shop("3.0.0", memory="128M", instances=2,
                    routes=["shop-${space}.${default-domain}", "shop2-${space}.${default-domain}"],
                    properties={"GREETING": "hi", "NEW_KEY": "y"}, requires=["db"], worker=False,
                    resources=["db", "cache"]), {"web": "web 1"}),
}


def shop(directory: Path, version: str) -> Path:
    descriptor, modules = SHOP[version]
    return mtar(directory / f"shop-{version}.mtar", descriptor, modules)
