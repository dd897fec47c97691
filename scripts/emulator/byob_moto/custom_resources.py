"""SNS-backed custom resources, with a ResponseURL that points back at this emulator.

moto 5.2.1 (moto/cloudformation/custom_model.py CustomModel.create_from_cloudformation_json)
treats every custom resource as Lambda-backed: an SNS topic ServiceToken answers "Function not
found" and the stack never leaves CREATE_IN_PROGRESS; it never sends Update or Delete requests.

Here, as CloudFormation does, the request (RequestType, ResponseURL, StackId, RequestId,
ResourceType, LogicalResourceId, ResourceProperties, PhysicalResourceId for Update and Delete,
OldResourceProperties for Update) is published to the topic with the subject "AWS CloudFormation
custom resource request", and the stack waits, bounded, for the answer PUT to ResponseURL
(<base>/_byob/cfn-response/<id>, served by http_routes on this same server). The wait holds no
lock: moto's server is threaded and the PUT is served by another thread.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.models import Stack
from moto.sns.models import sns_backends

from . import config
from .cfn_engine import ResourceError

RESPONSE_PATH = "/_byob/cfn-response/"
MAX_RESPONSE_BYTES = 4096
REQUEST_SUBJECT = "AWS CloudFormation custom resource request"


@dataclass
class _Exchange:
    """One request waiting for its answer."""

    expected: dict[str, str]
    arrived: threading.Event = field(default_factory=threading.Event)
    answer: dict[str, Any] | None = None


_lock = threading.Lock()
_open: dict[str, _Exchange] = {}
# Answers that come after the wait ended are accepted (as an S3 presigned PUT would be) and ignored.
_closed: OrderedDict[str, None] = OrderedDict()


def is_sns_token(service_token: Any) -> bool:
    """An SNS topic ARN, as opposed to a Lambda function ARN or name."""
    return isinstance(service_token, str) and service_token.startswith("arn:") and service_token.split(":")[2:3] == ["sns"]


def deliver(exchange_id: str, body: bytes) -> tuple[int, str]:
    """Takes the PUT body of an answer; returns the HTTP status and text for the responder."""
    with _lock:
        exchange = _open.get(exchange_id)
        known = exchange is not None or exchange_id in _closed
    if not known:
        return 404, "NoSuchKey: no custom resource request waits on this URL"
    if exchange is None or exchange.arrived.is_set():
        return 200, ""
    if len(body) > MAX_RESPONSE_BYTES:
        exchange.answer = {"Status": "FAILED", "Reason": "Response object is too long."}
    else:
        try:
            parsed = json.loads(body.decode("utf-8"))
            exchange.answer = parsed if isinstance(parsed, dict) else {"Status": "FAILED", "Reason": "Response is not a JSON object."}
        except (UnicodeDecodeError, json.JSONDecodeError):
            exchange.answer = {"Status": "FAILED", "Reason": "Response is not valid JSON."}
        mismatched = [k for k, v in exchange.expected.items() if exchange.answer.get(k, v) != v]
        if mismatched:
            exchange.answer = {"Status": "FAILED", "Reason": f"Response {', '.join(mismatched)} does not match the request."}
    exchange.arrived.set()
    return 200, ""


def _exchange(stack: Stack, service_token: str, request: dict[str, Any]) -> dict[str, Any] | None:
    """Publishes the request and waits for its answer; None when none came in time."""
    exchange_id = uuid.uuid4().hex
    request["ResponseURL"] = f"{config.base_url()}{RESPONSE_PATH}{exchange_id}"
    exchange = _Exchange(expected={k: request[k] for k in ("StackId", "RequestId", "LogicalResourceId")})
    with _lock:
        _open[exchange_id] = exchange
    try:
        _, _, _, region, account, _ = service_token.split(":", 5)
        try:
            sns_backends[account][region].publish(json.dumps(request), arn=service_token, subject=REQUEST_SUBJECT)
        except Exception as error:
            raise ResourceError(f"Invalid service token: could not publish to {service_token} ({getattr(error, 'message', error)})") from error
        exchange.arrived.wait(config.custom_resource_timeout(stack.tags))
        return exchange.answer
    finally:
        with _lock:
            _open.pop(exchange_id, None)
            _closed[exchange_id] = None
            while len(_closed) > 10_000:
                _closed.popitem(last=False)


def _as_strings(value: Any) -> Any:
    """CloudFormation hands custom resources every scalar property as a string ("true", "7")."""
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return value
    return str(value)


def _request(stack: Stack, request_type: str, service_token: str, logical_id: str, resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ServiceToken": service_token,
        "ResponseURL": "",
        "StackId": stack.stack_id,
        "RequestId": str(uuid.uuid4()),
        "ResourceType": resource_type,
        "LogicalResourceId": logical_id,
        "ResourceProperties": _as_strings(properties),
    }


def _outcome(answer: dict[str, Any] | None, request: dict[str, Any]) -> str | None:
    """None on SUCCESS, else the ResourceStatusReason AWS reports."""
    if answer is None:
        return (
            "CloudFormation did not receive a response from your Custom Resource. "
            f"Please check your logs for requestId [{request['RequestId']}]."
        )
    if answer.get("Status") != "SUCCESS":
        return f"Received response status [FAILED] from custom resource. Message returned: {answer.get('Reason', '')} (RequestId: {request['RequestId']})"
    if not answer.get("PhysicalResourceId"):
        return "Invalid PhysicalResourceId"
    return None


def _send_delete(stack: Stack, service_token: str, logical_id: str, resource_type: str, physical_id: str, properties: dict[str, Any]) -> None:
    request = _request(stack, "Delete", service_token, logical_id, resource_type, properties)
    request["PhysicalResourceId"] = physical_id
    answer = _exchange(stack, service_token, request)
    if answer is not None and answer.get("Status") == "SUCCESS":
        return
    raise ResourceError(_outcome(answer, request) or "Delete failed")


_original_create = CustomModel.create_from_cloudformation_json


def _create(cls: type[CustomModel], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> CustomModel:
    properties = cloudformation_json["Properties"]
    service_token = properties.get("ServiceToken")
    if not is_sns_token(service_token):
        return _original_create(resource_name, cloudformation_json, account_id, region_name, **kwargs)
    from moto.cloudformation.models import cloudformation_backends

    stack = cloudformation_backends[account_id][region_name].get_stack(kwargs["StackId"])
    logical_id, resource_type = kwargs["LogicalId"], kwargs["ResourceType"]
    request = _request(stack, "Create", service_token, logical_id, resource_type, properties)
    answer = _exchange(stack, service_token, request)
    reason = _outcome(answer, request)
    if reason is not None:
        # AWS sends Delete for a custom resource whose Create failed, during the rollback.
        physical_id = (answer or {}).get("PhysicalResourceId") or resource_name
        raise ResourceError(reason, cleanup=lambda: _send_delete(stack, service_token, logical_id, resource_type, physical_id, properties))
    assert answer is not None
    return _model(stack, request, answer, properties)


def _model(stack: Stack, request: dict[str, Any], answer: dict[str, Any], properties: dict[str, Any]) -> CustomModel:
    """The resource as a successful answer defines it: its PhysicalResourceId (Ref) and Data (GetAtt)."""
    resource = CustomModel(stack.region_name, request["RequestId"], request["LogicalResourceId"], answer["PhysicalResourceId"])
    resource.set_data(answer.get("Data") or {})
    resource.byob_sns = {"service_token": request["ServiceToken"], "resource_type": request["ResourceType"], "properties": properties}  # type: ignore[attr-defined]
    stack.add_custom_resource(resource)
    return resource


def update(stack: Stack, logical_id: str, resource: CustomModel, old: dict[str, Any], new: dict[str, Any]) -> CustomModel:
    """Sends Update (ResourceProperties new, OldResourceProperties old, the same PhysicalResourceId)
    and waits for the answer; the resource it describes is returned. An answer with another
    PhysicalResourceId is a replacement: the update engine then sends Delete to the old one.
    """
    sns = getattr(resource, "byob_sns", None)
    if sns is None:
        raise ResourceError("Updating a Lambda-backed custom resource is not supported by the emulator (moto has no Update for it).")
    request = _request(stack, "Update", sns["service_token"], logical_id, sns["resource_type"], new)
    request["PhysicalResourceId"] = resource.physical_resource_id
    request["OldResourceProperties"] = _as_strings(old)
    answer = _exchange(stack, sns["service_token"], request)
    reason = _outcome(answer, request)
    if reason is not None:
        raise ResourceError(reason)
    assert answer is not None
    return _model(stack, request, answer, new)


def delete(stack: Stack, resource: CustomModel) -> None:
    """Sends Delete to an SNS-backed custom resource and waits for its answer (Lambda-backed: no-op, as in moto)."""
    sns = getattr(resource, "byob_sns", None)
    if sns is None:
        return
    _send_delete(stack, sns["service_token"], resource.logical_id, sns["resource_type"], resource.physical_resource_id, sns["properties"])


def install() -> None:
    """Replaces CustomModel's CloudFormation create."""
    CustomModel.create_from_cloudformation_json = classmethod(_create)  # type: ignore[method-assign,assignment]
