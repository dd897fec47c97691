"""Which function updates a resource of each type in place, given its old and new properties.

Every updater takes (stack, logical_id, resource, old, new), old and new being the resolved
properties (intrinsics replaced by values), applies what changed through moto's backends as the
matching API calls do, and returns the resource the stack now holds (a custom resource answers
with a new model; a new PhysicalResourceId there means its provider replaced it). Types without an
updater here keep moto's own update_from_cloudformation_json, when moto has one.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.models import Stack

from . import custom_resources
from .cfn_changes import name_property
from .cfn_engine import ResourceError, is_custom_type
from .iam_role_update import update_role
from .kms_key_update import update_alias, update_key
from .s3_bucket_update import update_bucket, update_bucket_policy

Updater = Callable[[Stack, str, Any, dict[str, Any], dict[str, Any]], Any]

UPDATERS: dict[str, Updater] = {
    "AWS::S3::Bucket": update_bucket,
    "AWS::S3::BucketPolicy": update_bucket_policy,
    "AWS::KMS::Key": update_key,
    "AWS::KMS::Alias": update_alias,
    "AWS::IAM::Role": update_role,
}


def update_in_place(stack: Stack, logical_id: str, resource_type: str, resource: Any, old: dict[str, Any], new: dict[str, Any]) -> Any:
    """Applies new over old to the resource; raises what the service would answer."""
    if is_custom_type(resource_type):
        return custom_resources.update(stack, logical_id, resource, old, new)
    updater = UPDATERS.get(resource_type)
    if updater is not None:
        return updater(stack, logical_id, resource, old, new)
    model = parsing.resource_class_from_type(resource_type)
    if model is None or getattr(model.update_from_cloudformation_json, "__isabstractmethod__", False):
        raise ResourceError(f'Resource handler returned message: "Updating {resource_type} is not supported by the emulator" (HandlerErrorCode: NotUpdatable)')
    name = new.get(name_property(resource_type) or "") or resource.physical_resource_id
    return model.update_from_cloudformation_json(
        original_resource=resource,
        new_resource_name=name,
        cloudformation_json={"Type": resource_type, "Properties": copy.deepcopy(new)},
        account_id=stack.account_id,
        region_name=stack.region_name,
    )
