"""UpdateStack, and the work of ExecuteChangeSet, with CloudFormation's semantics.

moto 5.2.1 (moto/cloudformation/models.py Stack.update, parsing.py ResourceMap.update) records
UPDATE_IN_PROGRESS and UPDATE_COMPLETE for the stack only, deletes removed resources first, calls
each model's update_from_cloudformation_json (most apply a few properties or none; custom resources
get no Update request), has no rollback, and a failure answers 500. Here:

- the stack goes UPDATE_IN_PROGRESS -> UPDATE_COMPLETE_CLEANUP_IN_PROGRESS -> UPDATE_COMPLETE, its
  resources in dependency order: added ones CREATE_*, changed ones UPDATE_IN_PROGRESS /
  UPDATE_COMPLETE, in place (resource_updates.py) or replaced (a new physical resource first;
  "Requested update requires the creation of a new physical resource; hence creating one."), a
  custom-named resource that needs replacing refused as AWS does; in the cleanup phase, removed
  resources are deleted newest first (DeletionPolicy Retain: DELETE_SKIPPED) and replaced ones too
  (UpdateReplacePolicy Retain: DELETE_SKIPPED); events go to DescribeStackEvents and to the
  stack's NotificationARNs in the create path's shape, with the operation's ClientRequestToken;
- a resource that fails gets UPDATE_FAILED (CREATE_FAILED when added) with the handler's reason;
  the stack goes UPDATE_ROLLBACK_IN_PROGRESS ("The following resource(s) failed to update: [X]. "),
  every resource changed in place, the failed one included, gets its previous properties back
  (custom resources an Update with the old properties), then
  UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS deletes what the update created, and the stack ends
  UPDATE_ROLLBACK_COMPLETE (UPDATE_ROLLBACK_FAILED if a property could not be put back) with its
  previous template, parameters, tags and outputs;
- parameters omitted take their default, UsePreviousValue keeps the previous value; outputs and
  exports are evaluated again; "No updates are to be performed." when nothing changes; a retried
  UpdateStack with the same ClientRequestToken is not a second update;
- a stack whose old or new template has custom resources is updated in a background thread, so
  UpdateStack answers at once with UPDATE_IN_PROGRESS (as CreateStack does).
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.core.utils import utcnow

from .cfn_changes import RESOURCE_ATTRIBUTES, STACK_TAGGED_TYPES, existing_resources, most_intrusive, name_property, present_resources, requires_recreation
from .cfn_engine import (
    ResourceError,
    ResourceFailed,
    backend_of,
    clean_up_failed,
    delete_resource,
    deletion_policy,
    describe_error,
    has_custom_resources,
    resource_event,
    run_operation,
)
from .cfn_references import dependency_order
from .cfn_update_request import UpdateRequest, check_updatable, prepare, resolve_parameters, template_of
from .resource_updates import update_in_place
from .values import changed_names

REPLACING = "Requested update requires the creation of a new physical resource; hence creating one."
_status_lock = threading.Lock()


@dataclass
class _Step:
    """One resource the update touched, with what rollback and cleanup need."""

    logical_id: str
    resource_type: str
    kind: str  # add | update | replace
    new: Any
    resource_json: dict[str, Any]
    old: Any = None
    old_properties: dict[str, Any] = field(default_factory=dict)
    new_properties: dict[str, Any] = field(default_factory=dict)
    # Stack tags count: a bucket whose properties are equal may still carry changed stack tags.
    changed: bool = False


class _UpdateFailed(Exception):
    """Stops the update: logical_id failed (its *_FAILED event is recorded); cleanup runs in the rollback's cleanup."""

    def __init__(self, logical_id: str, resource_type: str, verb: str, step: _Step | None = None, cleanup: Any = None) -> None:
        super().__init__(logical_id)
        self.logical_id, self.resource_type, self.verb, self.step, self.cleanup = logical_id, resource_type, verb, step, cleanup


@dataclass
class _Previous:
    """Stack settings an update changes before its resources, restored by a rollback."""

    tags: dict[str, str]
    notification_arns: list[str]
    created: list[str]


def start(stack: Stack, request: UpdateRequest, on_done: Any = None) -> None:
    """Marks the stack UPDATE_IN_PROGRESS (refusing a busy one) and runs the update."""
    with _status_lock:
        check_updatable(stack)
        stack.status = "UPDATE_IN_PROGRESS"
    previous = _Previous(dict(stack.tags), list(stack.notification_arns), list(getattr(stack, "byob_created", [])))
    stack.byob_token = request.token  # type: ignore[attr-defined]
    if request.tags is not None:
        stack.tags = dict(request.tags)
    if request.notification_arns:
        stack.notification_arns = list(request.notification_arns)
    stack.last_updated_time = utcnow()  # type: ignore[attr-defined]
    stack._add_stack_event("UPDATE_IN_PROGRESS", "User Initiated")

    def work() -> None:
        try:
            _execute(stack, request, previous)
        finally:
            stack.byob_token = None  # type: ignore[attr-defined]
            if on_done is not None:
                on_done()

    run_operation(stack, work, background=has_custom_resources(stack.template_dict) or has_custom_resources(request.template_dict))


