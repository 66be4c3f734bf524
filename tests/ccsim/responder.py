"""Built-in responder: what runs for an app whose bits have no command runnable here, and for every
instance of a docker droplet (images are not run: the responder stands in for the image).

Run as a script: `python responder.py`; answers every request with "<app name> <droplet guid>\n",
or, for a docker droplet (SIM_DOCKER_IMAGE set), with JSON {"image", "app", "droplet_guid", "index",
"env"} where env holds the variables the instance was started with (the names in SIM_ENV_KEYS).
Env: PORT, SIM_APP_NAME, SIM_DROPLET_GUID, CF_INSTANCE_INDEX. SIGTERM stops accepting and lets
in-flight requests finish.
"""

import http.server
import json
import os
import signal
import threading
import time

_active = 0
_active_lock = threading.Lock()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _answer(self, with_body: bool = True) -> None:
        global _active
        with _active_lock:
            _active += 1
        try:
            self._respond(with_body)
        finally:
            with _active_lock:
                _active -= 1

    def _respond(self, with_body: bool) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body, content_type = _body()
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Sim-App", os.environ.get("SIM_APP_NAME", ""))
        self.send_header("X-Sim-Instance", os.environ.get("CF_INSTANCE_INDEX", ""))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _answer

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _body() -> tuple[bytes, str]:
    app, droplet = os.environ.get("SIM_APP_NAME", ""), os.environ.get("SIM_DROPLET_GUID", "")
    image = os.environ.get("SIM_DOCKER_IMAGE")
    if image is None:
        return f"{app} {droplet}\n".encode(), "text/plain"
    keys = [k for k in os.environ.get("SIM_ENV_KEYS", "").split(",") if k]
    doc = {"image": image, "app": app, "droplet_guid": droplet, "index": int(os.environ.get("CF_INSTANCE_INDEX", "0")),
           "env": {k: os.environ.get(k) for k in keys}}
    return json.dumps(doc).encode(), "application/json"


def main() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), _Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever(poll_interval=0.05)
    server.socket.close()
    deadline = time.monotonic() + 10
    while _active and time.monotonic() < deadline:  # let in-flight requests finish, then drop idle ones
        time.sleep(0.01)
    os._exit(0)


if __name__ == "__main__":
    main()
