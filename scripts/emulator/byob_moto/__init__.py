"""The project's moto extension: closes the gaps between moto and AWS that the product depends on.

Every patch applies a CloudFormation property through moto's own backends, the way the matching
API call does, so a resource made by a stack is indistinguishable from one made by API calls.
See scripts/emulator/README.md for the list of gaps and their moto source references.
"""

from __future__ import annotations

_installed = False


def install(base_url: str | None = None) -> None:
    """Applies every patch; idempotent.

    base_url is where this server answers (http://127.0.0.1:PORT): custom resource requests carry
    a ResponseURL under it, so the answer comes back to this same process.
    """
    global _installed
    if _installed:
        return
    from . import (
        cfn_change_sets,
        cfn_drift,
        cfn_engine,
        cfn_update,
        config,
        custom_resources,
        dynamodb_atomic,
        dynamodb_query,
        dynamodb_transactions,
        http_routes,
        iam_role,
        kms_cross_account,
        kms_key,
        kms_key_state,
        s3_bucket,
        s3_policy,
        sns_delivery,
        template_url,
    )

    config.configure(base_url)
    s3_bucket.install()
    s3_policy.install()
    kms_key.install()
    kms_cross_account.install()
    kms_key_state.install()
    iam_role.install()
    # Inside the write lock: a transaction saves what it touches under the lock that applies it.
    dynamodb_transactions.install()
    dynamodb_query.install()
    dynamodb_atomic.install()
    sns_delivery.install()
    template_url.install()
    custom_resources.install()
    cfn_engine.install()
    cfn_update.install()
    cfn_change_sets.install()
    cfn_drift.install()
    http_routes.install()
    _installed = True
