"""CloudFormation stack operations with AWS's semantics on top of moto's resource models.

moto 5.2.1 (moto/cloudformation/models.py CloudFormationBackend.create_stack, Stack,
moto/cloudformation/parsing.py ResourceMap) creates every resource inside the CreateStack request;
a resource that raises answers CreateStack with 500 and leaves the stack CREATE_IN_PROGRESS, and
it records and publishes only stack-level events. ClientRequestToken and OnFailure are ignored.

Here:
- every resource gets CREATE_IN_PROGRESS / CREATE_COMPLETE | CREATE_FAILED events (in
  DescribeStackEvents and on the stack's NotificationARNs), carrying the operation's token;
- a failure rolls the stack back as OnFailure says (default ROLLBACK: delete what was created,
  honouring DeletionPolicy Retain / RetainExceptOnCreate, end in ROLLBACK_COMPLETE);
- a retried CreateStack with the same name and ClientRequestToken answers the same StackId;
- a stack with custom resources is created (and deleted) in a background thread, so CreateStack
  answers at once with CREATE_IN_PROGRESS while the custom resource waits for its answer;
- DeleteStack deletes in reverse creation order, schedules KMS key deletion, sends Delete to
  custom resources, and ends DELETE_FAILED (stack kept) when a resource cannot be deleted.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.exceptions import AlreadyExistsException
from moto.cloudformation.models import CloudFormationBackend, Event, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.cloudformation.utils import generate_stack_id
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import iso_8601_datetime_with_milliseconds
from moto.kms.models import Key
from moto.sns.models import sns_backends

from .cfn_references import depends_on

logger = logging.getLogger("byob_moto")

CUSTOM_RESOURCE_TYPE = "AWS::CloudFormation::CustomResource"
# Statuses in which DescribeStacks shows outputs (AWS shows none while creating or after rollback).
_OUTPUT_STATUSES = {
    "CREATE_COMPLETE",
    "UPDATE_COMPLETE",
    "UPDATE_IN_PROGRESS",
    "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
}


class ResourceError(Exception):
    """A resource handler's failure with the reason CloudFormation reports for it.

    cleanup runs during rollback (e.g. the Delete request AWS sends to a custom resource whose
    Create failed).
    """

    def __init__(self, reason: str, cleanup: Callable[[], None] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cleanup = cleanup


class ResourceFailed(Exception):
    """Stops the creation walk: logical_id failed (its CREATE_FAILED event is already recorded)."""

    def __init__(self, logical_id: str, reason: str, cleanup: Callable[[], None] | None) -> None:
        super().__init__(f"{logical_id}: {reason}")
        self.logical_id = logical_id
        self.reason = reason
        self.cleanup = cleanup


def is_custom_type(resource_type: str) -> bool:
    """Custom::Anything and AWS::CloudFormation::CustomResource."""
    return resource_type.startswith("Custom::") or resource_type == CUSTOM_RESOURCE_TYPE


def describe_error(error: Exception) -> str:
    """The ResourceStatusReason for a handler error, in the shape AWS's resource handlers use."""
    if isinstance(error, ResourceError):
        return error.reason
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    code = getattr(error, "error_type", None) or getattr(error, "code", None)
    code_text = code if isinstance(code, str) else type(error).__name__
    return f'Resource handler returned message: "{message}" (HandlerErrorCode: {code_text})'


def _fmt(value: Any, empty: str) -> str:
    return empty if value is None else str(value)


def _send_to_sns(self: Event, account_id: str, region: str, sns_topic_arns: list[str]) -> None:
    """moto's Key='value' message, plus PhysicalResourceId, with AWS's renderings of absent values."""
    message = "\n".join(
        [
            f"StackId='{self.stack_id}'",
            f"Timestamp='{iso_8601_datetime_with_milliseconds(self.timestamp)}'",
            f"EventId='{self.event_id}'",
            f"LogicalResourceId='{self.logical_resource_id}'",
            f"Namespace='{account_id}'",
            f"PhysicalResourceId='{_fmt(self.physical_resource_id, '')}'",
            f"ResourceProperties='{_fmt(self.resource_properties, 'null')}'",
            f"ResourceStatus='{self.resource_status}'",
            f"ResourceStatusReason='{_fmt(self.resource_status_reason, '')}'",
            f"ResourceType='{self.resource_type}'",
            f"StackName='{self.stack_name}'",
            f"ClientRequestToken='{_fmt(self.client_request_token, 'null')}'",
        ]
    )
    for arn in sns_topic_arns:
        parts = arn.split(":")
        topic_account, topic_region = (parts[4], parts[3]) if len(parts) > 5 else (account_id, region)
        try:
            sns_backends[topic_account][topic_region].publish(message, subject="AWS CloudFormation Notification", arn=arn)
        except Exception as error:  # AWS never fails a stack operation for a notification
            logger.warning("stack notification to %s failed: %s", arn, error)


