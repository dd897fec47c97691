"""Change sets with CloudFormation's semantics: Create, Describe, List, Delete and ExecuteChangeSet.

moto 5.2.1 (moto/cloudformation/models.py CloudFormationBackend.create_change_set and the four
others, ChangeSet) keeps a change set per call (the same name twice makes two, ClientToken is
ignored), is CREATE_COMPLETE at once, describes changes without PhysicalResourceId, Replacement,
Scope or Details, answers an unknown name with ValidationError (DescribeChangeSet) or a 500
(DeleteChangeSet), executes any change set whatever its status (a FAILED one included) with
ResourceMap.update (see cfn_update.py), and keeps the other change sets of the stack. Here, as on
AWS:

- a change set name is unique per stack: CreateChangeSet with the name of an existing one answers
  its Id when every attribute is the same (a retry with the same ClientToken), else
  AlreadyExistsException "ChangeSet <name> cannot be created due to a mismatch with existing
  attribute <attribute>"; ChangeSetType defaults to UPDATE;
- the update is validated and planned at once (cfn_update_request.py, cfn_changes.py), but the
  change set is CREATE_PENDING, then CREATE_IN_PROGRESS (ExecutionStatus UNAVAILABLE) for
  config.change_set_seconds(), then CREATE_COMPLETE / AVAILABLE, or FAILED / UNAVAILABLE with
  "The submitted information didn't contain changes. Submit different information to create a
  change set." when nothing changes;
- DescribeChangeSet and DeleteChangeSet of an unknown change set answer ChangeSetNotFound;
  ExecuteChangeSet of one that is not CREATE_COMPLETE and AVAILABLE answers
  InvalidChangeSetStatus; executing deletes the stack's other change sets and runs the update of
  cfn_update.py (EXECUTE_IN_PROGRESS, then EXECUTE_COMPLETE or EXECUTE_FAILED after a rollback);
  a CREATE change set makes a REVIEW_IN_PROGRESS stack, created on execution as CreateStack does.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.cloudformation.exceptions import AlreadyExistsException, CloudFormationError, ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_changeset_id, generate_stack_id, validate_create_change_set
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from . import config
from .cfn_changes import ResourceChange, present_resources
from .cfn_engine import launch_creation
from .cfn_references import dependency_order
from .cfn_update import start
from .cfn_update_request import check_updatable, load_template, prepare, resolve_parameters, template_of

NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFoundException"


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatusException"


@dataclass
class ChangeSet:
    """One change set; its status is read against the clock, as CloudFormation computes it meanwhile."""

    change_set_id: str
    name: str
    stack: Stack
    change_set_type: str
    template: str
    parameters: dict[str, Any]
    shown_parameters: list[dict[str, str]]
    attributes: dict[str, Any]
    changes: list[ResourceChange]
    ready_at: float = field(default_factory=lambda: time.monotonic() + config.change_set_seconds())
    created: datetime = field(default_factory=utcnow)
    execution: str | None = None

    @property
    def status(self) -> str:
        remaining = self.ready_at - time.monotonic()
        if remaining > 0:
            return "CREATE_PENDING" if remaining > config.change_set_seconds() / 2 else "CREATE_IN_PROGRESS"
        return "CREATE_COMPLETE" if self.changes or self.change_set_type == "CREATE" else "FAILED"

    @property
    def execution_status(self) -> str:
        if self.execution is not None:
            return self.execution
        return "AVAILABLE" if self.status == "CREATE_COMPLETE" else "UNAVAILABLE"

    def summary(self) -> dict[str, Any]:
        status = self.status
        return {
            "StackId": self.stack.stack_id,
            "StackName": self.stack.name,
            "ChangeSetId": self.change_set_id,
            "ChangeSetName": self.name,
            "ExecutionStatus": self.execution_status,
            "Status": status,
            "StatusReason": NO_CHANGES if status == "FAILED" else None,
            "CreationTime": self.created,
            "Description": self.attributes["Description"],
            "IncludeNestedStacks": False,
        }

    def describe(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "Parameters": self.shown_parameters,
            "NotificationARNs": self.attributes["NotificationARNs"],
            "Capabilities": self.attributes["Capabilities"],
            "Tags": self.attributes["Tags"],
            "Changes": [change.to_aws() for change in self.changes],
        }


def _shown(resource_map: Any) -> list[dict[str, str]]:
    """The template's parameters with their values, NoEcho ones as ****."""
    hidden = set(getattr(resource_map, "no_echo_parameter_keys", []))
    return [
        {"ParameterKey": key, "ParameterValue": "****" if key in hidden else (",".join(map(str, value)) if isinstance(value, list) else str(value))}
        for key, value in resource_map.resolved_parameters.items()
    ]


