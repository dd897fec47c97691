"""Small helpers for CloudFormation property values, which arrive as JSON or as parameter strings."""

from __future__ import annotations

import json
from typing import Any


def as_bool(value: Any) -> bool:
    """CloudFormation accepts true/false and "true"/"false"; a bare bool() would read "false" as True."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    """The mapping without the keys whose value is None (absent optional properties)."""
    return {k: v for k, v in mapping.items() if v is not None}


def json_text(document: Any, compact: bool = False) -> str:
    """A policy document as the API takes it: JSON text (templates may give an object or the text)."""
    if isinstance(document, str):
        return document
    return json.dumps(document, separators=(",", ":") if compact else None)


def changed_names(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The properties whose value differs between two property sets (added and removed ones too)."""
    return {name for name in old.keys() | new.keys() if old.get(name) != new.get(name)}


def removed_tag_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Keys of the Tags in old that new no longer has: an update must untag them."""
    kept = {t["Key"] for t in new.get("Tags", [])}
    return [t["Key"] for t in old.get("Tags", []) if t["Key"] not in kept]
