"""In-place updates of AWS::S3::Bucket and AWS::S3::BucketPolicy, through the S3 API path.

moto 5.2.1 (moto/s3/models.py FakeBucket.update_from_cloudformation_json) applies only
BucketEncryption and Tags (without stack or aws:cloudformation:* tags) and replaces the bucket
when BucketName changes; versioning, CORS, public access block, ownership, lifecycle and logging
keep their values from creation, and a bucket policy is never updated. Here a changed property is applied exactly as at creation (s3_bucket.py: the
S3 operation's input, serialised and parsed as the API path does), a removed one is deleted with
the matching Delete* operation, and the tags (resource, stack and aws:cloudformation:*) are put
again. A removed VersioningConfiguration leaves versioning as it is (a bucket cannot go back to
unversioned). A changed PolicyDocument is PutBucketPolicy; a new Bucket is a replacement.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.models import Stack
from moto.s3.models import FakeBucket, S3Backend, s3_backends
from moto.utilities.utils import get_partition

from .s3_bucket import TRANSLATORS, BucketPolicy, apply_bucket_property, apply_tags, put_policy_document

_REMOVERS: dict[str, Callable[[S3Backend, str], None]] = {
    "BucketEncryption": lambda backend, bucket: backend.delete_bucket_encryption(bucket),
    "PublicAccessBlockConfiguration": lambda backend, bucket: backend.delete_public_access_block(bucket),
    "OwnershipControls": lambda backend, bucket: backend.delete_bucket_ownership_controls(bucket),
    "CorsConfiguration": lambda backend, bucket: backend.delete_bucket_cors(bucket),
    "LifecycleConfiguration": lambda backend, bucket: backend.delete_bucket_lifecycle(bucket),
    "LoggingConfiguration": lambda backend, bucket: backend.put_bucket_logging(bucket, {}),
}


def update_bucket(stack: Stack, logical_id: str, bucket: FakeBucket, old: dict[str, Any], new: dict[str, Any]) -> FakeBucket:
    """Applies what changed between old and new properties to the bucket, then puts its tags."""
    backend = s3_backends[stack.account_id][get_partition(stack.region_name)]
    for name, _ in TRANSLATORS:
        if old.get(name) == new.get(name):
            continue
        if new.get(name):
            apply_bucket_property(backend, bucket.name, name, new[name])
        elif name in _REMOVERS:
            _REMOVERS[name](backend, bucket.name)
    apply_tags(backend, bucket.name, new, {"StackId": stack.stack_id, "LogicalId": logical_id}, stack.account_id, stack.region_name)
    return bucket


def update_bucket_policy(stack: Stack, logical_id: str, policy: BucketPolicy, old: dict[str, Any], new: dict[str, Any]) -> BucketPolicy:
    """PutBucketPolicy with the new document."""
    put_policy_document(s3_backends[stack.account_id][get_partition(stack.region_name)], policy.bucket, new["PolicyDocument"])
    return policy
