"""Continuous HTTP traffic through the simulator's router, recording every answer.

Used to prove zero downtime: N threads send requests to several productive routes, each answer is
recorded with its time, status and body (which names the app that served it). Recording starts once every
route answers: a first deploy does not wait for the routers to learn its routes (nothing was live)."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Sample:
    t: float
    host: str
    status: int
    body: str


@dataclass
class Traffic:
    router_url: str
    hosts: list[str]
    threads: int = 8
    max_seconds: float = 300.0
    target_rps: float = 0.0  # 0: as fast as possible; else paced across all threads
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def __enter__(self) -> Traffic:
        wait_answering(self.router_url, self.hosts)
        for i in range(self.threads):
            t = threading.Thread(target=self._loop, args=(self.hosts[i % len(self.hosts)],), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=10)

    def _loop(self, host: str) -> None:
        parts = urlsplit(self.router_url)
        deadline = time.monotonic() + self.max_seconds
        conn: http.client.HTTPConnection | None = None
        interval = self.threads / self.target_rps if self.target_rps else 0.0
        next_at = time.monotonic()
        while not self._stop.is_set() and time.monotonic() < deadline:
            if interval:
                next_at += interval
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
                conn.request("GET", "/", headers={"Host": host})
                resp = conn.getresponse()
                body = resp.read().decode(errors="replace")
                status = resp.status
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                status, body = 0, f"{type(exc).__name__}: {exc}"
                if conn is not None:
                    conn.close()
                conn = None
            with self._lock:
                self.samples.append(Sample(time.time(), host, status, body.strip()))

    def snapshot(self) -> list[Sample]:
        with self._lock:
            return list(self.samples)

    def failures(self) -> list[Sample]:
        return [s for s in self.snapshot() if s.status != 200]

    def rate(self) -> float:
        s = self.snapshot()
        return len(s) / (s[-1].t - s[0].t) if len(s) > 1 else 0.0


def get(router_url: str, host: str, path: str = "/") -> tuple[int, str]:
    parts = urlsplit(router_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace").strip()
    finally:
        conn.close()


def wait_answering(router_url: str, hosts: list[str], timeout_s: float = 60.0) -> None:
    """Until every host answers 200 through the routers: a first deploy does not wait for them to learn
    its routes (nothing was live to protect), so a test that sends traffic right after it does."""
    deadline = time.monotonic() + timeout_s
    for host in hosts:
        while get_status(router_url, host) != 200:
            if time.monotonic() > deadline:
                raise AssertionError(f"{host} did not answer within {timeout_s} s")
            time.sleep(0.05)


def get_status(router_url: str, host: str) -> int:
    try:
        return get(router_url, host)[0]
    except (OSError, http.client.HTTPException):
        return 0
