"""What the store's query modules share: rows ↔ records, and the few methods of the store they call
(`Queries`), so that leases.py, blobs.py and retention.py need not import store.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import fields
from typing import Any, Protocol, TypeVar

from bgdeploy.store.connect import Dialect
from bgdeploy.store.records import OperationRecord

T = TypeVar("T")
OP_FIELDS = [f.name for f in fields(OperationRecord)]
OP_COLUMNS = ", ".join(OP_FIELDS)
FILE_COLUMNS = "id, sha256, kind, size, file_name, space_guid, created_at, path"
_JSON_FIELDS = {"ext_ids", "options", "data"}
_BOOL_FIELDS = {"skip_ssl", "locked"}


class Queries(Protocol):
    dialect: Dialect

    def sql(self, sql: str) -> str: ...

    def _do(self, work: Callable[[Any], T]) -> T: ...

    def _query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def _execute(self, sql: str, args: Sequence[Any] = ()) -> int: ...


def op_row(op: OperationRecord) -> tuple[Any, ...]:
    values = []
    for name in OP_FIELDS:
        value = getattr(op, name)
        if name in _JSON_FIELDS:
            value = json.dumps(value, sort_keys=True)
        elif name in _BOOL_FIELDS:
            value = int(bool(value))
        values.append(value)
    return tuple(values)


def op_from_row(row: Sequence[Any]) -> OperationRecord:
    kwargs: dict[str, Any] = {}
    for name, value in zip(OP_FIELDS, row, strict=True):
        if name in _JSON_FIELDS:
            value = json.loads(value)
        elif name in _BOOL_FIELDS:
            value = bool(value)
        kwargs[name] = value
    return OperationRecord(**kwargs)
