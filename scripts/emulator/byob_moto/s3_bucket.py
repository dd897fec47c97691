"""AWS::S3::Bucket and AWS::S3::BucketPolicy, applied as the S3 API applies them.

moto 5.2.1 (moto/s3/models.py FakeBucket.create_from_cloudformation_json) applies only BucketName,
BucketEncryption (dropping BucketKeyEnabled) and Tags, and has no AWS::S3::BucketPolicy model.
Here each CloudFormation property is translated to the input of the matching S3 operation,
serialised by botocore exactly as an SDK sends it, parsed by moto's own S3Response helpers and
handed to the S3 backend method that the API path calls: a bucket made by a stack then answers
every Get* like a bucket configured through the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import xmltodict
from botocore import serialize
from botocore.model import ServiceModel
from botocore.session import get_session
from moto.core.common_models import CloudFormationModel
from moto.s3.models import FakeBucket, S3Backend, s3_backends
from moto.s3.responses import S3Response
from moto.utilities.utils import get_partition

from .values import as_bool, drop_none, json_text

Translator = Callable[[dict[str, Any], str], tuple[str, dict[str, Any]]]


@lru_cache(maxsize=1)
def _s3_model() -> ServiceModel:
    return get_session().get_service_model("s3")


def _api_body(operation: str, params: dict[str, Any]) -> bytes:
    """The XML body an SDK sends for this operation; botocore validates the shape first."""
    serializer = serialize.create_serializer("rest-xml", include_validation=True)
    request = serializer.serialize_to_request(params, _s3_model().operation_model(operation))
    body = request["body"]
    return body if isinstance(body, bytes) else body.encode("utf-8")


def _versioning(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    return "PutBucketVersioning", {"Bucket": bucket, "VersioningConfiguration": {"Status": p["Status"]}}


def _cors(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    rules = [
        drop_none(
            {
                "ID": r.get("Id"),
                "AllowedHeaders": r.get("AllowedHeaders"),
                "AllowedMethods": r["AllowedMethods"],
                "AllowedOrigins": r["AllowedOrigins"],
                "ExposeHeaders": r.get("ExposedHeaders"),
                "MaxAgeSeconds": int(r["MaxAge"]) if r.get("MaxAge") is not None else None,
            }
        )
        for r in p["CorsRules"]
    ]
    return "PutBucketCors", {"Bucket": bucket, "CORSConfiguration": {"CORSRules": rules}}


def _public_access_block(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    keys = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
    config = {k: as_bool(p[k]) for k in keys if k in p}
    return "PutPublicAccessBlock", {"Bucket": bucket, "PublicAccessBlockConfiguration": config}


def _ownership(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    rules = [{"ObjectOwnership": r["ObjectOwnership"]} for r in p["Rules"]]
    return "PutBucketOwnershipControls", {"Bucket": bucket, "OwnershipControls": {"Rules": rules}}


def _lifecycle_filter(r: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's flat Prefix/TagFilters/ObjectSize* become the API's Filter (And if several)."""
    parts: dict[str, Any] = drop_none(
        {
            "Prefix": r.get("Prefix"),
            "Tags": [{"Key": t["Key"], "Value": t["Value"]} for t in r.get("TagFilters", [])] or None,
            "ObjectSizeGreaterThan": int(r["ObjectSizeGreaterThan"]) if r.get("ObjectSizeGreaterThan") is not None else None,
            "ObjectSizeLessThan": int(r["ObjectSizeLessThan"]) if r.get("ObjectSizeLessThan") is not None else None,
        }
    )
    if not parts:
        return {"Prefix": ""}
    if len(parts) == 1 and "Tags" in parts and len(parts["Tags"]) == 1:
        return {"Tag": parts["Tags"][0]}
    if len(parts) == 1 and "Tags" not in parts:
        return parts
    return {"And": parts}


