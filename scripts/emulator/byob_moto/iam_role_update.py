"""In-place updates of AWS::IAM::Role, through the IAM operations CloudFormation calls.

moto 5.2.1 (moto/iam/models.py Role.update_from_cloudformation_json) updates only the description
and sets MaxSessionDuration from a property that does not exist ("RoleDescription"); the trust
policy, inline policies, managed policies, permissions boundary and tags stay as created. Here
each changed property is its own call: UpdateAssumeRolePolicy, PutRolePolicy / DeleteRolePolicy,
AttachRolePolicy / DetachRolePolicy, UpdateRole, PutRolePermissionsBoundary /
DeleteRolePermissionsBoundary, TagRole / UntagRole. moto validates the policy documents as IAM
does, so an invalid one fails the update. RoleName and Path changes are replacements, made by the
update engine.
"""

from __future__ import annotations

from typing import Any

from moto.cloudformation.models import Stack
from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition

from .values import changed_names, json_text, removed_tag_keys


def _policies(properties: dict[str, Any]) -> dict[str, Any]:
    return {p["PolicyName"]: p["PolicyDocument"] for p in properties.get("Policies", [])}


def update_role(stack: Stack, logical_id: str, role: Role, old: dict[str, Any], new: dict[str, Any]) -> Role:
    """Applies what changed between old and new properties to the role."""
    backend = iam_backends[stack.account_id][get_partition(stack.region_name)]
    changed = changed_names(old, new)
    name = role.name
    if "AssumeRolePolicyDocument" in changed:
        backend.update_assume_role_policy(name, json_text(new["AssumeRolePolicyDocument"]))
    if "Policies" in changed:
        before, after = _policies(old), _policies(new)
        for policy_name, document in after.items():
            if before.get(policy_name) != document:
                backend.put_role_policy(name, policy_name, json_text(document))
        for policy_name in before.keys() - after.keys():
            backend.delete_role_policy(name, policy_name)
    if "ManagedPolicyArns" in changed:
        before_arns, after_arns = set(old.get("ManagedPolicyArns", [])), set(new.get("ManagedPolicyArns", []))
        for arn in sorted(after_arns - before_arns):
            backend.attach_role_policy(arn, name)
        for arn in sorted(before_arns - after_arns):
            backend.detach_role_policy(arn, name)
    if changed & {"Description", "MaxSessionDuration"}:
        backend.update_role(name, new.get("Description", ""), new.get("MaxSessionDuration", 3600))
    if "PermissionsBoundary" in changed:
        if new.get("PermissionsBoundary"):
            backend.put_role_permissions_boundary(name, new["PermissionsBoundary"])
        else:
            backend.delete_role_permissions_boundary(name)
    if "Tags" in changed:
        removed = removed_tag_keys(old, new)
        if removed:
            backend.untag_role(name, removed)
        if new.get("Tags"):
            backend.tag_role(name, [{"Key": t["Key"], "Value": str(t["Value"])} for t in new["Tags"]])
    return role
