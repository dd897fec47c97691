"""CreateStack TemplateURL read from moto's S3 for every URL form a caller uses.

moto 5.2.1 (moto/cloudformation/utils.py get_stack_from_s3_url) treats only hosts containing
"localhost" as path-style, so http://127.0.0.1:PORT/bucket/key answers NoSuchBucket, and dotted
bucket names in virtual-hosted URLs are cut at the first dot. The bucket is looked up through the
caller's S3 backend, which finds buckets of other accounts (S3 bucket names are global): a
customer account reads the vendor's template like on AWS (where the bucket policy must allow it;
policies are not evaluated here).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlparse

from moto.s3.models import s3_backends

_VIRTUAL_HOSTED = re.compile(r"^(?P<bucket>.+)\.s3([.-][a-z0-9-]+)?\.amazonaws\.com(\.cn)?$")


def bucket_and_key(template_url: str) -> tuple[str, str]:
    """(bucket, key) of an S3 URL: virtual-hosted, path-style on AWS, or path-style on this emulator."""
    parts = urlparse(template_url)
    host = parts.hostname or ""
    path = unquote(parts.path.lstrip("/"))
    match = _VIRTUAL_HOSTED.match(host)
    if match and not host.startswith("s3.") and not host.startswith("s3-"):
        return match.group("bucket"), path
    bucket, _, key = path.partition("/")
    return bucket, key


def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
    """The template text; raises moto's S3 errors (NoSuchBucket, NoSuchKey) like the original."""
    bucket, key = bucket_and_key(template_url)
    obj = s3_backends[account_id][partition].get_object(bucket, key)
    if obj is None:
        from moto.s3.exceptions import MissingKey

        raise MissingKey(key=key)
    return obj.value.decode("utf-8")


def install() -> None:
    """Replaces get_stack_from_s3_url where moto's CloudFormation imported it."""
    from moto.cloudformation import models, responses, utils

    utils.get_stack_from_s3_url = get_stack_from_s3_url
    responses.get_stack_from_s3_url = get_stack_from_s3_url  # type: ignore[attr-defined]
    models.get_stack_from_s3_url = get_stack_from_s3_url  # type: ignore[attr-defined]