def _stack_tags(attributes: dict[str, Any]) -> dict[str, str] | None:
    """The change set's Tags as stack tags; None when it names none (the stack keeps its own)."""
    return {t["Key"]: t["Value"] for t in attributes["Tags"]} if attributes["Tags"] is not None else None


def _review_stack(backend: CloudFormationBackend, stack_name: str, change_set_name: str, attributes: dict[str, Any]) -> Stack:
    """The stack a CREATE change set describes: REVIEW_IN_PROGRESS until the change set is executed."""
    for existing in backend.stacks.values():
        if existing.name == stack_name:
            if existing.status == "REVIEW_IN_PROGRESS":
                return existing
            raise ValidationError(message=f"Stack [{stack_name}] already exists and cannot be created again with the changeSet [{change_set_name}].")
    stack = Stack(
        generate_stack_id(stack_name, backend.region_name, backend.account_id),
        stack_name,
        {},
        {},
        backend.account_id,
        backend.region_name,
        notification_arns=attributes["NotificationARNs"],
        tags=_stack_tags(attributes),
        role_arn=attributes["RoleARN"],
        cross_stack_resources=backend.exports,
    )
    backend.stacks[stack.stack_id] = stack
    stack.status = "REVIEW_IN_PROGRESS"
    stack._add_stack_event("REVIEW_IN_PROGRESS", "User Initiated")
    return stack


def create_change_set(backend: CloudFormationBackend, response: CloudFormationResponse) -> ChangeSet:
    """CreateChangeSet: a new change set, or the existing one a retry names."""
    name, stack_name = response._get_param("ChangeSetName"), response._get_param("StackName")
    validate_create_change_set(name)
    change_set_type = response._get_param("ChangeSetType") or "UPDATE"
    attributes = {
        "ClientToken": response._get_param("ClientToken"),
        "Parameters": response._get_param("Parameters", []),
        "Capabilities": response._get_param("Capabilities", []),
        "Tags": response._get_param("Tags") or None,
        "NotificationARNs": response._get_param("NotificationARNs", []),
        "Description": response._get_param("Description"),
        "ChangeSetType": change_set_type,
        "RoleARN": response._get_param("RoleARN"),
    }
    if change_set_type == "CREATE":
        stack = _review_stack(backend, stack_name, name, attributes)
    elif change_set_type == "UPDATE":
        stack = backend.get_stack(stack_name)
    else:
        raise ValidationError(message=f"ChangeSetType {change_set_type} is not supported by the emulator")
    template = template_of(response, stack)
    existing = next((cs for cs in backend.change_sets.values() if cs.name == name and cs.stack is stack), None)
    if existing is not None:
        current, asked = {"Template": existing.template, **existing.attributes}, {"Template": template, **attributes}
        mismatch = next((k for k in ("ClientToken", "Template", *attributes) if current[k] != asked[k]), None)
        if mismatch is not None:
            raise AlreadyExistsException(f"ChangeSet {name} cannot be created due to a mismatch with existing attribute {mismatch}")
        return existing
    if change_set_type == "UPDATE":
        check_updatable(stack)
        parameters = resolve_parameters(stack, attributes["Parameters"])
        request = prepare(stack, template, parameters, _stack_tags(attributes), attributes["NotificationARNs"] or None, attributes["RoleARN"])
        changes, resource_map = request.changes, request.resource_map
    else:
        parameters = resolve_parameters(stack, attributes["Parameters"])
        _, resource_map = load_template(stack, template, parameters)
        new = present_resources(resource_map)
        changes = [ResourceChange("Add", lid, new[lid]["Type"]) for lid in dependency_order(new)]
    change_set = ChangeSet(
        generate_changeset_id(name, backend.region_name, backend.account_id), name, stack, change_set_type, template, parameters, _shown(resource_map), attributes, changes
    )
    backend.change_sets[change_set.change_set_id] = change_set
    return change_set


