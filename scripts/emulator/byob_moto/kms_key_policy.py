"""KMS's key policy lockout safety check, for keys made or changed by a stack.

moto 5.2.1 (moto/kms/models.py KmsBackend.create_key, put_key_policy) stores any policy. KMS
refuses CreateKey and PutKeyPolicy (unless BypassPolicyLockoutSafetyCheck) when the new policy
would not let the caller change the policy again: MalformedPolicyDocumentException, "The new key
policy will not allow you to update the key policy in the future."

The caller here is the stack's account: a policy must allow kms:PutKeyPolicy to the account (its
root, its id, "*", or any principal of the account, since the emulator does not know which one
calls), and no unconditional Deny may take it away.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import Any

from moto.core.exceptions import JsonRESTError

LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."


class MalformedPolicyDocument(JsonRESTError):
    """KMS's answer to a policy it refuses."""

    def __init__(self, message: str) -> None:
        super().__init__("MalformedPolicyDocumentException", message)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _covers_put_key_policy(statement: dict[str, Any]) -> bool:
    if "NotAction" in statement:
        return not any(fnmatchcase("kms:putkeypolicy", str(a).lower()) for a in _as_list(statement["NotAction"]))
    return any(fnmatchcase("kms:putkeypolicy", str(a).lower()) for a in _as_list(statement.get("Action", [])))


def _covers_account(statement: dict[str, Any], account_id: str) -> bool:
    principal = statement.get("Principal")
    if principal == "*":
        return True
    names = [n for values in (principal.values() if isinstance(principal, dict) else []) for n in _as_list(values)]
    return any(n == "*" or n == account_id or f":iam::{account_id}:" in str(n) for n in names)


def check_lockout(policy: str, account_id: str) -> None:
    """Raises MalformedPolicyDocument when the policy would lock the account out of the key."""
    try:
        document = json.loads(policy)
        statements = _as_list(document["Statement"])
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedPolicyDocument(f"Policy is not a valid key policy document: {error}") from error
    relevant = [s for s in statements if isinstance(s, dict) and _covers_put_key_policy(s) and _covers_account(s, account_id)]
    denied = any(s.get("Effect") == "Deny" and "Condition" not in s for s in relevant)
    allowed = any(s.get("Effect") == "Allow" for s in relevant)
    if denied or not allowed:
        raise MalformedPolicyDocument(LOCKOUT_MESSAGE)
