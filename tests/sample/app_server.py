"""The sample MTA's app: answers every request with its module, MTA version and app name.

It runs inside the Cloud Controller simulator's app runner (or a real CF Python buildpack):
PORT and VCAP_APPLICATION come from the platform, MODULE and MTA_VERSION from the MTA descriptor.
"""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP_NAME = json.loads(os.environ.get("VCAP_APPLICATION", "{}")).get("application_name", "?")
BODY = f"{os.environ.get('MODULE', '?')} {os.environ.get('MTA_VERSION', '?')} {APP_NAME}\n".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes: don't let Nagle hold the second

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
server.daemon_threads = True
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
server.serve_forever()
