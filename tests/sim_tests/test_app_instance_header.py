"""`X-Cf-App-Instance: APP_GUID:INDEX` as gorouter answers it: exactly that instance, or 400."""

from __future__ import annotations

import uuid

import requests

from ccsim.launcher import SimHandle

from .client import CC, wait_for

HOST = "pick.apps.sim.test"
HEADERS_APP = {
    "Procfile": "web: python server.py\n",
    "server.py": (
        "import http.server, json, os\n"
        "class H(http.server.BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        body = json.dumps(dict(self.headers.items())).encode()\n"
        "        self.send_response(200); self.send_header('Content-Length', str(len(body))); self.end_headers()\n"
        "        self.wfile.write(body)\n"
        "    def log_message(self, *a): pass\n"
        "http.server.HTTPServer(('127.0.0.1', int(os.environ['PORT'])), H).serve_forever()\n"
    ),
}


def get(sim: SimHandle, instance: str | None, host: str = HOST, path: str = "/") -> requests.Response:
    headers = {"Host": host}
    if instance is not None:
        headers["X-Cf-App-Instance"] = instance
    return requests.get(sim.router_url + path, headers=headers, timeout=10)


def assert_refused(resp: requests.Response, error: str, text: str) -> None:
    assert (resp.status_code, resp.headers["X-Cf-Routererror"], resp.text) == (400, error, text)
    assert resp.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_the_named_instance_answers_every_time(sim: SimHandle, cc: CC) -> None:
    app = cc.push("pick", host="pick", instances=3)
    sim.sync_router()
    for index in (2, 0, 2, 1, 1):
        resp = get(sim, f"{app['guid']}:{index}")
        assert resp.status_code == 200 and resp.headers["X-Sim-Instance"] == str(index)
    served = [(r["app_guid"], r["index"], r["app_instance"]) for r in sim.router_requests()[-5:]]
    assert served == [(app["guid"], i, f"{app['guid']}:{i}") for i in (2, 0, 2, 1, 1)]
    assert "X-Cf-App-Instance" not in get(sim, None).headers


def test_unknown_guid_wrong_index_and_unknown_route_are_400(sim: SimHandle, cc: CC) -> None:
    app = cc.push("pick", host="pick", instances=2)
    sim.sync_router()
    nobody = str(uuid.uuid4())
    assert_refused(get(sim, f"{nobody}:0"), "unknown_route",
                   f"400 Bad Request: Requested instance ('0') with guid ('{nobody}') does not exist for route "
                   f"('{HOST}')\n")
    assert_refused(get(sim, f"{app['guid']}:2"), "unknown_route",
                   f"400 Bad Request: Requested instance ('2') with guid ('{app['guid']}') does not exist for route "
                   f"('{HOST}')\n")
    assert get(sim, f"{app['guid']}:01").status_code == 400  # the index is matched as written, like gorouter
    resp = get(sim, f"{app['guid']}:0", host="nothing.apps.sim.test")
    assert resp.status_code == 400 and resp.headers["X-Cf-Routererror"] == "unknown_route"
    assert get(sim, None, host="nothing.apps.sim.test").status_code == 404  # without the header: 404 as before


def test_an_app_that_is_not_on_the_host_or_path_is_400(sim: SimHandle, cc: CC) -> None:
    cc.push("pick", host="pick")
    other = cc.push("elsewhere", host="elsewhere")
    api = cc.push("pick-api")
    cc.map_route(cc.create_route("pick", "/api")["guid"], api["guid"])
    sim.sync_router()
    assert_refused(get(sim, f"{other['guid']}:0"), "unknown_route",
                   f"400 Bad Request: Requested instance ('0') with guid ('{other['guid']}') does not exist for route "
                   f"('{HOST}')\n")
    assert get(sim, f"{other['guid']}:0", host="elsewhere.apps.sim.test").status_code == 200
    assert get(sim, f"{api['guid']}:0", path="/api/v1").text.startswith("pick-api ")
    assert get(sim, f"{api['guid']}:0", path="/").status_code == 400  # "/" is the route of `pick` only


def test_a_malformed_header_is_400(sim: SimHandle, cc: CC) -> None:
    app = cc.push("pick", host="pick")
    sim.sync_router()
    guid = app["guid"]
    for value in ("nonsense", guid, f"{guid}:", f":{0}", f"{guid.upper()}:0", f"{guid}:0:1", f"{guid}:x",
                  f"{guid[:-1]}:0"):
        assert_refused(get(sim, value), "invalid_cf_app_instance_header",
                       "400 Bad Request: Invalid X-CF-App-Instance Header\n")
    assert {r["error"] for r in sim.router_requests()} == {"invalid_cf_app_instance_header"}


def test_the_header_is_not_forwarded_and_the_app_learns_who_it_is(sim: SimHandle, cc: CC) -> None:
    app = cc.push("pick", files=HEADERS_APP, host="pick")
    sim.sync_router()
    seen = get(sim, f"{app['guid']}:0").json()
    assert "X-Cf-App-Instance" not in seen
    assert (seen["X-Cf-Applicationid"], seen["X-Cf-Instanceindex"]) == (app["guid"], "0")


def test_a_dead_instance_is_never_replaced_by_another(sim: SimHandle, cc: CC) -> None:
    app = cc.push("pick", host="pick", instances=2)
    sim.sync_router()
    sim.config(route_propagation_s=3.0)
    process = cc.get(f"/v3/apps/{app['guid']}/processes/web").json()
    assert cc.delete(f"/v3/processes/{process['guid']}/instances/1").status_code == 204
    # the router still routes index 1 to the old process, which is gone: 502, never instance 0
    resp = wait_for(lambda: (r := get(sim, f"{app['guid']}:1")).status_code != 200 and [r], timeout=2,
                    what="old instance 1 gone")[0]
    assert resp.status_code == 502 and resp.headers["X-Cf-Routererror"] == "endpoint_failure"
    assert all(r["index"] == 1 for r in sim.router_requests() if r.get("app_instance"))
