"""A small CC v3 client for the simulator tests (requests + helpers to push and wait)."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from typing import Any

import requests

from ccsim.launcher import SimHandle


def wait_for(check: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def make_zip(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) & 0o777) << 16
            archive.writestr(info, content)
    return buf.getvalue()


class CC:
    def __init__(self, sim: SimHandle, user: str = "admin") -> None:
        self.sim = sim
        self.url = sim.api_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = "bearer " + sim.token(user)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.session.get(self.url + path, timeout=30, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.session.post(self.url + path, json=json, timeout=30, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> requests.Response:
        return self.session.patch(self.url + path, json=json, timeout=30, **kw)

    def delete(self, path: str, **kw: Any) -> requests.Response:
        return self.session.delete(self.url + path, timeout=30, **kw)

    # ------------------------------------------------------------ lookups
    def space_guid(self, name: str = "space") -> str:
        return str(self.get(f"/v3/spaces?names={name}").json()["resources"][0]["guid"])

    def domain_guid(self, name: str = "apps.sim.test") -> str:
        return str(self.get(f"/v3/domains?names={name}").json()["resources"][0]["guid"])

    # ------------------------------------------------------------ building blocks
    def create_app(self, name: str, space: str = "space", **extra: Any) -> dict[str, Any]:
        space_rel = {"space": {"data": {"guid": self.space_guid(space)}}}
        resp = self.post("/v3/apps", {"name": name, "relationships": space_rel, **extra})
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    def upload(self, app_guid: str, files: dict[str, str | bytes] | None = None,
               modes: dict[str, int] | None = None) -> dict[str, Any]:
        pkg = self.post("/v3/packages", {"type": "bits", "relationships": {"app": {"data": {"guid": app_guid}}}})
        assert pkg.status_code == 201, pkg.text
        guid = pkg.json()["guid"]
        bits = make_zip(files or {"index.html": "hello"}, modes)
        up = self.post(f"/v3/packages/{guid}/upload", files={"resources": (None, "[]"), "bits": ("package.zip", bits)})
        assert up.status_code == 200, up.text
        return dict(wait_for(lambda: (p := self.get(f"/v3/packages/{guid}").json())["state"] == "READY" and p,
                             what="package READY"))

    def stage(self, package_guid: str) -> dict[str, Any]:
        build = self.post("/v3/builds", {"package": {"guid": package_guid}})
        assert build.status_code == 201, build.text
        guid = build.json()["guid"]
        return dict(wait_for(lambda: (b := self.get(f"/v3/builds/{guid}").json())["state"] != "STAGING" and b,
                             what="build done"))

    def create_route(self, host: str, path: str = "") -> dict[str, Any]:
        body = {"host": host, "relationships": {"domain": {"data": {"guid": self.domain_guid()}},
                                                "space": {"data": {"guid": self.space_guid()}}}}
        if path:
            body["path"] = path
        resp = self.post("/v3/routes", body)
        assert resp.status_code == 201, resp.text
        return dict(resp.json())

    def map_route(self, route_guid: str, app_guid: str) -> None:
        resp = self.post(f"/v3/routes/{route_guid}/destinations", {"destinations": [{"app": {"guid": app_guid}}]})
        assert resp.status_code == 200, resp.text

    def push(self, name: str, files: dict[str, str | bytes] | None = None, host: str | None = None,
             instances: int = 1, start: bool = True, modes: dict[str, int] | None = None) -> dict[str, Any]:
        """Create, upload, stage, assign droplet, map route `host`, scale, start and wait until RUNNING."""
        app = self.create_app(name)
        pkg = self.upload(app["guid"], files, modes)
        build = self.stage(pkg["guid"])
        assert build["state"] == "STAGED", build
        droplet = build["droplet"]["guid"]
        assert self.patch(f"/v3/apps/{app['guid']}/relationships/current_droplet",
                          {"data": {"guid": droplet}}).status_code == 200
        if host:
            self.map_route(self.create_route(host)["guid"], app["guid"])
        if instances != 1:
            assert self.post(f"/v3/apps/{app['guid']}/processes/web/actions/scale",
                             {"instances": instances}).status_code == 202
        if start:
            assert self.post(f"/v3/apps/{app['guid']}/actions/start").status_code == 200
            self.wait_running(app["guid"], instances)
        return {**app, "droplet_guid": droplet}

    def wait_running(self, app_guid: str, instances: int = 1, timeout: float = 15) -> list[dict[str, Any]]:
        def running() -> Any:
            stats = self.get(f"/v3/apps/{app_guid}/processes/web/stats").json()["resources"]
            return stats if sum(s["state"] == "RUNNING" for s in stats) == instances else None

        return list(wait_for(running, timeout, what=f"{instances} RUNNING instances"))

    def wait_job(self, location: str, timeout: float = 10) -> dict[str, Any]:
        path = location.replace(self.url, "")
        return dict(wait_for(lambda: (j := self.get(path).json())["state"] in ("COMPLETE", "FAILED") and j,
                             timeout, what="job done"))


def error_of(resp: requests.Response) -> dict[str, Any]:
    body = resp.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    return dict(body["errors"][0])