def _record(stack: Stack, event: Event) -> None:
    event.client_request_token = getattr(stack, "byob_token", None)
    event.sendToSns(stack.account_id, stack.region_name, stack.notification_arns)
    stack.events.append(event)


def _add_stack_event(self: Stack, resource_status: str, resource_status_reason: str | None = None, resource_properties: str | None = None) -> None:
    """moto's stack event, carrying the current operation's ClientRequestToken."""
    _record(
        self,
        Event(
            stack_id=self.stack_id,
            stack_name=self.name,
            logical_resource_id=self.name,
            physical_resource_id=self.stack_id,
            resource_type="AWS::CloudFormation::Stack",
            resource_status=resource_status,
            resource_status_reason=resource_status_reason,
            resource_properties=resource_properties,
        ),
    )


def resource_event(stack: Stack, logical_id: str, resource_type: str, status: str, physical_id: str | None = "", reason: str | None = None, properties: Any = None) -> None:
    """One resource event, recorded and published like a stack event."""
    _record(
        stack,
        Event(
            stack_id=stack.stack_id,
            stack_name=stack.name,
            logical_resource_id=logical_id,
            physical_resource_id=physical_id or "",
            resource_type=resource_type,
            resource_status=status,
            resource_status_reason=reason,
            resource_properties=json.dumps(properties) if properties is not None else None,
        ),
    )


_original_parse_and_create_resource = parsing.parse_and_create_resource
_original_resource_class_from_type = parsing.resource_class_from_type


def _resource_class_from_type(resource_type: str) -> type[CloudFormationModel]:
    """moto maps only Custom::* to its custom resource model; AWS::CloudFormation::CustomResource too."""
    if resource_type == CUSTOM_RESOURCE_TYPE:
        return CustomModel
    return _original_resource_class_from_type(resource_type)


def _resolved_properties(resource_json: dict[str, Any], resources_map: parsing.ResourceMap) -> Any:
    """Properties with intrinsics resolved, as events show them; dependencies exist by now."""
    try:
        return parsing.clean_json(resource_json.get("Properties", {}), resources_map)
    except Exception:
        return resource_json.get("Properties")


def _parse_and_create_resource(logical_id: str, resource_json: dict[str, Any], resources_map: parsing.ResourceMap, account_id: str, region_name: str) -> Any:
    """moto's resource creation, with its dependencies first and its events around it."""
    stack: Stack | None = getattr(resources_map, "byob_stack", None)
    if stack is None or getattr(stack, "byob_phase", None) != "create":
        return _original_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
    condition = resource_json.get("Condition")
    if condition and not resources_map.lazy_condition_map[condition]:
        return None
    resource_type = resource_json["Type"]
    if _resource_class_from_type(resource_type) is None:
        return _original_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
    for dependency in depends_on(resource_json, set(resources_map.resources)):
        if dependency != logical_id:
            resources_map[dependency]
    if logical_id in resources_map._parsed_resources:
        return resources_map._parsed_resources[logical_id]
    properties = _resolved_properties(resource_json, resources_map)
    resource_event(stack, logical_id, resource_type, "CREATE_IN_PROGRESS", properties=properties)
    try:
        resource = _original_parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name)
    except ResourceFailed:
        raise
    except Exception as error:
        reason = describe_error(error)
        resource_event(stack, logical_id, resource_type, "CREATE_FAILED", reason=reason, properties=properties)
        raise ResourceFailed(logical_id, reason, getattr(error, "cleanup", None)) from error
    stack.byob_created.append(logical_id)  # type: ignore[attr-defined]
    if resource is not None and resource.is_created():
        resource_event(stack, logical_id, resource_type, "CREATE_COMPLETE", physical_id=getattr(resource, "physical_resource_id", ""), properties=properties)
    return resource


def deletion_policy(resource_json: dict[str, Any], rollback: bool) -> str:
    policy = resource_json.get("DeletionPolicy", "Delete")
    if policy == "RetainExceptOnCreate":
        return "Delete" if rollback else "Retain"
    return policy


def delete_one(stack: Stack, resource: Any, resource_json: dict[str, Any]) -> None:
    """Deletes one resource as CloudFormation does for its type."""
    from . import custom_resources

    if isinstance(resource, Key):
        from .kms_key import schedule_deletion

        schedule_deletion(resource, stack.account_id, stack.region_name)
    elif isinstance(resource, CustomModel):
        custom_resources.delete(stack, resource)
    else:
        stack.resource_map._delete_resource(resource, resource_json)


