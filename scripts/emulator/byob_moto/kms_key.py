"""AWS::KMS::Key and AWS::KMS::Alias, applied as the KMS API applies them.

moto 5.2.1 (moto/kms/models.py Key.create_from_cloudformation_json) stores a KeyPolicy given as a
JSON object as a dict, so DescribeKey (which evaluates the policy) answers 500; it also ignores
KeyUsage, KeySpec, MultiRegion and Origin, requires KeyPolicy, and deletes a key outright where
CloudFormation schedules its deletion (PendingWindowInDays, default 30). KMS's lockout safety
check is applied as CreateKey applies it (kms_key_policy.py).
"""

from __future__ import annotations

from typing import Any

from moto.kms.models import Key, kms_backends

from .kms_key_policy import check_lockout
from .values import as_bool, json_text


def kms_tags(tags: list[dict[str, Any]]) -> list[dict[str, str]]:
    """CloudFormation's Key/Value tags as KMS's TagKey/TagValue."""
    return [{"TagKey": t["Key"], "TagValue": str(t["Value"])} for t in tags]


def _create_key(cls: type[Key], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Key:
    backend = kms_backends[account_id][region_name]
    properties = cloudformation_json.get("Properties", {})
    # CloudFormation sends the policy to CreateKey as a JSON string, like every SDK caller.
    policy = json_text(properties["KeyPolicy"]) if properties.get("KeyPolicy") is not None else None
    if policy is not None and not as_bool(properties.get("BypassPolicyLockoutSafetyCheck", False)):
        check_lockout(policy, account_id)
    tags = kms_tags(properties.get("Tags", []))
    key = backend.create_key(
        policy=policy,
        key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=properties.get("Description", ""),
        tags=tags or None,
        multi_region=as_bool(properties.get("MultiRegion", False)),
        origin=properties.get("Origin", "AWS_KMS"),
    )
    if as_bool(properties.get("EnableKeyRotation", False)):
        backend.enable_key_rotation(key.id)
    if not as_bool(properties.get("Enabled", True)):
        backend.disable_key(key.id)
    key.byob_pending_window_days = int(properties.get("PendingWindowInDays", 30))  # type: ignore[attr-defined]
    return key


def schedule_deletion(key: Key, account_id: str, region_name: str) -> None:
    """What CloudFormation does when a key leaves a stack: ScheduleKeyDeletion, not an immediate delete."""
    window = int(getattr(key, "byob_pending_window_days", 30))
    kms_backends[account_id][region_name].schedule_key_deletion(key.id, window)


def _has_cfn_attr(cls: type[Key], attr: str) -> bool:
    return attr in ("Arn", "KeyId")


def _get_cfn_attribute(self: Key, attribute_name: str) -> str:
    if attribute_name == "KeyId":
        return self.id
    return _original_get_cfn_attribute(self, attribute_name)


_original_get_cfn_attribute = Key.get_cfn_attribute


def install() -> None:
    """Replaces Key's CloudFormation create and adds the KeyId attribute."""
    Key.create_from_cloudformation_json = classmethod(_create_key)  # type: ignore[method-assign,assignment]
    Key.has_cfn_attr = classmethod(_has_cfn_attr)  # type: ignore[method-assign,assignment]
    Key.get_cfn_attribute = _get_cfn_attribute  # type: ignore[method-assign]
