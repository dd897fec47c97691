"""A Query on a table's own key reads its partition, not the whole table.

moto 5.2.1 (moto/dynamodb/models/table.py Table.query) collects the candidates of every query from
Table.all_items(), which lists and sorts every item of the table, and keeps those of the hash key:
each Query costs the whole table. The product reads a request's webhook outbox with a Query on
its tenant's partition twice per delivery run, so on a table of 10,000 requests every delivery
sorted some 20,000 items; DynamoDB reads only the partition. Here a query without an index sees
only the items of its hash key (the same candidates, so the same results and order); index
queries, which have no partition of their own in moto, are left as they are.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table

_local = threading.local()

# Table.query's positional parameters: (hash_key, range_comparison, range_objs, limit,
# exclusive_start_key, scan_index_forward, projection_expressions, index_name, ...).
_INDEX_NAME_POSITION = 7


def _partition_only(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def all_items(self: Table) -> list[Any]:
        partition = getattr(_local, "partition", None)
        if partition is None or partition[0] is not self:
            return original(self)
        hash_set = self.items.get(partition[1])
        if hash_set is None:
            return []
        return list(hash_set.values()) if self.range_key_attr else [hash_set]

    return all_items


def _by_partition(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[_INDEX_NAME_POSITION - 1] if len(args) >= _INDEX_NAME_POSITION else None)
        if index_name or hash_key is None:
            return original(self, hash_key, *args, **kwargs)
        _local.partition = (self, hash_key)
        try:
            return original(self, hash_key, *args, **kwargs)
        finally:
            _local.partition = None

    return query


def install() -> None:
    """Wraps Table.query and Table.all_items (the latter only narrows inside a key query)."""
    Table.all_items = _partition_only(Table.all_items)  # type: ignore[method-assign]
    Table.query = _by_partition(Table.query)  # type: ignore[method-assign]