def delete_resources(stack: Stack, rollback: bool, failure: ResourceFailed | None = None) -> bool:
    """Deletes the stack's resources newest first; True when none failed to delete."""
    resource_map = stack.resource_map
    json_map = resource_map._resource_json_map
    created: list[str] = list(getattr(stack, "byob_created", []))
    known = [lid for lid in json_map if lid in resource_map._parsed_resources and lid not in created]
    order = list(reversed(created + known))
    ok = True
    if failure is not None:
        clean_up_failed(stack, failure.logical_id, json_map.get(failure.logical_id, {}).get("Type", ""), failure.cleanup)
    for logical_id in order:
        resource = resource_map._parsed_resources.get(logical_id)
        if resource is None or isinstance(resource, str):
            continue
        resource_json = json_map[logical_id]
        if delete_resource(stack, logical_id, resource, resource_json, retain=deletion_policy(resource_json, rollback) == "Retain"):
            resource_map._parsed_resources.pop(logical_id, None)
        else:
            ok = False
    return ok


def clean_up_failed(stack: Stack, logical_id: str, resource_type: str, cleanup: Callable[[], None] | None) -> None:
    """The DELETE of a resource whose creation failed (e.g. AWS's Delete to a failed custom resource)."""
    resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS")
    reason = None
    try:
        if cleanup is not None:
            cleanup()
    except Exception as error:
        # Best effort: the resource never existed for CloudFormation, so the rollback goes on.
        reason = describe_error(error)
    resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", reason=reason)


def delete_resource(stack: Stack, logical_id: str, resource: Any, resource_json: dict[str, Any], retain: bool) -> bool:
    """One resource deleted (or skipped when retained) with its events; False when the delete failed."""
    resource_type = resource_json["Type"]
    physical_id = getattr(resource, "physical_resource_id", "")
    if retain:
        resource_event(stack, logical_id, resource_type, "DELETE_SKIPPED", physical_id=physical_id)
        return True
    resource_event(stack, logical_id, resource_type, "DELETE_IN_PROGRESS", physical_id=physical_id)
    try:
        delete_one(stack, resource, resource_json)
    except Exception as error:
        resource_event(stack, logical_id, resource_type, "DELETE_FAILED", physical_id=physical_id, reason=describe_error(error))
        return False
    resource_event(stack, logical_id, resource_type, "DELETE_COMPLETE", physical_id=physical_id)
    return True


def _create_resources(self: Stack) -> None:
    """Creates the resources; on a failure, applies OnFailure like AWS."""
    self.status = "CREATE_IN_PROGRESS"
    self.byob_phase = "create"  # type: ignore[attr-defined]
    try:
        all_ready = self.resource_map.create(self.template_dict)
    except ResourceFailed as failure:
        self.byob_phase = None  # type: ignore[attr-defined]
        _on_failure(self, failure)
        return
    except Exception as error:  # an engine error outside any one resource (e.g. a bad intrinsic)
        self.byob_phase = None  # type: ignore[attr-defined]
        logger.exception("stack %s failed outside a resource", self.name)
        _on_failure(self, ResourceFailed(self.name, describe_error(error), None))
        return
    self.byob_phase = None  # type: ignore[attr-defined]
    self.description = self.template_dict.get("Description")
    if all_ready:
        self.mark_creation_complete()


def _on_failure(stack: Stack, failure: ResourceFailed) -> None:
    mode = getattr(stack, "byob_on_failure", "ROLLBACK")
    reason = f"The following resource(s) failed to create: [{failure.logical_id}]. "
    if mode == "DO_NOTHING":
        stack.status = "CREATE_FAILED"
        _add_stack_event(stack, "CREATE_FAILED", reason + "Rollback disabled.")
        return
    stack.status = "ROLLBACK_IN_PROGRESS"
    _add_stack_event(stack, "ROLLBACK_IN_PROGRESS", reason + "Rollback requested by user.")
    ok = delete_resources(stack, rollback=True, failure=failure)
    stack.status = "ROLLBACK_COMPLETE" if ok else "ROLLBACK_FAILED"
    _add_stack_event(stack, stack.status)
    if ok and mode == "DELETE":
        backend = backend_of(stack)
        stack.status = "DELETE_IN_PROGRESS"
        _add_stack_event(stack, "DELETE_IN_PROGRESS", "User Initiated")
        stack.status = "DELETE_COMPLETE"
        _add_stack_event(stack, "DELETE_COMPLETE")
        backend.stacks.pop(stack.stack_id, None)
        backend.deleted_stacks[stack.stack_id] = stack


