"""What an operation holds besides its row, and lets go of when it ends: the MTA lock marker in Cloud
Foundry (engine.actions.cf_lock) and its uploaded files."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bgdeploy import messages as msg
from bgdeploy.cc import CloudController
from bgdeploy.engine.actions import cf_lock
from bgdeploy.engine.operations import ACTIVE_STATES, FINAL_STATES, Target
from bgdeploy.engine.settings import EngineSettings
from bgdeploy.engine.tokens import StaticToken
from bgdeploy.errors import BgDeployError, ConflictError
from bgdeploy.store import OperationRecord, Store

log = logging.getLogger(__name__)


def lock_in_cf(store: Store, settings: EngineSettings, cc_factory: Callable[..., CloudController],
               op: OperationRecord, target: Target, token: str, *, force: bool) -> None:
    """Take the lock across engines that share no database; on refusal the operation's row goes again."""
    cc = cc_factory(target.api_endpoint, StaticToken(token), verify=not target.skip_ssl_validation)
    try:
        op.lock_marker = cf_lock.acquire(
            cc, op.space_guid, op.mta_id, op.namespace, operation_id=op.id, engine_id=store.engine_id,
            user=target.user_name, ttl_s=settings.idle_ttl_s, force=force,
            still_active=lambda other: (o := store.get_operation(other)) is not None and o.state in ACTIVE_STATES)
    except cf_lock.LockedElsewhere as exc:
        store.delete_operation(op.id)
        holder = exc.holder
        raise ConflictError(msg.LOCKED_IN_CF.format(id=holder.operation_id, mta=op.mta_id,
                                                    user=holder.user or "unknown"), holder.operation_id) from None
    except BaseException:
        store.delete_operation(op.id)
        raise
    finally:
        cc.close()


def release_cf_lock(cc_factory: Callable[..., CloudController], op: OperationRecord, tokens: Any) -> None:
    if not op.mta_id:
        return
    cc = cc_factory(op.api_endpoint, tokens, verify=not op.skip_ssl)
    try:
        cf_lock.release(cc, op.space_guid, op.mta_id, op.namespace, op.id, op.lock_marker)
    except BgDeployError as exc:  # it expires by itself; the next deploy replaces it as stale
        log.warning("could not delete the lock marker of operation %s: %s", op.id, exc)
    finally:
        cc.close()


def delete_uploads(store: Store, settings: EngineSettings, op: OperationRecord, keep: set[str] | None = None) -> None:
    """An operation reached a final state: its uploads go, unless --keep-files (for the engine or the
    operation) or another active operation (or `keep`) still uses them."""
    if op.state not in FINAL_STATES or settings.keep_files or op.options.get("keep_files"):
        return
    in_use = store.files_in_use() | (keep or set())
    for file_id in [op.archive_id, *op.ext_ids]:
        rec = store.get_file(file_id) if file_id and file_id not in in_use else None
        if rec is not None:
            store.delete_file(rec)
