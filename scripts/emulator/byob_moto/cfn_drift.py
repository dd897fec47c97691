"""CloudFormation drift detection: DetectStackDrift, DescribeStackDriftDetectionStatus,
DescribeStackResourceDrifts and DetectStackResourceDrift.

moto 5.2.1 implements none of them (moto/cloudformation/responses.py has no handler, so the server
answers NotImplementedError). Here the template's desired state (its properties with intrinsics
resolved against the stack's resources, moto's parsing.clean_json) is compared with the live
resource read from moto's own backends, for the properties BYOB templates set:

- AWS::S3::Bucket: VersioningConfiguration, BucketEncryption, CorsConfiguration,
  PublicAccessBlockConfiguration, OwnershipControls;
- AWS::S3::BucketPolicy: PolicyDocument;
- AWS::KMS::Key: KeyPolicy, EnableKeyRotation, Enabled;
- AWS::IAM::Role: AssumeRolePolicyDocument, Policies.

As on AWS, only properties the template sets are compared; lists compare as multisets (an element
the template has and the resource lacks is REMOVE, an extra one ADD), policy documents compare by
meaning (a single value equals a one-element list, order does not matter), "true" equals true. A
resource that is gone (a bucket deleted, a key pending deletion, a role deleted, a bucket policy
removed) is DELETED. Other types (aliases, custom resources) are NOT_CHECKED, and so are Tags,
LifecycleConfiguration and the other properties of the four types above. Detection is synchronous:
DetectStackDrift returns after it is complete.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from moto.cloudformation import parsing
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Stack
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.iam.models import iam_backends
from moto.kms.models import kms_backends
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from .values import as_bool, drop_none

COMPARED: dict[str, tuple[str, ...]] = {
    "AWS::S3::Bucket": ("VersioningConfiguration", "BucketEncryption", "CorsConfiguration", "PublicAccessBlockConfiguration", "OwnershipControls"),
    "AWS::S3::BucketPolicy": ("PolicyDocument",),
    "AWS::KMS::Key": ("KeyPolicy", "EnableKeyRotation", "Enabled"),
    "AWS::IAM::Role": ("AssumeRolePolicyDocument", "Policies"),
}
POLICY_PROPERTIES = {"PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument"}
# Policy elements that take one value or a list of them.
POLICY_LISTS = {"Action", "NotAction", "Resource", "NotResource", "AWS", "Service", "Federated", "CanonicalUser"}
STABLE_STATUSES = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_FAILED", "IMPORT_COMPLETE"}


class Gone(Exception):
    """The live resource does not exist (any more)."""


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _policy(value: Any) -> Any:
    """A policy document in one canonical form: parsed, one-or-many elements as sorted lists."""
    if isinstance(value, str):
        value = json.loads(value)

    def walk(node: Any, key: str | None = None) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, k) for k, v in node.items()}
        if key in POLICY_LISTS or (isinstance(node, list) and key not in ("Statement",)):
            return sorted((walk(v) for v in _as_list(node)), key=lambda v: json.dumps(v, sort_keys=True))
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    document = walk(value)
    if isinstance(document, dict) and isinstance(document.get("Statement"), dict):
        document["Statement"] = [document["Statement"]]
    return document


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower()
    return str(value)


def _canon(value: Any) -> Any:
    """The form two values are compared in: scalars as strings, dicts and lists recursively."""
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return _scalar(value)


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def differences(expected: Any, actual: Any, path: str = "") -> list[dict[str, Any]]:
    """PropertyDifferences of actual against expected, in AWS's shape (JSON pointer paths)."""
    out: list[dict[str, Any]] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            if key not in actual or actual[key] is None:
                out.append({"PropertyPath": f"{path}/{key}", "ExpectedValue": _json(value), "ActualValue": "null", "DifferenceType": "REMOVE"})
            else:
                out.extend(differences(value, actual[key], f"{path}/{key}"))
        for key, value in actual.items():
            if key not in expected and value is not None:
                out.append({"PropertyPath": f"{path}/{key}", "ExpectedValue": "null", "ActualValue": _json(value), "DifferenceType": "ADD"})
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        unmatched = list(enumerate(actual))
        for index, item in enumerate(expected):
            match = next((pos for pos, (_, candidate) in enumerate(unmatched) if _canon(candidate) == _canon(item)), None)
            if match is None:
                out.append({"PropertyPath": f"{path}/{index}", "ExpectedValue": _json(item), "ActualValue": "null", "DifferenceType": "REMOVE"})
            else:
                unmatched.pop(match)
        for index, item in unmatched:
            out.append({"PropertyPath": f"{path}/{index}", "ExpectedValue": "null", "ActualValue": _json(item), "DifferenceType": "ADD"})
        return out
    if _canon(expected) != _canon(actual):
        out.append({"PropertyPath": path or "/", "ExpectedValue": _json(expected), "ActualValue": _json(actual), "DifferenceType": "NOT_EQUAL"})
    return out