def _resolved(resource_json: dict[str, Any], resource_map: parsing.ResourceMap) -> dict[str, Any]:
    return parsing.clean_json(copy.deepcopy(resource_json.get("Properties") or {}), resource_map)


def _execute(stack: Stack, request: UpdateRequest, previous: _Previous) -> None:
    old_map, new_map = stack.resource_map, request.resource_map
    old, new = existing_resources(old_map), present_resources(new_map)
    steps: list[_Step] = []
    try:
        for lid in dependency_order(new):
            try:
                step = _apply(stack, request, lid, old.get(lid), old_map, new_map)
            except _UpdateFailed:
                raise
            except Exception as error:  # outside any handler, e.g. an intrinsic that does not resolve
                resource_event(stack, lid, new[lid]["Type"], "UPDATE_FAILED", reason=describe_error(error))
                raise _UpdateFailed(lid, new[lid]["Type"], "update") from error
            if step is not None:
                steps.append(step)
    except _UpdateFailed as failure:
        _roll_back(stack, steps, failure, previous)
        return
    _commit(stack, request, new)
    stack.status = "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS"
    stack._add_stack_event(stack.status)
    replaced = {s.logical_id: s for s in steps if s.kind == "replace"}
    old_json = old_map._resource_json_map
    for lid in reversed(dependency_order({lid: old_json[lid] for lid in old})):
        if lid in replaced:
            step = replaced[lid]
            delete_resource(stack, lid, step.old, old_json[lid], retain=new[lid].get("UpdateReplacePolicy") == "Retain")
        elif lid not in new:
            delete_resource(stack, lid, old[lid], old_json[lid], retain=deletion_policy(old_json[lid], rollback=False) == "Retain")
    stack.status = "UPDATE_COMPLETE"
    stack._add_stack_event(stack.status)


def _add(stack: Stack, lid: str, new_map: parsing.ResourceMap) -> _Step | None:
    stack.byob_phase = "create"  # type: ignore[attr-defined]
    try:
        model = new_map[lid]
    except ResourceFailed as failure:
        raise _UpdateFailed(lid, new_map._resource_json_map[lid]["Type"], "create", cleanup=failure.cleanup) from failure
    finally:
        stack.byob_phase = None  # type: ignore[attr-defined]
    resource_json = new_map._resource_json_map[lid]
    return _Step(lid, resource_json["Type"], "add", new=model, resource_json=resource_json) if model is not None else None


def _apply(stack: Stack, request: UpdateRequest, lid: str, old_model: Any, old_map: parsing.ResourceMap, new_map: parsing.ResourceMap) -> _Step | None:
    """Brings one resource to the new template: added, unchanged, updated in place or replaced."""
    if old_model is None:
        return _add(stack, lid, new_map)
    old_json, new_json = old_map._resource_json_map[lid], new_map._resource_json_map[lid]
    resource_type = new_json["Type"]
    old_props, new_props = _resolved(old_json, old_map), _resolved(new_json, new_map)
    changed = changed_names(old_props, new_props)
    if resource_type in STACK_TAGGED_TYPES and request.stack_tags_changed:
        changed.add("Tags")
    if not changed and all(old_json.get(a) == new_json.get(a) for a in RESOURCE_ATTRIBUTES):
        new_map._parsed_resources[lid] = old_model
        return None
    replacing = most_intrusive(requires_recreation(resource_type, p) for p in changed) == "Always"
    physical_id = old_model.physical_resource_id
    resource_event(stack, lid, resource_type, "UPDATE_IN_PROGRESS", physical_id, reason=REPLACING if replacing else None, properties=new_props)
    step = _Step(lid, resource_type, "replace" if replacing else "update", old_model, new_json, old_model, old_props, new_props, bool(changed))
    try:
        if replacing:
            model = _replacement(stack, lid, resource_type, new_json, new_map, old_props, new_props)
        else:
            model = update_in_place(stack, lid, resource_type, old_model, old_props, new_props) if changed else old_model
    except Exception as error:
        resource_event(stack, lid, resource_type, "UPDATE_FAILED", physical_id, reason=describe_error(error), properties=new_props)
        raise _UpdateFailed(lid, resource_type, "update", None if replacing else step, getattr(error, "cleanup", None)) from error
    model.cf_resource_type, model.logical_resource_id = resource_type, lid
    step.new = model
    if model.physical_resource_id != physical_id:
        step.kind = "replace"
    new_map._parsed_resources[lid] = model
    resource_event(stack, lid, resource_type, "UPDATE_COMPLETE", model.physical_resource_id, properties=new_props)
    return step


