"""In-place updates of AWS::KMS::Key and AWS::KMS::Alias, through the KMS operations CloudFormation calls.

moto 5.2.1 has no update for a key (moto/kms/models.py Key has no update_from_cloudformation_json)
and updates an alias's target only. Here a changed KeyPolicy is PutKeyPolicy (with the lockout
safety check, unless BypassPolicyLockoutSafetyCheck), Description UpdateKeyDescription,
EnableKeyRotation Enable/DisableKeyRotation, Enabled Enable/DisableKey, Tags TagResource and
UntagResource, PendingWindowInDays the window a later deletion uses; an alias's TargetKeyId is
UpdateAlias. Replacements (KeySpec, KeyUsage, MultiRegion, AliasName) are made by the update engine.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import Stack
from moto.kms.models import Alias, Key, kms_backends

from .kms_key import kms_tags
from .kms_key_policy import check_lockout
from .values import as_bool, changed_names, json_text, removed_tag_keys


def update_key(stack: Stack, logical_id: str, key: Key, old: dict[str, Any], new: dict[str, Any]) -> Key:
    """Applies what changed between old and new properties to the key."""
    backend = kms_backends[stack.account_id][stack.region_name]
    changed = changed_names(old, new)
    if "KeyPolicy" in changed:
        # Without a KeyPolicy, CloudFormation gives the key the default policy.
        policy = json_text(new["KeyPolicy"]) if new.get("KeyPolicy") is not None else key.generate_default_policy()
        if not as_bool(new.get("BypassPolicyLockoutSafetyCheck", False)):
            check_lockout(policy, stack.account_id)
        backend.put_key_policy(key.id, policy)
    if "Description" in changed:
        backend.update_key_description(key.id, new.get("Description", ""))
    if "EnableKeyRotation" in changed:
        if as_bool(new.get("EnableKeyRotation", False)):
            backend.enable_key_rotation(key.id)
        else:
            backend.disable_key_rotation(key.id)
    if "Enabled" in changed:
        if as_bool(new.get("Enabled", True)):
            backend.enable_key(key.id)
        else:
            backend.disable_key(key.id)
    if "PendingWindowInDays" in changed:
        key.byob_pending_window_days = int(new.get("PendingWindowInDays", 30))  # type: ignore[attr-defined]
    if "Tags" in changed:
        removed = removed_tag_keys(old, new)
        if removed:
            backend.untag_resource(key.id, removed)
        if new.get("Tags"):
            backend.tag_resource(key.id, kms_tags(new["Tags"]))
    return key


def update_alias(stack: Stack, logical_id: str, alias: Alias, old: dict[str, Any], new: dict[str, Any]) -> Alias:
    """UpdateAlias: points the alias at the new TargetKeyId."""
    backend = kms_backends[stack.account_id][stack.region_name]
    return backend.update_alias(target_key_id=new["TargetKeyId"], alias_name=alias.alias_name)
