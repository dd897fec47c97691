"""Bucket policy conditions on object requests.

moto 5.2.1 (moto/s3/models.py FakeBucket.get_permission, moto/iam/access_control.py
IAMPolicyStatement.is_action_permitted) evaluates a bucket policy's statements on object
requests while ignoring their Condition blocks. The product's TLS-only statement
(Deny s3:* when aws:SecureTransport is "false") therefore denies every PutObject/GetObject,
where AWS denies only plain-HTTP requests.

Every SDK request to AWS S3 travels over TLS; the emulator's loopback HTTP stands in for that
TLS endpoint. So requests are evaluated with aws:SecureTransport = "true": a statement whose
Bool condition on aws:SecureTransport does not match that value does not apply. Statements with
other conditions keep moto's behaviour.
"""

from __future__ import annotations

import json
from typing import Any

SECURE_TRANSPORT = "true"


def _applies(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    for operator, entries in condition.items():
        if operator.lower() not in ("bool", "bool:ifexists"):
            continue
        for key, expected in entries.items():
            if key.lower() != "aws:securetransport":
                continue
            values = expected if isinstance(expected, list) else [expected]
            if SECURE_TRANSPORT not in [str(v).lower() for v in values]:
                return False
    return True


def install() -> None:
    """Patches FakeBucket.get_permission to honour aws:SecureTransport conditions."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: FakeBucket, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        statements = policy.get("Statement", [])
        if isinstance(statements, dict):
            statements = [statements]
        policy["Statement"] = [s for s in statements if _applies(s)]
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
