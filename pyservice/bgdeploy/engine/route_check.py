"""Waiting for the routers: by probing them (`--route-check probe`, the default), by a fixed timer
(`timer`, or when the routers cannot be reached from here), or not at all (`none`).

A probe asks the routers for one app instance on one route (routers/probe.py). A target (route x
instance) counts as learnt after `probes` consecutive confirming probes spanning at least `spread`; any
other answer starts its count again. Several gorouters sit behind one load balancer, and each probe opens
its own connection, so the consecutive confirmations come from more than one of them. Probes of one round
go out side by side; rounds start every spread/(probes-1), and further apart the longer the wait lasts
(a twentieth of the time waited, at most 0.5 s), so a slow routing tier is not flooded. Once a target has
been seen learnt, its remaining confirmations go at the short pace again: they are what the switch waits
for, and spacing them out would only add to every wait.

Before probing, every host gets one probe for an instance that cannot exist: a gorouter answers
"unknown route" to it. Anything else (no answer, a proxy that answers for any instance) means probes
cannot prove anything from here, so the wait falls back to the timer and says so in one progress line.

Nothing here sleeps: `advance` does one round and returns when to come back; the state (counts, deadlines)
lives in the plan, so a crash or a restart goes on waiting instead of skipping the wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from bgdeploy import messages as msg
from bgdeploy.engine.concurrency import map_all
from bgdeploy.engine.plan import ProbeTarget, RouteCheck
from bgdeploy.engine.step import StepContext
from bgdeploy.errors import StepTimeoutError
from bgdeploy.routers.addresses import AddressMap
from bgdeploy.routers.probe import NOT_REGISTERED, SERVED, Prober

PROBE, TIMER, NONE = "probe", "timer", "none"
MODES = (PROBE, TIMER, NONE)
MAX_ROUND_S = 0.5
BACKOFF = 20  # a round waits this fraction of the time waited so far (at most MAX_ROUND_S)
LIST_LIMIT = 5  # targets named in a message


@dataclass(frozen=True)
class Policy:
    mode: str
    probes: int
    spread_s: float
    timeout_s: float
    timer_s: float
    drain_s: float

    @property
    def round_s(self) -> float:
        return self.spread_s / (self.probes - 1) if self.probes > 1 else max(self.spread_s, 0.05)


def policy(ctx: StepContext) -> Policy:
    o, s = ctx.options, ctx.settings
    return Policy(
        mode=o.route_check or PROBE,
        probes=max(1, o.route_check_probes or s.route_check_probes),
        spread_s=(o.route_check_spread_ms / 1000.0) if o.route_check_spread_ms else s.route_check_spread_s,
        timeout_s=float(o.route_check_timeout_s or s.route_check_timeout_s),
        timer_s=s.route_settle_s,
        drain_s=float(s.drain_s if o.drain_seconds is None else o.drain_seconds),
    )


def prober(ctx: StepContext) -> Prober:
    return Prober(AddressMap.parse(ctx.settings.route_addresses), verify_tls=not ctx.op.skip_ssl)


def begin(ctx: StepContext, targets: list[ProbeTarget], probe: Prober) -> RouteCheck:
    """Start a wait: decide probe or timer (one progress line says which), or none."""
    rules = policy(ctx)
    now = ctx.now()
    check = RouteCheck(mode=rules.mode, started_at=now, targets=targets)
    if rules.mode == NONE or not targets:
        check.mode, check.done, check.confirmed_at = NONE, True, now
        return check
    if rules.mode == PROBE:
        hosts = sorted({(t.host, t.path) for t in targets})
        problems = map_all(lambda hp: probe.gorouter_problem(*hp), hosts, ctx.settings.max_parallel_apps)
        bad = next(((host, why) for (host, _), why in zip(hosts, problems, strict=True) if why), None)
        if bad is None:
            check.until = now + rules.timeout_s
            ctx.log.info(msg.ROUTES_PROBING.format(count=len(targets)))
            return check
        ctx.log.info(msg.ROUTES_UNREACHABLE.format(host=bad[0], why=bad[1], seconds=_seconds(rules.timer_s)))
    else:
        ctx.log.info(msg.ROUTES_SETTLING.format(seconds=_seconds(rules.timer_s)))
    check.mode, check.until = TIMER, now + rules.timer_s
    return check


def advance(ctx: StepContext, check: RouteCheck, probe: Prober, *, after_switch: bool) -> float | None:
    """One round of the wait; when to come back, or None when the routers have learnt everything.

    A timeout before the switch fails the step (the old apps still serve); after it, the step says what
    could not be confirmed and goes on (the new apps are kept)."""
    if check.done:
        return None
    now = ctx.now()
    if check.mode == TIMER:
        if now < check.until:
            return check.until
        return _finish(check, now)
    rules = policy(ctx)
    round_started = now
    todo = [t for t in check.targets if not t.confirmed]
    answers = map_all(lambda t: probe.probe(t.host, t.path, t.instance), todo, ctx.settings.max_parallel_apps)
    now = ctx.now()
    check.probes += len(todo)
    for target, answer in zip(todo, answers, strict=True):
        _count(target, answer.seen, now, rules)
    left = [t for t in check.targets if not t.confirmed]
    if not left:
        ctx.log.info(msg.ROUTES_CONFIRMED.format(count=len(check.targets), probes=check.probes,
                                                 seconds=round(now - check.started_at, 1)))
        return _finish(check, now)
    if now >= check.until:
        return _timed_out(ctx, check, left, rules, after_switch=after_switch)
    # rounds start every round_s (the probes' own time included), further apart as the wait grows,
    # except while a target is being confirmed
    confirming = any(t.confirmations for t in left)
    gap = rules.round_s if confirming else max(rules.round_s, min(MAX_ROUND_S, (now - check.started_at) / BACKOFF))
    return max(now, round_started + gap)


def _count(target: ProbeTarget, seen: str, now: float, rules: Policy) -> None:
    target.last = seen
    if seen != (SERVED if target.present else NOT_REGISTERED):
        target.confirmations = 0
        return
    if target.confirmations == 0:
        target.first_at = now
    target.confirmations += 1
    if target.confirmations >= rules.probes and now - target.first_at >= rules.spread_s - 1e-6:
        target.confirmed = True


def _finish(check: RouteCheck, now: float) -> None:
    check.done, check.confirmed_at = True, now
    return None


def _timed_out(ctx: StepContext, check: RouteCheck, left: list[ProbeTarget], rules: Policy, *,
               after_switch: bool) -> None:
    what = _describe(left)
    seconds = _seconds(rules.timeout_s)
    if after_switch:
        ctx.log.warn(msg.ROUTES_UNCONFIRMED.format(seconds=seconds, what=what))
        return _finish(check, ctx.now())
    # The next retry waits afresh: forget this wait's progress (the step drops the check).
    raise StepTimeoutError(msg.ROUTES_TIMEOUT.format(seconds=seconds, what=what))


def _describe(targets: list[ProbeTarget]) -> str:
    items = []
    for t in targets[:LIST_LIMIT]:
        index = t.instance.rsplit(":", 1)[-1]
        verb = "answers from" if t.present else "no longer routes to"
        seen = f", last seen: {t.last}" if t.last else ""
        items.append(f'"{t.url}" {verb} instance {index} of "{t.app}"{seen}')
    more = f" and {len(targets) - LIST_LIMIT} more" if len(targets) > LIST_LIMIT else ""
    return "; ".join(items) + more


def _seconds(value: float) -> str:
    return f"{value:g}"
