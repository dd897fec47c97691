"""Settings of the extension, read when they are used so a test can change them without a restart."""

from __future__ import annotations

import os

_base_url: str | None = None

CUSTOM_RESOURCE_TIMEOUT_ENV = "BYOB_EMULATOR_CUSTOM_RESOURCE_TIMEOUT"
# An emulator-only stack tag: lets one test shorten the wait for its own stack without touching
# the shared server's environment. Real CloudFormation ignores it (it is just a tag there).
CUSTOM_RESOURCE_TIMEOUT_TAG = "byob-emulator:custom-resource-timeout-seconds"
DEFAULT_CUSTOM_RESOURCE_TIMEOUT = 60.0


def configure(base_url: str | None) -> None:
    """Remembers where this server answers; None falls back to env, then to MOTO_PORT."""
    global _base_url
    _base_url = base_url or os.environ.get("BYOB_EMULATOR_BASE_URL")


def base_url() -> str:
    """The server's own URL, without a trailing slash."""
    if _base_url:
        return _base_url.rstrip("/")
    return f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"


def custom_resource_timeout(stack_tags: dict[str, str] | None) -> float:
    """Seconds to wait for a custom resource answer: the stack tag, else env, else 60."""
    raw = (stack_tags or {}).get(CUSTOM_RESOURCE_TIMEOUT_TAG) or os.environ.get(CUSTOM_RESOURCE_TIMEOUT_ENV)
    try:
        return float(raw) if raw else DEFAULT_CUSTOM_RESOURCE_TIMEOUT
    except ValueError:
        return DEFAULT_CUSTOM_RESOURCE_TIMEOUT


CHANGE_SET_SECONDS_ENV = "BYOB_EMULATOR_CHANGE_SET_SECONDS"
# CloudFormation takes seconds to compute a change set; a client that does not wait for
# CREATE_COMPLETE must fail here as it would there, so the emulator takes a moment too.
DEFAULT_CHANGE_SET_SECONDS = 0.2


def change_set_seconds() -> float:
    """How long a new change set stays CREATE_PENDING / CREATE_IN_PROGRESS: env, else 0.2 s."""
    try:
        return max(0.0, float(os.environ.get(CHANGE_SET_SECONDS_ENV) or DEFAULT_CHANGE_SET_SECONDS))
    except ValueError:
        return DEFAULT_CHANGE_SET_SECONDS