def _bucket(account_id: str, region: str, name: str) -> Any:
    bucket = s3_backends[account_id][get_partition(region)].buckets.get(name)
    if bucket is None:
        raise Gone(name)
    return bucket


def _bucket_actual(account_id: str, region: str, name: str) -> dict[str, Any]:
    """The live bucket in CloudFormation's property shapes."""
    bucket = _bucket(account_id, region, name)
    actual: dict[str, Any] = {}
    if bucket.versioning_status:
        actual["VersioningConfiguration"] = {"Status": bucket.versioning_status}
    if bucket.encryption:
        rules = []
        for rule in _as_list(bucket.encryption.get("Rule", [])):
            default = rule.get("ApplyServerSideEncryptionByDefault") or {}
            rules.append(
                drop_none(
                    {
                        "ServerSideEncryptionByDefault": drop_none({"SSEAlgorithm": default.get("SSEAlgorithm"), "KMSMasterKeyID": default.get("KMSMasterKeyID")}),
                        "BucketKeyEnabled": as_bool(rule["BucketKeyEnabled"]) if "BucketKeyEnabled" in rule else None,
                    }
                )
            )
        actual["BucketEncryption"] = {"ServerSideEncryptionConfiguration": rules}
    if bucket.cors:
        actual["CorsConfiguration"] = {
            "CorsRules": [
                drop_none(
                    {
                        "Id": r.id_,
                        "AllowedHeaders": r.allowed_headers,
                        "AllowedMethods": r.allowed_methods,
                        "AllowedOrigins": r.allowed_origins,
                        "ExposedHeaders": r.exposed_headers,
                        "MaxAge": int(r.max_age_seconds) if r.max_age_seconds is not None else None,
                    }
                )
                for r in bucket.cors
            ]
        }
    block = bucket.public_access_block
    if block is not None:
        actual["PublicAccessBlockConfiguration"] = {
            "BlockPublicAcls": block.block_public_acls,
            "IgnorePublicAcls": block.ignore_public_acls,
            "BlockPublicPolicy": block.block_public_policy,
            "RestrictPublicBuckets": block.restrict_public_buckets,
        }
    if bucket.ownership_rule:
        actual["OwnershipControls"] = {"Rules": [{"ObjectOwnership": bucket.ownership_rule}]}
    return actual


def _bucket_policy_actual(account_id: str, region: str, name: str) -> dict[str, Any]:
    policy = _bucket(account_id, region, name).policy
    if not policy:
        raise Gone(name)
    return {"PolicyDocument": json.loads(policy.decode() if isinstance(policy, bytes) else policy)}


def _key_actual(account_id: str, region: str, key_id: str) -> dict[str, Any]:
    key = kms_backends[account_id][region].keys.get(key_id)
    if key is None or key.key_state in ("PendingDeletion", "PendingReplicaDeletion"):
        raise Gone(key_id)
    return {"KeyPolicy": key.policy, "EnableKeyRotation": bool(key.key_rotation_status), "Enabled": bool(key.enabled)}


def _role_actual(account_id: str, region: str, name: str) -> dict[str, Any]:
    backend = iam_backends[account_id][get_partition(region)]
    role = next((r for r in backend.get_roles() if r.name == name), None)
    if role is None:
        raise Gone(name)
    return {
        "AssumeRolePolicyDocument": role.assume_role_policy_document,
        "Policies": [{"PolicyName": n, "PolicyDocument": json.loads(d) if isinstance(d, str) else d} for n, d in role.policies.items()],
    }


