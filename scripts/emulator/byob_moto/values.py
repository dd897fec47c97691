"""Small helpers for CloudFormation property values, which arrive as JSON or as parameter strings."""

from __future__ import annotations

from typing import Any


def as_bool(value: Any) -> bool:
    """CloudFormation accepts true/false and "true"/"false"; a bare bool() would read "false" as True."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping without the keys whose value is None (absent optional properties)."""
    return {k: v for k, v in mapping.items() if v is not None}