def backend_of(stack: Stack) -> CloudFormationBackend:
    from moto.cloudformation.models import cloudformation_backends

    return cloudformation_backends[stack.account_id][stack.region_name]


def _delete(self: Stack) -> None:
    """DeleteStack's work: DELETE_COMPLETE, or DELETE_FAILED with the stack kept."""
    self.status = "DELETE_IN_PROGRESS"
    _add_stack_event(self, "DELETE_IN_PROGRESS", "User Initiated")
    if delete_resources(self, rollback=False):
        self.status = "DELETE_COMPLETE"
        _add_stack_event(self, "DELETE_COMPLETE")
    else:
        self.status = "DELETE_FAILED"
        _add_stack_event(self, "DELETE_FAILED", "The following resource(s) failed to delete. See the resource events.")


def has_custom_resources(template: dict[str, Any] | None) -> bool:
    """Whether an operation on this template may wait for a custom resource's answer."""
    resources = (template or {}).get("Resources") or {}
    return any(is_custom_type(str(r.get("Type", ""))) for r in resources.values() if isinstance(r, dict))


def run_operation(stack: Stack, work: Callable[[], None], background: bool | None = None) -> None:
    """Runs a stack operation in the background when it may wait for a custom resource answer
    (background None: when the stack's template has custom resources).

    The wait must not block this request's thread: the answer arrives as another request.
    """
    if not (has_custom_resources(stack.template_dict) if background is None else background):
        work()
        return

    def guarded() -> None:
        try:
            work()
        except Exception:
            logger.exception("background operation on stack %s failed", stack.name)

    thread = threading.Thread(target=guarded, name=f"cfn-{stack.name}", daemon=True)
    stack.byob_thread = thread  # type: ignore[attr-defined]
    thread.start()


def _create_stack(
    self: CloudFormationBackend,
    name: str,
    template: str,
    parameters: dict[str, Any],
    notification_arns: list[str] | None = None,
    tags: dict[str, str] | None = None,
    role_arn: str | None = None,
    enable_termination_protection: bool | None = False,
    timeout_in_mins: int | None = None,
    stack_policy_body: str | None = None,
    client_request_token: str | None = None,
    on_failure: str | None = None,
) -> Stack:
    for existing in self.stacks.values():
        if existing.name == name:
            if client_request_token and getattr(existing, "byob_create_token", None) == client_request_token:
                return existing
            raise AlreadyExistsException(f"Stack [{name}] already exists")
    stack = Stack(
        stack_id=generate_stack_id(name, self.region_name, self.account_id),
        name=name,
        template=template,
        parameters=parameters,
        account_id=self.account_id,
        region_name=self.region_name,
        notification_arns=notification_arns,
        tags=tags,
        role_arn=role_arn,
        cross_stack_resources=self.exports,
        enable_termination_protection=enable_termination_protection,
        timeout_in_mins=timeout_in_mins,
        stack_policy_body=stack_policy_body,
    )
    stack.byob_create_token = client_request_token  # type: ignore[attr-defined]
    launch_creation(self, stack, client_request_token, on_failure)
    return stack


def launch_creation(
    backend: CloudFormationBackend, stack: Stack, client_request_token: str | None, on_failure: str | None, on_done: Callable[[], None] | None = None
) -> None:
    """Creates the resources of a stack whose template is set: CreateStack, or a CREATE change set executed."""
    stack.byob_token = client_request_token  # type: ignore[attr-defined]
    stack.byob_on_failure = on_failure or "ROLLBACK"  # type: ignore[attr-defined]
    stack.disable_rollback = stack.byob_on_failure == "DO_NOTHING"  # type: ignore[attr-defined]
    stack.status = "CREATE_IN_PROGRESS"
    backend.stacks[stack.stack_id] = stack
    _add_stack_event(stack, "CREATE_IN_PROGRESS", "User Initiated")

    def work() -> None:
        stack.create_resources()
        if stack.status == "CREATE_COMPLETE":
            backend._validate_export_uniqueness(stack)
            for export in stack.exports:
                backend.exports[export.name] = export
        stack.byob_token = None  # later operations carry their own token
        if on_done is not None:
            on_done()

    run_operation(stack, work)


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str, client_request_token: str | None = None) -> None:
    stack = self.stacks.get(name_or_stack_id) or next((s for s in self.stacks.values() if s.name == name_or_stack_id), None)
    if stack is None or stack.status == "DELETE_IN_PROGRESS":
        return  # AWS: deleting a missing or deleting stack succeeds
    previous = getattr(stack, "byob_thread", None)
    stack.byob_token = client_request_token  # type: ignore[attr-defined]

    def work() -> None:
        if previous is not None and previous is not threading.current_thread():
            previous.join()
        export_names = [export.name for export in stack.exports]
        stack.delete()
        if stack.status == "DELETE_COMPLETE":
            self.stacks.pop(stack.stack_id, None)
            self.deleted_stacks[stack.stack_id] = stack
            for export_name in export_names:
                self.exports.pop(export_name, None)

    if previous is None or not previous.is_alive():
        # Shown at once, as on AWS; while a create is still running it keeps its status until done.
        stack.status = "DELETE_IN_PROGRESS"
    run_operation(stack, work)