def _normalise(resource_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name, value in properties.items():
        if name in POLICY_PROPERTIES:
            value = _policy(value)
        elif name == "Policies":
            value = [{**p, "PolicyDocument": _policy(p.get("PolicyDocument"))} for p in value]
        out[name] = value
    return out


READERS = {
    "AWS::S3::Bucket": _bucket_actual,
    "AWS::S3::BucketPolicy": _bucket_policy_actual,
    "AWS::KMS::Key": _key_actual,
    "AWS::IAM::Role": _role_actual,
}


def _physical_id(resource: Any, resource_type: str, expected: dict[str, Any]) -> str:
    if resource_type == "AWS::S3::BucketPolicy":
        return str(expected.get("Bucket", ""))
    if resource_type == "AWS::KMS::Key":
        return str(getattr(resource, "id", ""))
    return str(getattr(resource, "physical_resource_id", ""))


def resource_drift(stack: Stack, logical_id: str, now: Any) -> dict[str, Any]:
    """One StackResourceDrift of a created resource."""
    resource_map = stack.resource_map
    resource_json = resource_map._resource_json_map[logical_id]
    resource_type = resource_json["Type"]
    resource = resource_map._parsed_resources.get(logical_id)
    resolved = parsing.clean_json(resource_json.get("Properties", {}), resource_map)
    drift: dict[str, Any] = {
        "StackId": stack.stack_id,
        "LogicalResourceId": logical_id,
        "PhysicalResourceId": _physical_id(resource, resource_type, resolved),
        "ResourceType": resource_type,
        "Timestamp": now,
    }
    if resource_type not in READERS:
        return {**drift, "StackResourceDriftStatus": "NOT_CHECKED"}
    expected = _normalise(resource_type, {k: v for k, v in resolved.items() if k in COMPARED[resource_type]})
    try:
        actual_all = READERS[resource_type](stack.account_id, stack.region_name, drift["PhysicalResourceId"])
    except Gone:
        return {**drift, "ExpectedProperties": json.dumps(expected, sort_keys=True), "StackResourceDriftStatus": "DELETED"}
    actual = _normalise(resource_type, {k: v for k, v in actual_all.items() if k in expected})
    found = differences(expected, actual)
    return {
        **drift,
        "ExpectedProperties": json.dumps(expected, sort_keys=True),
        "ActualProperties": json.dumps(actual, sort_keys=True),
        "PropertyDifferences": found,
        "StackResourceDriftStatus": "MODIFIED" if found else "IN_SYNC",
    }


def _detections(backend: CloudFormationBackend) -> dict[str, dict[str, Any]]:
    if not hasattr(backend, "byob_drift_detections"):
        backend.byob_drift_detections = {}  # type: ignore[attr-defined]
    return backend.byob_drift_detections  # type: ignore[attr-defined, no-any-return]


def detect(backend: CloudFormationBackend, stack_name: str, logical_ids: list[str] | None = None) -> dict[str, Any]:
    """Runs a detection to completion and keeps its result (also as the stack's latest per resource)."""
    stack = backend.get_stack(stack_name)
    if stack.status not in STABLE_STATUSES:
        raise ValidationError(message=f"Stack [{stack.name}] is in {stack.status} state and can not be checked for drift.")
    now = utcnow()
    created = [lid for lid in stack.resource_map._resource_json_map if lid in stack.resource_map._parsed_resources]
    drifts = [resource_drift(stack, lid, now) for lid in created if not logical_ids or lid in logical_ids]
    latest: dict[str, dict[str, Any]] = getattr(stack, "byob_resource_drifts", {})
    latest.update({d["LogicalResourceId"]: d for d in drifts})
    stack.byob_resource_drifts = latest  # type: ignore[attr-defined]
    drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    detection = {
        "StackId": stack.stack_id,
        "StackDriftDetectionId": str(uuid.uuid4()),
        "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
        "DetectionStatus": "DETECTION_COMPLETE",
        "DriftedStackResourceCount": len(drifted),
        "Timestamp": now,
    }
    _detections(backend)[detection["StackDriftDetectionId"]] = detection
    return detection


def _response_detect_stack_drift(self: CloudFormationResponse) -> ActionResult:
    detection = detect(self.cloudformation_backend, self._get_param("StackName"), self._get_param("LogicalResourceIds"))
    return ActionResult({"StackDriftDetectionId": detection["StackDriftDetectionId"]})


def _response_describe_stack_drift_detection_status(self: CloudFormationResponse) -> ActionResult:
    detection_id = self._get_param("StackDriftDetectionId")
    detection = _detections(self.cloudformation_backend).get(detection_id)
    if detection is None:
        raise ValidationError(message=f"Drift detection [{detection_id}] does not exist.")
    return ActionResult(detection)


def _response_describe_stack_resource_drifts(self: CloudFormationResponse) -> ActionResult:
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    wanted = self._get_param("StackResourceDriftStatusFilters") or []
    drifts = [d for d in getattr(stack, "byob_resource_drifts", {}).values() if not wanted or d["StackResourceDriftStatus"] in wanted]
    return ActionResult({"StackResourceDrifts": drifts})


def _response_detect_stack_resource_drift(self: CloudFormationResponse) -> ActionResult:
    logical_id = self._get_param("LogicalResourceId")
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    if logical_id not in stack.resource_map._parsed_resources:
        raise ValidationError(message=f"Resource [{logical_id}] does not exist in stack [{stack.name}].")
    detect(self.cloudformation_backend, stack.stack_id, [logical_id])
    return ActionResult({"StackResourceDrift": stack.byob_resource_drifts[logical_id]})  # type: ignore[attr-defined]


def install() -> None:
    """Adds the four drift operations to moto's CloudFormation response handler."""
    CloudFormationResponse.detect_stack_drift = _response_detect_stack_drift  # type: ignore[attr-defined]
    CloudFormationResponse.describe_stack_drift_detection_status = _response_describe_stack_drift_detection_status  # type: ignore[attr-defined]
    CloudFormationResponse.describe_stack_resource_drifts = _response_describe_stack_resource_drifts  # type: ignore[attr-defined]
    CloudFormationResponse.detect_stack_resource_drift = _response_detect_stack_resource_drift  # type: ignore[attr-defined]