def find_change_set(backend: CloudFormationBackend, name_or_id: str, stack_name: str | None) -> ChangeSet:
    """A change set by ARN, or by name within the named stack."""
    if name_or_id in backend.change_sets:
        return backend.change_sets[name_or_id]
    if not name_or_id.startswith("arn:"):
        if not stack_name:
            raise ValidationError(message="StackName must be specified if ChangeSetName is not specified as an ARN.")
        for change_set in backend.change_sets.values():
            if change_set.name == name_or_id and stack_name in (change_set.stack.name, change_set.stack.stack_id):
                return change_set
    raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")


def execute_change_set(backend: CloudFormationBackend, change_set: ChangeSet, token: str | None) -> None:
    """ExecuteChangeSet: the update (or creation) the change set describes."""
    if change_set.status != "CREATE_COMPLETE":
        raise InvalidChangeSetStatus(f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current status of [{change_set.status}]")
    if change_set.execution_status != "AVAILABLE":
        raise InvalidChangeSetStatus(f"ChangeSet [{change_set.change_set_id}] cannot be executed in its current execution status of [{change_set.execution_status}]")
    stack, attributes = change_set.stack, change_set.attributes

    def done() -> None:
        change_set.execution = "EXECUTE_COMPLETE" if stack.status in ("UPDATE_COMPLETE", "CREATE_COMPLETE") else "EXECUTE_FAILED"

    if change_set.change_set_type == "UPDATE":
        check_updatable(stack)
        request = prepare(stack, change_set.template, change_set.parameters, _stack_tags(attributes), attributes["NotificationARNs"] or None, attributes["RoleARN"], token)
        change_set.execution = "EXECUTE_IN_PROGRESS"
        _drop_others(backend, change_set)
        start(stack, request, on_done=done)
        return
    stack.template = change_set.template
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.parameters = change_set.parameters
    stack.resource_map = stack._create_resource_map()
    stack.output_map = stack._create_output_map()
    change_set.execution = "EXECUTE_IN_PROGRESS"
    _drop_others(backend, change_set)
    launch_creation(backend, stack, token, None, on_done=done)


def _drop_others(backend: CloudFormationBackend, executed: ChangeSet) -> None:
    """AWS deletes a stack's other change sets when one is executed: they no longer apply."""
    for change_set_id, change_set in list(backend.change_sets.items()):
        if change_set.stack is executed.stack and change_set is not executed:
            backend.change_sets.pop(change_set_id, None)


def _response_create_change_set(self: CloudFormationResponse) -> ActionResult:
    change_set = create_change_set(self.cloudformation_backend, self)
    return ActionResult({"Id": change_set.change_set_id, "StackId": change_set.stack.stack_id})


def _response_describe_change_set(self: CloudFormationResponse) -> ActionResult:
    change_set = find_change_set(self.cloudformation_backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    return ActionResult(change_set.describe())


def _response_list_change_sets(self: CloudFormationResponse) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    return ActionResult({"Summaries": [cs.summary() for cs in self.cloudformation_backend.change_sets.values() if cs.stack is stack]})


def _response_delete_change_set(self: CloudFormationResponse) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    if change_set.execution_status == "EXECUTE_IN_PROGRESS":
        raise InvalidChangeSetStatus(f"ChangeSet [{change_set.change_set_id}] cannot be deleted in its current execution status of [EXECUTE_IN_PROGRESS]")
    backend.change_sets.pop(change_set.change_set_id, None)
    return EmptyResult()


def _response_execute_change_set(self: CloudFormationResponse) -> EmptyResult:
    backend = self.cloudformation_backend
    change_set = find_change_set(backend, self._get_param("ChangeSetName"), self._get_param("StackName"))
    execute_change_set(backend, change_set, self._get_param("ClientRequestToken"))
    return EmptyResult()


def install() -> None:
    """Replaces moto's five change set handlers; DescribeChangeSet's output is built here whole."""
    CloudFormationResponse.create_change_set = _response_create_change_set  # type: ignore[method-assign]
    CloudFormationResponse.describe_change_set = _response_describe_change_set  # type: ignore[method-assign]
    CloudFormationResponse.list_change_sets = _response_list_change_sets  # type: ignore[method-assign]
    CloudFormationResponse.delete_change_set = _response_delete_change_set  # type: ignore[method-assign]
    CloudFormationResponse.execute_change_set = _response_execute_change_set  # type: ignore[method-assign]
    CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER = {
        path: transform for path, transform in CloudFormationResponse.RESPONSE_KEY_PATH_TO_TRANSFORMER.items() if not path.startswith("DescribeChangeSetOutput.")
    }
