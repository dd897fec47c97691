"""Bucket policy conditions on object requests.

moto 5.2.1 (moto/s3/models.py FakeBucket.get_permission, moto/iam/access_control.py
IAMPolicyStatement.is_action_permitted) evaluates a bucket policy's statements on object
requests while ignoring their Condition blocks. The product's TLS-only statement
(Deny s3:* when aws:SecureTransport is "false") therefore denies every PutObject/GetObject,
where AWS denies only plain-HTTP requests.

Every SDK request to AWS S3 travels over TLS; the emulator's loopback HTTP stands in for that
TLS endpoint. So requests are evaluated with aws:SecureTransport = "true" and s3:TlsVersion = 1.2
(the oldest version AWS endpoints accept): a statement whose Bool condition on aws:SecureTransport,
or numeric condition on s3:TlsVersion (the template's "deny TLS older than 1.2"), does not match
those values does not apply. Statements with other conditions keep moto's behaviour.
"""

from __future__ import annotations

import json
import operator as op
from typing import Any, Callable

SECURE_TRANSPORT = "true"
TLS_VERSION = 1.2

_NUMERIC: dict[str, Callable[[float, float], bool]] = {
    "numericequals": op.eq,
    "numericnotequals": op.ne,
    "numericlessthan": op.lt,
    "numericlessthanequals": op.le,
    "numericgreaterthan": op.gt,
    "numericgreaterthanequals": op.ge,
}


def _values(expected: Any) -> list[Any]:
    return expected if isinstance(expected, list) else [expected]


def _applies(statement: dict[str, Any]) -> bool:
    condition = statement.get("Condition") or {}
    for operator, entries in condition.items():
        name = operator.lower().removesuffix(":ifexists").removesuffix("ifexists")
        for key, expected in entries.items():
            if name == "bool" and key.lower() == "aws:securetransport":
                if SECURE_TRANSPORT not in [str(v).lower() for v in _values(expected)]:
                    return False
            if name in _NUMERIC and key.lower() == "s3:tlsversion":
                # A negated operator holds when no value matches; the others when any does (IAM's rule).
                match = all if name == "numericnotequals" else any
                if not match(_NUMERIC[name](TLS_VERSION, float(v)) for v in _values(expected)):
                    return False
    return True


def install() -> None:
    """Patches FakeBucket.get_permission to honour aws:SecureTransport and s3:TlsVersion conditions."""
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
