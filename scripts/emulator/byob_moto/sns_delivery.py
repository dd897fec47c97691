"""SNS HTTP delivery that never fails the publisher.

moto 5.2.1 (moto/sns/models.py Subscription.publish) POSTs to an http(s) subscriber inside
Publish and lets a connection error escape, so one dead subscriber fails the Publish call (and,
for CloudFormation notifications, the stack operation that published). On AWS, delivery is
asynchronous and retried; the publisher never sees a subscriber's failure.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from moto.sns.models import Subscription

logger = logging.getLogger("byob_moto")

_original_publish = Subscription.publish


def _publish(self: Subscription, *args: Any, **kwargs: Any) -> None:
    try:
        _original_publish(self, *args, **kwargs)
    except requests.RequestException as error:
        logger.warning("SNS delivery to %s failed: %s", self.endpoint, error)


def install() -> None:
    """Wraps Subscription.publish."""
    Subscription.publish = _publish  # type: ignore[method-assign]