def _stack_resources(self: Stack) -> list[Any]:
    """Only resources that exist: moto's lazy map would create the others on read."""
    parsed = self.resource_map._parsed_resources
    return [parsed[lid] for lid in self.resource_map._resource_json_map if isinstance(parsed.get(lid), CloudFormationModel)]


_original_outputs = Stack.outputs
_original_exports = Stack.exports


def _outputs(self: Stack) -> Any:
    if self.status not in _OUTPUT_STATUSES:
        return None
    return _original_outputs.fget(self)  # type: ignore[union-attr]


def _exports(self: Stack) -> Any:
    if self.status not in _OUTPUT_STATUSES:
        return []
    return _original_exports.fget(self)  # type: ignore[union-attr]


_original_create_resource_map = Stack._create_resource_map


def _create_resource_map(self: Stack) -> parsing.ResourceMap:
    resource_map = _original_create_resource_map(self)
    resource_map.byob_stack = self  # type: ignore[attr-defined]
    self.byob_created = []  # type: ignore[attr-defined]
    return resource_map


def _response_create_stack(self: CloudFormationResponse) -> ActionResult:
    """moto's CreateStack handler, also passing ClientRequestToken, OnFailure and DisableRollback."""
    template_url = self._get_param("TemplateURL")
    body = self._get_stack_from_s3_url(template_url) if template_url else self._get_param("TemplateBody")
    on_failure = self._get_param("OnFailure")
    if not on_failure and str(self._get_param("DisableRollback", "false")).lower() == "true":
        on_failure = "DO_NOTHING"
    stack = self.cloudformation_backend.create_stack(
        name=self._get_param("StackName"),
        template=body,
        parameters=self._get_params_from_list(self._get_param("Parameters", [])),
        notification_arns=self._get_param("NotificationARNs", []),
        tags={item["Key"]: item["Value"] for item in self._get_param("Tags", [])},
        role_arn=self._get_param("RoleARN"),
        enable_termination_protection=self._get_param("EnableTerminationProtection"),
        timeout_in_mins=self._get_param("TimeoutInMinutes"),
        stack_policy_body=self._get_param("StackPolicyBody"),
        client_request_token=self._get_param("ClientRequestToken"),
        on_failure=on_failure,
    )
    return ActionResult({"StackId": stack.stack_id})


def _response_delete_stack(self: CloudFormationResponse) -> ActionResult:
    self.cloudformation_backend.delete_stack(self._get_param("StackName"), client_request_token=self._get_param("ClientRequestToken"))
    return EmptyResult()


def install() -> None:
    """Patches moto's CloudFormation backend, Stack, Event, parsing and response handlers."""
    parsing.parse_and_create_resource = _parse_and_create_resource
    parsing.resource_class_from_type = _resource_class_from_type
    Event.sendToSns = _send_to_sns  # type: ignore[method-assign]
    Stack._add_stack_event = _add_stack_event  # type: ignore[method-assign]
    Stack._create_resource_map = _create_resource_map  # type: ignore[method-assign]
    Stack.create_resources = _create_resources  # type: ignore[method-assign]
    Stack.delete = _delete  # type: ignore[method-assign]
    Stack.stack_resources = property(_stack_resources)  # type: ignore[method-assign,assignment]
    Stack.outputs = property(_outputs)  # type: ignore[method-assign,assignment]
    Stack.exports = property(_exports)  # type: ignore[method-assign,assignment]
    CloudFormationBackend.create_stack = _create_stack  # type: ignore[method-assign,assignment]
    CloudFormationBackend.delete_stack = _delete_stack  # type: ignore[method-assign,assignment]
    CloudFormationResponse.create_stack = _response_create_stack  # type: ignore[method-assign]
    CloudFormationResponse.delete_stack = _response_delete_stack  # type: ignore[method-assign]
