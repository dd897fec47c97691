"""AWS::IAM::Role, applied as the IAM API applies it.

moto 5.2.1 (moto/iam/models.py Role.create_from_cloudformation_json) handles an
AssumeRolePolicyDocument object, but stores each inline Policies[].PolicyDocument object as a
dict (GetRolePolicy answers a dict where the API path stores the JSON text, and the policy is
never validated), and ignores ManagedPolicyArns.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.iam.models import Role, iam_backends
from moto.utilities.utils import get_partition

from .values import json_text

_original_create = Role.create_from_cloudformation_json


def _create_role(cls: type[Role], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> Role:
    properties = cloudformation_json.get("Properties", {})
    without_policies = copy.deepcopy(cloudformation_json)
    without_policies["Properties"].pop("Policies", None)
    role = _original_create(resource_name, without_policies, account_id, region_name, **kwargs)
    backend = iam_backends[account_id][get_partition(region_name)]
    try:
        for policy in properties.get("Policies", []):
            backend.put_role_policy(role.name, policy["PolicyName"], json_text(policy["PolicyDocument"]))
        for arn in properties.get("ManagedPolicyArns", []):
            backend.attach_role_policy(arn, role.name)
    except Exception:
        # Like AWS, a role whose policies were rejected is not left behind.
        Role.delete_from_cloudformation_json(role.name, cloudformation_json, account_id, region_name)
        raise
    return role


_original_delete = Role.delete_from_cloudformation_json


def _delete_role(cls: type[Role], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str) -> None:
    """CloudFormation detaches managed policies before DeleteRole, which otherwise answers DeleteConflict."""
    backend = iam_backends[account_id][get_partition(region_name)]
    for role in list(backend.roles.values()):
        if role.name == resource_name:
            for arn in list(role.managed_policies.keys()):
                backend.detach_role_policy(arn, resource_name)
    _original_delete(resource_name, cloudformation_json, account_id, region_name)


def install() -> None:
    """Replaces Role's CloudFormation create (inline policies via PutRolePolicy) and delete."""
    Role.create_from_cloudformation_json = classmethod(_create_role)  # type: ignore[method-assign,assignment]
    Role.delete_from_cloudformation_json = classmethod(_delete_role)  # type: ignore[method-assign,assignment]
