"""Waiting for the routers: by probing them (`--route-check probe`, the default), by a fixed timer
(`timer`, or when the routers cannot be reached from here), or not at all (`none`).

A probe asks the routers for one app instance on one route (routers/probe.py). Several gorouters sit behind
one load balancer, each learning changes with its own delay, and each probe opens its own connection: so
every probe samples one router, and a router behind its peers shows only in the probes that reach it.
- A round sends at least ROUND_PROBES probes side by side (several per target when there are fewer
  targets); a target's round confirms only if all of its probes do.
- A target (route x instance) counts as learnt after `probes` consecutive confirming rounds spanning at
  least `spread`; any other answer starts its count again. Learnt targets are probed on until every target
  is learnt in the same round, so a router that falls behind on one of them still shows.
- Once the routers were seen disagreeing (one round of a target mixed, or a learnt target relapsing), a
  router is known to lag: the count needed grows SPLIT_FACTOR times. One router of two behind then slips
  through 3 rounds of 4 probes with odds of 2^-12, through 12 such rounds with 2^-48.
Rounds start every spread/(probes-1), further apart the longer the wait lasts (a fortieth of the time
waited, at most 0.5 s), so a slow routing tier is not flooded; while a target is being confirmed they go
at the short pace: those rounds are what the switch waits for.

The drain that follows the last wait of a switch goes on probing (`recheck`: a round of ROUND_PROBES
probes every DRAIN_ROUND_S, taking the targets in turn). A router that still routes to an old instance
sends the wait back to confirming, and the drain starts again after it. Those rounds cost no time, and
with many routers behind one load balancer they are what reaches the one the confirming rounds missed: 4
routers, one behind, slip through 3 rounds of 4 probes with odds of (3/4)^12 = 3 %, through the 20 more
rounds of a 2 s drain with (3/4)^92, about 3 x 10^-12.

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
from bgdeploy.routers.probe import FAILING, NOT_REGISTERED, SERVED, Prober

PROBE, TIMER, NONE = "probe", "timer", "none"
MODES = (PROBE, TIMER, NONE)
MAX_ROUND_S = 0.5
BACKOFF = 40  # a round waits this fraction of the time waited so far (at most MAX_ROUND_S)
LIST_LIMIT = 5  # targets named in a message
ROUND_PROBES = 4  # probes per round at least, each reaching the routers on a connection of its own
SPLIT_FACTOR = 4  # more confirming rounds needed once some routers were seen behind the others
DRAIN_ROUND_S = 0.1  # rounds during the drain, looking for a router that still routes to an old instance


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
    rounds = _round(ctx, check, probe, check.targets)
    now = ctx.now()
    for target, seen in zip(check.targets, rounds, strict=True):
        check.split |= _count(target, seen, now, rules, needed=rules.probes * (SPLIT_FACTOR if check.split else 1))
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


def recheck(ctx: StepContext, check: RouteCheck, probe: Prober) -> bool:
    """One round of probes on a wait the routers confirmed (during the drain). True when a router still
    shows the old state of a target: the wait starts confirming again, counting as after a split."""
    if check.mode != PROBE or not check.done or not all(t.confirmed for t in check.targets):
        return False  # a timer, or a wait that timed out unconfirmed: nothing to hold the drain to
    # a router that lags, lags on every route: ROUND_PROBES probes a round, taking the targets in turn
    n = len(check.targets)
    some = [check.targets[(check.probes + i) % n] for i in range(min(ROUND_PROBES, n))]
    behind = [(t, seen) for t, seen in zip(some, _round(ctx, check, probe, some), strict=True) if _behind(t, seen)]
    if not behind:
        return False
    for target in check.targets:
        target.confirmations, target.confirmed = 0, False
    for target, seen in behind:
        target.last = next(s for s in seen if s != _wanted(target))
    check.done, check.split = False, True
    target = behind[0][0]
    ctx.log.info(msg.ROUTES_RELAPSED.format(url=target.url, app=target.app))
    return True


def _round(ctx: StepContext, check: RouteCheck, probe: Prober, targets: list[ProbeTarget]) -> list[list[str]]:
    """One round: ROUND_PROBES probes at least, side by side; what each target's probes saw."""
    copies = -(-ROUND_PROBES // len(targets))
    sent = [t for t in targets for _ in range(copies)]
    answers = map_all(lambda t: probe.probe(t.host, t.path, t.instance), sent, ctx.settings.max_parallel_apps)
    check.probes += len(sent)
    return [[a.seen for a in answers[n * copies:(n + 1) * copies]] for n in range(len(targets))]


def _wanted(target: ProbeTarget) -> str:
    """What a router that has learnt the change answers for the target."""
    return SERVED if target.present else NOT_REGISTERED


def _behind(target: ProbeTarget, seen: list[str]) -> bool:
    """A router still shows the old state (a router error or no answer proves neither)."""
    old = (NOT_REGISTERED,) if target.present else (SERVED, FAILING)
    return any(s in old for s in seen)


def _count(target: ProbeTarget, seen: list[str], now: float, rules: Policy, *, needed: int) -> bool:
    """One round of probes of `target`: all must confirm, or its count starts again. True when the round
    shows routers disagreeing (its answers mixed, or a target that was confirming relapses)."""
    wanted = _wanted(target)
    target.last = next((s for s in seen if s != wanted), seen[-1])
    if target.last != wanted:
        # a router that still shows the old state, beside one that showed the new
        split = _behind(target, seen) and (wanted in seen or target.confirmations > 0)
        target.confirmations, target.confirmed = 0, False
        return split
    if target.confirmations == 0:
        target.first_at = now
    target.confirmations += 1
    target.confirmed = target.confirmations >= needed and now - target.first_at >= rules.spread_s - 1e-6
    return False


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