def _lifecycle_rule(r: dict[str, Any]) -> dict[str, Any]:
    expiration = drop_none(
        {
            "Days": int(r["ExpirationInDays"]) if r.get("ExpirationInDays") is not None else None,
            "Date": r.get("ExpirationDate"),
            "ExpiredObjectDeleteMarker": as_bool(r["ExpiredObjectDeleteMarker"]) if "ExpiredObjectDeleteMarker" in r else None,
        }
    )
    transitions = list(r.get("Transitions", [])) + ([r["Transition"]] if r.get("Transition") else [])
    nv_transitions = list(r.get("NoncurrentVersionTransitions", [])) + (
        [r["NoncurrentVersionTransition"]] if r.get("NoncurrentVersionTransition") else []
    )
    nv_expiration = dict(r.get("NoncurrentVersionExpiration") or {})
    if r.get("NoncurrentVersionExpirationInDays") is not None:
        nv_expiration.setdefault("NoncurrentDays", r["NoncurrentVersionExpirationInDays"])
    return drop_none(
        {
            "ID": r.get("Id"),
            "Status": r["Status"],
            "Filter": _lifecycle_filter(r),
            "Expiration": expiration or None,
            "Transitions": [
                drop_none(
                    {
                        "Days": int(t["TransitionInDays"]) if t.get("TransitionInDays") is not None else None,
                        "Date": t.get("TransitionDate"),
                        "StorageClass": t["StorageClass"],
                    }
                )
                for t in transitions
            ]
            or None,
            "NoncurrentVersionTransitions": [
                drop_none(
                    {
                        "NoncurrentDays": int(t["TransitionInDays"]),
                        "StorageClass": t["StorageClass"],
                        "NewerNoncurrentVersions": int(t["NewerNoncurrentVersions"]) if t.get("NewerNoncurrentVersions") is not None else None,
                    }
                )
                for t in nv_transitions
            ]
            or None,
            "NoncurrentVersionExpiration": drop_none(
                {
                    "NoncurrentDays": int(nv_expiration["NoncurrentDays"]) if nv_expiration.get("NoncurrentDays") is not None else None,
                    "NewerNoncurrentVersions": int(nv_expiration["NewerNoncurrentVersions"])
                    if nv_expiration.get("NewerNoncurrentVersions") is not None
                    else None,
                }
            )
            or None,
            "AbortIncompleteMultipartUpload": {
                "DaysAfterInitiation": int(r["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            }
            if r.get("AbortIncompleteMultipartUpload")
            else None,
        }
    )


def _lifecycle(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    rules = [_lifecycle_rule(r) for r in p["Rules"]]
    return "PutBucketLifecycleConfiguration", {"Bucket": bucket, "LifecycleConfiguration": {"Rules": rules}}


def _encryption(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    rules = [
        drop_none(
            {
                "ApplyServerSideEncryptionByDefault": drop_none(
                    {
                        "SSEAlgorithm": r["ServerSideEncryptionByDefault"]["SSEAlgorithm"],
                        "KMSMasterKeyID": r["ServerSideEncryptionByDefault"].get("KMSMasterKeyID"),
                    }
                )
                if r.get("ServerSideEncryptionByDefault")
                else None,
                "BucketKeyEnabled": as_bool(r["BucketKeyEnabled"]) if "BucketKeyEnabled" in r else None,
            }
        )
        for r in p["ServerSideEncryptionConfiguration"]
    ]
    return "PutBucketEncryption", {"Bucket": bucket, "ServerSideEncryptionConfiguration": {"Rules": rules}}


def _logging(p: dict[str, Any], bucket: str) -> tuple[str, dict[str, Any]]:
    # Without DestinationBucketName, CloudFormation delivers the logs to the bucket itself.
    enabled = drop_none(
        {
            "TargetBucket": p.get("DestinationBucketName") or bucket,
            "TargetPrefix": p.get("LogFilePrefix", ""),
            "TargetObjectKeyFormat": p.get("TargetObjectKeyFormat"),
        }
    )
    return "PutBucketLogging", {"Bucket": bucket, "BucketLoggingStatus": {"LoggingEnabled": enabled}}


# Order matters as on AWS: versioning before lifecycle rules on noncurrent versions, logging last.
TRANSLATORS: list[tuple[str, Translator]] = [
    ("VersioningConfiguration", _versioning),
    ("BucketEncryption", _encryption),
    ("PublicAccessBlockConfiguration", _public_access_block),
    ("OwnershipControls", _ownership),
    ("CorsConfiguration", _cors),
    ("LifecycleConfiguration", _lifecycle),
    ("LoggingConfiguration", _logging),
]


def _parser(body: bytes) -> S3Response:
    """moto's S3 request handler with only a body: its *_from_body helpers parse like the API path."""
    response = S3Response()
    response.body = body
    return response


def _apply(backend: S3Backend, bucket: str, operation: str, body: bytes) -> None:
    """Mirrors moto/s3/responses.py S3Response._bucket_response_put for one subresource."""
    parser = _parser(body)
    if operation == "PutBucketVersioning":
        status = re.search(r"<Status>([A-Za-z]+)</Status>", body.decode("utf-8"))
        if status:
            backend.put_bucket_versioning(bucket, status.group(1))
    elif operation == "PutBucketLifecycleConfiguration":
        config = xmltodict.parse(body)["LifecycleConfiguration"]
        rules = config.get("Rule", [])
        backend.put_bucket_lifecycle(bucket, rules if isinstance(rules, list) else [rules])
    elif operation == "PutBucketCors":
        backend.put_bucket_cors(bucket, parser._cors_from_body())
    elif operation == "PutPublicAccessBlock":
        backend.put_public_access_block(bucket, parser._parse_pab_config()["PublicAccessBlockConfiguration"])
    elif operation == "PutBucketEncryption":
        backend.put_bucket_encryption(bucket, parser._encryption_config_from_body())
    elif operation == "PutBucketOwnershipControls":
        backend.put_bucket_ownership_controls(bucket, ownership=parser._ownership_rule_from_body())
    elif operation == "PutBucketLogging":
        backend.put_bucket_logging(bucket, parser._logging_from_body())
    else:  # pragma: no cover - the translator table and this switch are kept in step
        raise NotImplementedError(operation)


def _stack_context(kwargs: dict[str, Any], account_id: str, region_name: str) -> tuple[str, str, dict[str, str]]:
    """Stack id, stack name and stack-level tags of the stack creating this resource."""
    stack_id = kwargs.get("StackId", "")
    stack_name = stack_id.split(":stack/")[-1].split("/")[0] if ":stack/" in stack_id else ""
    tags: dict[str, str] = {}
    try:
        from moto.cloudformation.models import cloudformation_backends

        tags = dict(cloudformation_backends[account_id][region_name].get_stack(stack_id).tags or {})
    except Exception:  # a stack created outside the backend (nested stacks): no stack tags
        tags = {}
    return stack_id, stack_name, tags


def apply_tags(backend: S3Backend, bucket: str, properties: dict[str, Any], kwargs: dict[str, Any], account_id: str, region_name: str) -> None:
    """Resource Tags (validated like PutBucketTagging), stack tags, and the aws:cloudformation:* tags AWS adds."""
    user_tags: dict[str, str] = {}
    if properties.get("Tags"):
        body = _api_body("PutBucketTagging", {"Bucket": bucket, "Tagging": {"TagSet": [{"Key": t["Key"], "Value": str(t["Value"])} for t in properties["Tags"]]}})
        user_tags = _parser(body)._bucket_tagging_from_body()
    stack_id, stack_name, stack_tags = _stack_context(kwargs, account_id, region_name)
    tags = {**stack_tags, **user_tags}
    if stack_id:
        tags.update(
            {
                "aws:cloudformation:stack-name": stack_name,
                "aws:cloudformation:stack-id": stack_id,
                "aws:cloudformation:logical-id": kwargs.get("LogicalId", ""),
            }
        )
    if tags:
        backend.put_bucket_tagging(bucket, tags)


def apply_bucket_property(backend: S3Backend, bucket: str, name: str, value: Any) -> None:
    """One property of TRANSLATORS, through the S3 API path."""
    operation, params = dict(TRANSLATORS)[name](value, bucket)
    _apply(backend, bucket, operation, _api_body(operation, params))


def apply_bucket_properties(backend: S3Backend, bucket: str, properties: dict[str, Any]) -> None:
    """Every supported property, through the S3 API path."""
    for name, _ in TRANSLATORS:
        if properties.get(name):
            apply_bucket_property(backend, bucket, name, properties[name])


def _create_bucket(cls: type[FakeBucket], resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any) -> FakeBucket:
    backend = s3_backends[account_id][get_partition(region_name)]
    bucket = backend.create_bucket(resource_name, region_name)
    properties = cloudformation_json.get("Properties", {})
    try:
        apply_bucket_properties(backend, resource_name, properties)
        apply_tags(backend, resource_name, properties, kwargs, account_id, region_name)
    except Exception:
        # A bucket whose configuration failed is not part of the stack: AWS removes it.
        backend.delete_bucket(resource_name)
        raise
    return bucket


def put_policy_document(backend: S3Backend, bucket: str, document: Any) -> None:
    """PutBucketPolicy with a PolicyDocument object (or text), as CloudFormation sends it."""
    backend.put_bucket_policy(bucket, json_text(document, compact=True).encode("utf-8"))


class BucketPolicy(CloudFormationModel):
    """AWS::S3::BucketPolicy: PutBucketPolicy on create, DeleteBucketPolicy on delete."""

    def __init__(self, name: str, bucket: str, account_id: str, region_name: str) -> None:
        self.name = name
        self.bucket = bucket
        self.account_id = account_id
        self.region_name = region_name

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::S3::BucketPolicy"

    @property
    def physical_resource_id(self) -> str:
        return self.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return False

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[override]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "BucketPolicy":
        properties = cloudformation_json["Properties"]
        put_policy_document(s3_backends[account_id][get_partition(region_name)], properties["Bucket"], properties["PolicyDocument"])
        return cls(resource_name, properties["Bucket"], account_id, region_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = s3_backends[account_id][get_partition(region_name)]
        if self.bucket in backend.buckets:
            backend.delete_bucket_policy(self.bucket)


def install() -> None:
    """Replaces FakeBucket's CloudFormation create; BucketPolicy registers itself by subclassing."""
    FakeBucket.create_from_cloudformation_json = classmethod(_create_bucket)  # type: ignore[method-assign,assignment]
    from moto.cloudformation import parsing

    parsing.get_model_list.cache_clear()
    parsing.get_model_map.cache_clear()
    parsing.get_name_type_map.cache_clear()
