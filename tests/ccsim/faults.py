"""Fault injection: latency, 502/503 answers, reset connections and lost answers per path pattern,
staging and broker failures; and the load balancer's choice of router instance. Deterministic for a
given seed and request order (the router choice is a stream of its own, so faults do not shift it).

`POST /_sim/faults` body (every key optional; the body replaces the current faults):
    {"seed": 7,
     "rules": [{"target": "api" | "router", "path": "<regex on the path>", "methods": ["GET"],
                "latency_ms": 200, "rate_502": 0.1, "rate_503": 0.1, "rate_reset": 0.05,
                "rate_lost": 0.1,      # processed as usual, then the client gets a 502 instead of the answer
                "times": 3}],          # rule is used at most `times` times (default unlimited)
     "staging_failures": ["app-name", ...],  # builds of these apps FAIL
     "staging_failure_rate": 0.0,
     "broker_failures": ["instance-name", ...]}  # managed service operations of these instances FAIL
"""

from __future__ import annotations

import dataclasses
import random
import re
import threading
from typing import Any

from .errors import unprocessable

RULE_KEYS = {"target", "path", "methods", "latency_ms", "rate_502", "rate_503", "rate_reset", "rate_lost", "times"}
TOP_KEYS = {"seed", "rules", "staging_failures", "staging_failure_rate", "broker_failures"}


@dataclasses.dataclass
class Decision:
    latency_s: float = 0.0
    status: int | None = None  # 502 or 503
    reset: bool = False
    lost: bool = False  # process the request, then answer 502 ("processed, then the gateway timed out")


@dataclasses.dataclass
class Rule:
    target: str
    path: re.Pattern[str]
    methods: frozenset[str] | None
    latency_ms: float
    rate_502: float
    rate_503: float
    rate_reset: float
    rate_lost: float
    times: int | None
    used: int = 0
    source: dict[str, Any] = dataclasses.field(default_factory=dict)


def _router_random(seed: int) -> random.Random:
    return random.Random(f"router-{seed}")  # not the fault stream: a same seed must not correlate them


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise unprocessable(f"{name} must be a non-negative number")
    return float(value)


def _rate(value: Any, name: str) -> float:
    rate = _number(value, name)
    if rate > 1:
        raise unprocessable(f"{name} must be between 0 and 1")
    return rate


class Faults:
    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.seed = seed
        self._random = random.Random(seed)
        self._router_random = _router_random(seed)
        self.rules: list[Rule] = []
        self.staging_failures: set[str] = set()
        self.staging_failure_rate = 0.0
        self.broker_failures: set[str] = set()
        self.injected: dict[str, int] = {}

    def configure(self, body: dict[str, Any]) -> None:
        unknown = [k for k in body if k not in TOP_KEYS]
        if unknown:
            raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
        rules = [self._rule(r) for r in body.get("rules", [])]
        seed = body.get("seed", self.seed)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise unprocessable("seed must be an integer")
        staging = body.get("staging_failures", [])
        broker = body.get("broker_failures", [])
        if not all(isinstance(n, str) for n in [*staging, *broker]):
            raise unprocessable("staging_failures and broker_failures must be lists of names")
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)
            self._router_random = _router_random(seed)
            self.rules = rules
            self.staging_failures = set(staging)
            self.staging_failure_rate = _rate(body.get("staging_failure_rate", 0.0), "staging_failure_rate")
            self.broker_failures = set(broker)

    @staticmethod
    def _rule(raw: Any) -> Rule:
        if not isinstance(raw, dict):
            raise unprocessable("rules must be a list of objects")
        unknown = [k for k in raw if k not in RULE_KEYS]
        if unknown:
            raise unprocessable("Unknown field(s): '" + "', '".join(unknown) + "'")
        target = raw.get("target", "api")
        if target not in ("api", "router"):
            raise unprocessable("target must be 'api' or 'router'")
        try:
            path = re.compile(raw.get("path", ""))
        except (re.error, TypeError) as exc:
            raise unprocessable(f"path is not a valid regular expression: {exc}") from exc
        methods = raw.get("methods")
        times = raw.get("times")
        if times is not None and (not isinstance(times, int) or isinstance(times, bool)):
            raise unprocessable("times must be an integer")
        return Rule(
            target=target,
            path=path,
            methods=frozenset(m.upper() for m in methods) if methods else None,
            latency_ms=_number(raw.get("latency_ms", 0), "latency_ms"),
            rate_502=_rate(raw.get("rate_502", 0), "rate_502"),
            rate_503=_rate(raw.get("rate_503", 0), "rate_503"),
            rate_reset=_rate(raw.get("rate_reset", 0), "rate_reset"),
            rate_lost=_rate(raw.get("rate_lost", 0), "rate_lost"),
            times=times,
            source=dict(raw),
        )

    def decide(self, target: str, method: str, path: str) -> Decision:
        decision = Decision()
        with self._lock:
            for rule in self.rules:
                if rule.target != target or (rule.methods is not None and method not in rule.methods):
                    continue
                if not rule.path.search(path) or (rule.times is not None and rule.used >= rule.times):
                    continue
                draw = self._random.random()
                hit = False
                decision.latency_s += rule.latency_ms / 1000.0
                hit = rule.latency_ms > 0
                if decision.status is None and not decision.reset and not decision.lost:
                    if draw < rule.rate_reset:
                        decision.reset = True
                        hit = True
                    elif draw < rule.rate_reset + rule.rate_502:
                        decision.status = 502
                        hit = True
                    elif draw < rule.rate_reset + rule.rate_502 + rule.rate_503:
                        decision.status = 503
                        hit = True
                    elif draw < rule.rate_reset + rule.rate_502 + rule.rate_503 + rule.rate_lost:
                        decision.lost = True
                        hit = True
                if hit:
                    rule.used += 1
            kind = ("reset" if decision.reset else str(decision.status) if decision.status
                    else "lost" if decision.lost else None)
            if kind:
                key = f"{target}:{kind}"
                self.injected[key] = self.injected.get(key, 0) + 1
        return decision

    def choose_router(self, count: int) -> int:
        """Which of `count` router instances serves the next request."""
        with self._lock:
            return self._router_random.randrange(count)

    def staging_fails(self, app_name: str) -> bool:
        with self._lock:
            if app_name in self.staging_failures:
                return True
            return self.staging_failure_rate > 0 and self._random.random() < self.staging_failure_rate

    def broker_fails(self, instance_name: str) -> bool:
        with self._lock:
            return instance_name in self.broker_failures

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            return {
                "seed": self.seed,
                "rules": [{**r.source, "used": r.used} for r in self.rules],
                "staging_failures": sorted(self.staging_failures),
                "staging_failure_rate": self.staging_failure_rate,
                "broker_failures": sorted(self.broker_failures),
                "injected": dict(self.injected),
            }
