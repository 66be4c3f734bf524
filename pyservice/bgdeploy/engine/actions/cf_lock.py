"""The MTA lock that lives in Cloud Foundry itself, so that engines which share no database (two users'
local engines) still never deploy the same MTA into the same space at once.

Why a user-provided service instance: Cloud Controller refuses a second service instance with the same
name in a space (CF-ServiceInstanceNameTaken), so creating one is an atomic test-and-set that every engine
can do with the deploying user's own rights (space developer). Unlike an app, it has no processes, uses
no memory quota and stays out of `cf apps`; unlike a route, it claims no hostname. It carries the lock's
owner in its annotations: the operation id, the engine (store id), the user and an expiry.

A stale marker, left by an engine that crashed or was deleted, is recognised and replaced:
- by the engine that wrote it (same engine id), when its operation is no longer active there;
- by anyone, once its expiry has passed (the expiry is the idle-operation TTL, after which that
  operation would be aborted anyway);
- by `-f` (abort conflicting operations), which breaks another engine's marker on purpose.
Replacing deletes the stale marker by its guid (a marker created meanwhile by someone else has another
guid and survives) and creates ours again, so two engines racing to replace it cannot both win.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from bgdeploy.cc import CloudController
from bgdeploy.cc import services as cc_services
from bgdeploy.cc.errors import NameTaken, NotFound, Unavailable
from bgdeploy.cc.models import ServiceInstance

LABEL = "bgdeploy-lock"
OPERATION, ENGINE, USER, EXPIRES = ("bgdeploy/lock-operation", "bgdeploy/lock-engine", "bgdeploy/lock-user",
                                    "bgdeploy/lock-expires")
ATTEMPTS = 4


@dataclass(frozen=True)
class Holder:
    operation_id: str
    engine_id: str
    user: str


class LockedElsewhere(Exception):
    def __init__(self, holder: Holder) -> None:
        super().__init__(holder.operation_id)
        self.holder = holder


def marker_name(mta_id: str, namespace: str) -> str:
    return f"bgdeploy-lock:{namespace}:{mta_id}" if namespace else f"bgdeploy-lock:{mta_id}"


def acquire(cc: CloudController, space_guid: str, mta_id: str, namespace: str, *, operation_id: str,
            engine_id: str, user: str, ttl_s: float, still_active: Callable[[str], bool],
            force: bool = False) -> str:
    """Create the marker (returns its guid) or raise LockedElsewhere naming the holder."""
    name = marker_name(mta_id, namespace)
    metadata = {"labels": {LABEL: "true"},
                "annotations": {OPERATION: operation_id, ENGINE: engine_id, USER: user,
                                EXPIRES: str(int(time.time() + ttl_s))}}
    for attempt in range(1, ATTEMPTS + 1):
        try:
            created = cc_services.create_user_provided(cc, space_guid, name, credentials={}, tags=[LABEL],
                                                       syslog_drain_url=None, route_service_url=None,
                                                       metadata=metadata)
        except Unavailable:
            # Sent again: if the first POST made the marker, CC says the name is taken, and the marker is
            # found to be this operation's below.
            if attempt == ATTEMPTS:
                raise
            continue
        except NameTaken:
            found = cc_services.find_instance(cc, space_guid, name)
            if found is None:
                continue  # released meanwhile: try again
            holder = _holder(found)
            if holder.operation_id == operation_id:
                return found.guid  # ours (an answer lost on the way)
            if not (force or _stale(found, holder, engine_id, still_active)):
                raise LockedElsewhere(holder) from None
            _delete(cc, found.guid)
            continue
        return created.guid  # CC's answer: the name was free, the marker is ours (no look needed)
    raise LockedElsewhere(Holder("", "", ""))


def release(cc: CloudController, space_guid: str, mta_id: str, namespace: str, operation_id: str,
            guid: str = "") -> None:
    """Delete the marker if it is still this operation's. Its guid, when known, is enough: a marker that
    replaced ours (stale, or broken with -f) has another guid, so deleting ours by guid never takes it."""
    if guid:
        _delete(cc, guid)
        return
    found = cc_services.find_instance(cc, space_guid, marker_name(mta_id, namespace))
    if found is not None and _holder(found).operation_id == operation_id:
        _delete(cc, found.guid)


def _holder(si: ServiceInstance) -> Holder:
    a = si.annotations
    return Holder(a.get(OPERATION, ""), a.get(ENGINE, ""), a.get(USER, ""))


def _stale(si: ServiceInstance, holder: Holder, engine_id: str, still_active: Callable[[str], bool]) -> bool:
    try:
        expires = float(si.annotations.get(EXPIRES, "0"))
    except ValueError:
        expires = 0.0
    if expires < time.time():
        return True
    return holder.engine_id == engine_id and not still_active(holder.operation_id)


def _delete(cc: CloudController, guid: str) -> None:
    with contextlib.suppress(NotFound):  # gone already
        cc_services.delete_instance(cc, guid)  # user-provided: deleted at once, no job
