"""EnableKey, DisableKey, CancelKeyDeletion and ScheduleKeyDeletion accept a key ARN.

moto 5.2.1 (moto/kms/models.py KmsBackend.enable_key, disable_key, cancel_key_deletion,
schedule_key_deletion) index its keys by the raw KeyId it was given, so a key ARN (which the
responses' _validate_cmk_id accepts, and AWS accepts) raises KeyError and the server answers 500.
The product's remediation commands name keys by ARN (`aws kms enable-key --key-id arn:…`).
Here the ARN is reduced to the key id first, as the backend's other key operations do (get_key_id).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from moto.kms.models import KmsBackend

OPERATIONS = ("enable_key", "disable_key", "cancel_key_deletion", "schedule_key_deletion")


def _by_key_id(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def operation(self: KmsBackend, key_id: str, *args: Any, **kwargs: Any) -> Any:
        return original(self, KmsBackend.get_key_id(key_id), *args, **kwargs)

    return operation


def install() -> None:
    """Wraps the four key-state operations so they take a key ARN or a key id."""
    for name in OPERATIONS:
        setattr(KmsBackend, name, _by_key_id(getattr(KmsBackend, name)))