def _replacement(stack: Stack, lid: str, resource_type: str, new_json: dict[str, Any], new_map: parsing.ResourceMap, old: dict[str, Any], new: dict[str, Any]) -> Any:
    name = name_property(resource_type)
    if name and new.get(name) is not None and new.get(name) == old.get(name):
        raise ResourceError(f"CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename {new[name]} and update the stack again.")
    model = parsing.parse_and_create_resource(lid, copy.deepcopy(new_json), new_map, stack.account_id, stack.region_name)
    if not isinstance(model, CloudFormationModel):
        raise ResourceError(f'Resource handler returned message: "{resource_type} cannot be created by the emulator" (HandlerErrorCode: InvalidRequest)')
    return model


def _commit(stack: Stack, request: UpdateRequest, new: dict[str, dict[str, Any]]) -> None:
    """The stack now runs the new template: parameters, resources, outputs and exports."""
    backend = backend_of(stack)
    old_exports = [export.name for export in stack.exports]
    stack.template, stack.template_dict = request.template, request.template_dict
    stack.description = request.template_dict.get("Description")
    stack.parameters = request.parameters
    stack.resource_map = request.resource_map
    stack.output_map = stack._create_output_map()
    if request.role_arn:
        stack.role_arn = request.role_arn
    parsed = request.resource_map._parsed_resources
    stack.byob_created = [lid for lid in dependency_order(new) if isinstance(parsed.get(lid), CloudFormationModel)]  # type: ignore[attr-defined]
    for name in old_exports:
        backend.exports.pop(name, None)
    for export in stack.exports:
        backend.exports[export.name] = export


def _roll_back(stack: Stack, steps: list[_Step], failure: _UpdateFailed, previous: _Previous) -> None:
    stack.status = "UPDATE_ROLLBACK_IN_PROGRESS"
    stack._add_stack_event(stack.status, f"The following resource(s) failed to {failure.verb}: [{failure.logical_id}]. ")
    stack.tags, stack.notification_arns, stack.byob_created = previous.tags, previous.notification_arns, previous.created  # type: ignore[attr-defined]
    ok = True
    for step in reversed(steps + ([failure.step] if failure.step is not None else [])):
        if step.kind == "add":
            continue
        physical_id = step.old.physical_resource_id
        resource_event(stack, step.logical_id, step.resource_type, "UPDATE_IN_PROGRESS", physical_id, properties=step.old_properties)
        if step.kind == "update" and step.changed:
            try:
                update_in_place(stack, step.logical_id, step.resource_type, step.new, step.new_properties, step.old_properties)
            except Exception as error:
                ok = False
                resource_event(stack, step.logical_id, step.resource_type, "UPDATE_FAILED", physical_id, reason=describe_error(error), properties=step.old_properties)
                continue
        resource_event(stack, step.logical_id, step.resource_type, "UPDATE_COMPLETE", physical_id, properties=step.old_properties)
    stack.status = "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
    stack._add_stack_event(stack.status)
    if failure.verb == "create" or failure.cleanup is not None:
        clean_up_failed(stack, failure.logical_id, failure.resource_type, failure.cleanup)
    for step in reversed(steps):
        if step.kind in ("add", "replace"):
            retain = step.kind == "add" and deletion_policy(step.resource_json, rollback=True) == "Retain"
            delete_resource(stack, step.logical_id, step.new, step.resource_json, retain=retain)
    stack.status = "UPDATE_ROLLBACK_COMPLETE" if ok else "UPDATE_ROLLBACK_FAILED"
    stack._add_stack_event(stack.status)


def _update_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    role_arn: str | None,
    parameters: dict[str, Any],
    tags: dict[str, str] | None,
    notification_arns: list[str] | None = None,
    client_request_token: str | None = None,
) -> Stack:
    stack = self.get_stack(name)
    if client_request_token and client_request_token == getattr(stack, "byob_update_token", None):
        return stack  # a retry of the UpdateStack already accepted: not a second update
    check_updatable(stack)
    request = prepare(stack, template, parameters, tags, notification_arns, role_arn, client_request_token)
    if not request.changes:
        raise ValidationError(message="No updates are to be performed.")
    start(stack, request)
    stack.byob_update_token = client_request_token  # type: ignore[attr-defined]
    return stack


def _response_update_stack(self: CloudFormationResponse) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack = self.cloudformation_backend.update_stack(
        name=stack.stack_id,
        template=template_of(self, stack),
        role_arn=self._get_param("RoleARN"),
        parameters=resolve_parameters(stack, self._get_param("Parameters", [])),
        tags={t["Key"]: t["Value"] for t in self._get_param("Tags", [])} or None,
        notification_arns=self._get_param("NotificationARNs") or None,
        client_request_token=self._get_param("ClientRequestToken"),
    )
    return ActionResult({"StackId": stack.stack_id})


def install() -> None:
    """Replaces moto's UpdateStack (backend and response handler)."""
    CloudFormationBackend.update_stack = _update_stack  # type: ignore[method-assign,assignment]
    CloudFormationResponse.update_stack = _response_update_stack  # type: ignore[method-assign]
