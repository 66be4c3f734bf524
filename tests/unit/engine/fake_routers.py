"""Gorouters behind a load balancer, for route-check tests on the fake clock."""

from __future__ import annotations

import random
import threading

from bgdeploy.engine import route_check
from bgdeploy.engine.plan import ProbeTarget, RouteCheck
from bgdeploy.routers.probe import NOT_REGISTERED, SERVED, Answer


class Routers:
    """`count` gorouters behind a load balancer that picks one at random per connection (seeded). One of
    them learns the change (the old instance leaves the route) at `slow_at`, the others have learnt it."""

    def __init__(self, clock: object, seed: int, slow_at: float, count: int = 2) -> None:
        self.clock, self.random, self.slow_at, self.count = clock, random.Random(seed), slow_at, count
        self.lock = threading.Lock()

    def probe(self, host: str, path: str, instance: str) -> Answer:
        with self.lock:
            lagging = self.random.random() >= 1 - 1 / self.count
        learnt = not lagging or self.clock.now() >= self.slow_at  # type: ignore[attr-defined]
        return Answer(NOT_REGISTERED if learnt else SERVED)

    def close(self) -> None:
        pass


def old_instances(start: float) -> RouteCheck:
    """A wait for web-blue's and api-blue's instance 0 to leave their routes, started at `start`."""
    return RouteCheck(mode=route_check.PROBE, started_at=start, until=start + 300,
                      targets=[ProbeTarget("web-space.apps.sim.test", "", "w:0", "web-blue", present=False),
                               ProbeTarget("org-space-api.apps.sim.test", "", "a:0", "api-blue", present=False)])
