"""DynamoDB writes are atomic, as on AWS.

moto server runs each request in its own thread (werkzeug, threaded), and moto 5.2.1's DynamoDB
backend (moto/dynamodb/models/__init__.py DynamoDBBackend.put_item, update_item, delete_item,
transact_write_items; BatchWriteItem goes through put_item and delete_item) reads an item, checks the condition and writes it back with
no lock: two concurrent `ADD #n :one` updates can both read n and both write n+1, and two
transactions conditioned on `attribute_not_exists` can both succeed. AWS serialises writes to an
item, which the product relies on (the team lock, the schedule-slot counter, idempotency keys).
Here every write operation of the backend holds one lock, so a condition is checked and its write
applied with no other write in between.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.dynamodb.models import DynamoDBBackend

OPERATIONS = ("put_item", "update_item", "delete_item", "transact_write_items")

_lock = threading.RLock()


def _serialised(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def operation(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _lock:
            return original(self, *args, **kwargs)

    return operation


def install() -> None:
    """Wraps the backend's write operations in one lock."""
    for name in OPERATIONS:
        setattr(DynamoDBBackend, name, _serialised(getattr(DynamoDBBackend, name)))
