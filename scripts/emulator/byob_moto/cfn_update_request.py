"""A validated stack update: UpdateStack's and CreateChangeSet's template, parameters and checks.

As CloudFormation does: UsePreviousTemplate, TemplateBody or TemplateURL; parameters omitted take
their default, UsePreviousValue keeps the previous value, one not in the template is refused; a
template must have resources and resolvable references; a resource may not change type; a stack
that is busy or failed cannot be updated. The result carries the new template loaded into a
resource map of its own and the changes it would make (cfn_changes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import Stack
from moto.cloudformation.responses import CloudFormationResponse

from .cfn_changes import ResourceChange, existing_resources, plan_changes, present_resources
from .cfn_engine import backend_of
from .cfn_references import references
from .values import as_bool

UPDATABLE = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE", "IMPORT_ROLLBACK_COMPLETE"}


@dataclass
class UpdateRequest:
    """A validated update: the new template and parameters, loaded into a resource map of their own."""

    template: str
    template_dict: dict[str, Any]
    parameters: dict[str, Any]
    resource_map: parsing.ResourceMap
    changes: list[ResourceChange]
    tags: dict[str, str] | None = None
    notification_arns: list[str] | None = None
    role_arn: str | None = None
    token: str | None = None
    stack_tags_changed: bool = False


def previous_value(stack: Stack, key: str) -> Any:
    """UsePreviousValue: the value the stack runs with, as its input or its resolved default."""
    if key in (stack.parameters or {}):
        return stack.parameters[key]
    if key in stack.resource_map.resolved_parameters:
        value = stack.resource_map.resolved_parameters[key]
        return ",".join(map(str, value)) if isinstance(value, list) else str(value)
    raise ValidationError(message=f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true for a parameter key not in the previous template")


def resolve_parameters(stack: Stack, incoming: list[dict[str, Any]]) -> dict[str, Any]:
    """The Parameters of an UpdateStack or CreateChangeSet call, UsePreviousValue resolved."""
    values: dict[str, Any] = {}
    for parameter in incoming:
        key = parameter["ParameterKey"]
        if as_bool(parameter.get("UsePreviousValue", False)):
            if parameter.get("ParameterValue") not in (None, ""):
                raise ValidationError(message=f"Invalid input for parameter key {key}. Cannot specify usePreviousValue as true and non empty value for a parameter")
            values[key] = previous_value(stack, key)
        else:
            values[key] = parameter.get("ParameterValue", "")
    return values


def template_of(response: CloudFormationResponse, stack: Stack) -> str:
    """The template an UpdateStack or CreateChangeSet call names: previous, body or URL."""
    body, url = response._get_param("TemplateBody"), response._get_param("TemplateURL")
    if as_bool(response._get_param("UsePreviousTemplate", False)):
        if body or url:
            raise ValidationError(message="You cannot specify both usePreviousTemplate and Template Body/Template URL.")
        return str(stack.template)
    if body:
        return body
    if url:
        return response._get_stack_from_s3_url(url)
    raise ValidationError(message="Either Template URL or Template Body must be specified.")


def check_updatable(stack: Stack) -> None:
    """AWS's answer for a stack that is busy or failed."""
    if stack.status not in UPDATABLE:
        raise ValidationError(message=f"Stack:{stack.stack_id} is in {stack.status} state and can not be updated.")


def load_template(stack: Stack, template: str, parameters: dict[str, Any]) -> tuple[dict[str, Any], parsing.ResourceMap]:
    """The template parsed and checked, its parameters resolved into a resource map of its own (no resource made)."""
    try:
        template_dict = Stack.parse_template(template)
    except Exception as error:
        raise ValidationError(message=f"Template format error: {error}") from error
    resources = template_dict.get("Resources") if isinstance(template_dict, dict) else None
    if not isinstance(resources, dict) or not resources:
        raise ValidationError(message="Template format error: At least one Resources member must be defined.")
    unknown = sorted(set(parameters) - set(template_dict.get("Parameters") or {}))
    if unknown:
        raise ValidationError(message=f"Parameters: [{', '.join(unknown)}] do not exist in the template")
    known = set(resources) | set(template_dict.get("Parameters") or {})
    for resource_json in resources.values():
        for ref in references(resource_json.get("Properties")):
            if ref.target not in known and not ref.target.startswith("AWS::"):
                raise ValidationError(message=f"Template format error: Unresolved resource dependencies [{ref.target}] in the Resources block of the template")
    resource_map = parsing.ResourceMap(
        stack.stack_id,
        stack.name,
        parameters,
        stack.tags,
        region_name=stack.region_name,
        account_id=stack.account_id,
        template=template_dict,
        cross_stack_resources=backend_of(stack).exports,
    )
    try:
        resource_map.load()
    except ValidationError:
        raise
    except Exception as error:
        raise ValidationError(message=f"Template format error: {getattr(error, 'message', error)}") from error
    resource_map.byob_stack = stack  # type: ignore[attr-defined]
    return template_dict, resource_map


def prepare(stack: Stack, template: str, parameters: dict[str, Any], tags: dict[str, str] | None = None, notification_arns: list[str] | None = None, role_arn: str | None = None, token: str | None = None) -> UpdateRequest:
    """Validates an update as UpdateStack and CreateChangeSet do, and plans its changes."""
    template_dict, resource_map = load_template(stack, template, parameters)
    old = existing_resources(stack.resource_map)
    for lid, resource_json in present_resources(resource_map).items():
        if lid in old and stack.resource_map._resource_json_map[lid]["Type"] != resource_json["Type"]:
            raise ValidationError(message=f"Update of resource type is not permitted. The new template modifies resource type of the following resources: [{lid}]")
    tags_changed = tags is not None and tags != stack.tags
    changes = plan_changes(stack, resource_map, stack_tags_changed=tags_changed)
    return UpdateRequest(template, template_dict, parameters, resource_map, changes, tags, notification_arns, role_arn, token, tags_changed)
