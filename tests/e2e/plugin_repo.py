"""The `make dist` output served as a cf plugin repository on 127.0.0.1, and cf homes that have never seen
the development checkout (no engine command, no engine on PATH)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from e2e.cfcli import ROOT, Cf

DIST = ROOT / "dist"


def make_dist() -> Path:
    """`make dist` (nothing to do when it is up to date)."""
    subprocess.run(["make", "-s", "-C", str(ROOT), "dist"], check=True, capture_output=True, timeout=1800)
    return DIST


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Repo:
    url: str
    dir: Path

    @property
    def wheel(self) -> Path:
        return next(self.dir.glob("bgdeploy-*-py3-none-any.whl"))


@contextmanager
def served_repo(dist: Path, dest: Path) -> Iterator[Repo]:
    """A copy of dist, indexed (`make repo-index`) for the address it is served at."""
    shutil.copytree(dist, dest)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(dest)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        subprocess.run(["make", "-s", "-C", str(ROOT), "repo-index", f"DIST={dest}", f"DIST_URL={url}"],
                       check=True, capture_output=True, timeout=300)
        yield Repo(url, dest)
    finally:
        server.shutdown()
        server.server_close()


def fresh_cf(home: Path) -> Cf:
    """A cf home as a user has it: no engine command set and no bgdeploy-engine on PATH; pip keeps the
    machine's configuration and cache, so setting up an engine only downloads what is missing."""
    cf = Cf(home)
    del cf.env["CF_BG_DEPLOY_ENGINE_CMD"]
    cf.env["PATH"] = os.pathsep.join(d for d in cf.env["PATH"].split(os.pathsep)
                                     if d and not (Path(d) / "bgdeploy-engine").exists())
    for key, value in os.environ.items():
        if key.startswith("PIP_") or key in ("SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"):
            cf.env[key] = value
    cf.env.setdefault("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip"))
    return cf
