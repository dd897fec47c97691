"""KMS requests naming a key of another account by its ARN go to that account's keys.

moto 5.2.1 (moto/kms/responses.py KmsResponse.kms_backend) serves every KMS request from the
caller's own account, so DescribeKey/GenerateDataKey/GetKeyRotationStatus with a key ARN of another
account answer NotFoundException. On AWS a key is used cross-account by its ARN (allowed by its key
policy and the caller's IAM policy; neither is evaluated here): the vendor verifies a customer's key.
"""

from __future__ import annotations

import json
import re
from moto.kms.models import KmsBackend, kms_backends
from moto.kms.responses import KmsResponse

_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):(key|alias)/")


def _kms_backend(self: KmsResponse) -> KmsBackend:
    try:
        key_id = json.loads(self.body or "{}").get("KeyId")
    except (ValueError, AttributeError):
        key_id = None
    match = _KEY_ARN.match(key_id) if isinstance(key_id, str) else None
    if match and match.group("account") != self.current_account:
        return kms_backends[match.group("account")][match.group("region")]
    return kms_backends[self.current_account][self.region]


def install() -> None:
    """Replaces KmsResponse.kms_backend."""
    KmsResponse.kms_backend = property(_kms_backend)  # type: ignore[method-assign,assignment]
