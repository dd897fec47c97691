"""TransactWriteItems costs what it touches, not the whole table.

moto 5.2.1 (moto/dynamodb/models/__init__.py DynamoDBBackend.transact_write_items) deep-copies
every table a transaction names before applying it, so it can put the copy back if any item
fails. Each status change of the product is a transaction (record, team lock, outbox events), so
on a table of 10,000 requests every one of them copied every item: seconds per call, where
DynamoDB answers in milliseconds whatever the table's size. Here the transaction runs with the
tables shared instead of copied, and what it touched (at most 100 items) is saved beforehand and
put back on failure: the same all-or-nothing outcome.
"""

from __future__ import annotations

import copy
import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_local = threading.local()


def _deepcopy_unless_shared(self: Table, memo: dict[int, Any]) -> Table:
    # What deepcopy does for a plain object, unless this thread runs a transaction (see _touching).
    if getattr(_local, "share_tables", False):
        return self
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for name, value in self.__dict__.items():
        setattr(clone, name, copy.deepcopy(value, memo))
    return clone


def _key_of(table: Table, op_type: str, op: dict[str, Any]) -> tuple[DynamoType, DynamoType | None]:
    attrs = op["Item"] if op_type == "Put" else op["Key"]
    hash_key = DynamoType(attrs[table.hash_key_attr])
    range_key = DynamoType(attrs[table.range_key_attr]) if table.range_key_attr else None
    return hash_key, range_key


def _touching(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved: list[tuple[Table, DynamoType, DynamoType | None, Any]] = []
        for entry in transact_items[:100]:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is None:
                continue
            try:
                hash_key, range_key = _key_of(table, op_type, op)
            except (KeyError, TypeError):
                continue
            saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
        _local.share_tables = True
        try:
            original(self, transact_items)
        except Exception:
            for table, hash_key, range_key, item in reversed(saved):
                _restore(table, hash_key, range_key, item)
            raise
        finally:
            _local.share_tables = False

    return transact_write_items


def _restore(table: Table, hash_key: DynamoType, range_key: DynamoType | None, item: Any) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
        return
    if item is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item


def install() -> None:
    """Wraps TransactWriteItems; tables are deep-copied as before everywhere else."""
    Table.__deepcopy__ = _deepcopy_unless_shared  # type: ignore[attr-defined]
    DynamoDBBackend.transact_write_items = _touching(DynamoDBBackend.transact_write_items)  # type: ignore[method-assign]
