"""Event provenance: a consumer accepts an event only from the service that owns its type.

Every relay stamps the AMQP ``user_id`` property with the user name of its broker connection
(:mod:`crm_chassis.outbox.publisher`); RabbitMQ refuses a publish whose ``user_id`` is not the
authenticated user, so the property names the producer's broker user and cannot be forged. The
owner of an event type is the ``source`` of the subscription (the service whose exchange it is
published on), and its broker user is :func:`~crm_chassis.messaging.broker_users.broker_user`
(setting ``broker_user_format``, ``crm-{service}`` by default).

A delivery without ``user_id``, or from another user, is refused before it is decoded: it is
dead-lettered at once (never retried: a retry cannot change its producer), counted in
``events_refused_total{reason}`` and logged. Without this check anyone holding any service's
broker credentials could, e.g., publish a ``user_access_changed`` with a huge access version
that pins a user's access replica so later revocations are ignored.
"""

from __future__ import annotations

import logging
from typing import Any

from crm_chassis.messaging import metrics
from crm_chassis.messaging.broker_users import broker_user
from crm_chassis.settings import ServiceSettings

log = logging.getLogger(__name__)

USER_FORMAT_CONFIG_KEY = "CRM_BROKER_USER_FORMAT"
MISSING = "missing_user_id"
WRONG_PRODUCER = "wrong_producer"


def refusal(user_id: str | None, expected: str) -> str | None:
    """Why a delivery stamped ``user_id`` is refused when ``expected`` owns its type; None: ok."""
    if not user_id:
        return MISSING
    return None if user_id == expected else WRONG_PRODUCER


def expected_producer(handler: Any) -> str:
    """The broker user of the service that owns the handler's event type (cached per handler)."""
    expected = getattr(handler, "_expected_producer", None)
    if expected is None:
        container = handler.container
        user_format = (
            container.config.get(USER_FORMAT_CONFIG_KEY)
            or ServiceSettings.load(container.service_name).broker_user_format
        )
        expected = handler._expected_producer = broker_user(handler.source_service, user_format)
    return str(expected)


def admit(handler: Any, message: Any) -> bool:
    """True when ``message`` comes from the owner of its type; otherwise dead-letter it at once
    (``handler.reject_to_dead_letters``), count and log it, and return False."""
    user_id = (message.properties or {}).get("user_id")
    expected = expected_producer(handler)
    reason = refusal(user_id, expected)
    if reason is None:
        return True
    metrics.REFUSED.labels(handler.consumer, handler.event_type, reason).inc()
    metrics.DEAD_LETTERED.labels(handler.consumer, handler.event_type).inc()
    log.error(
        "%s refused a %s event published by %r (only %r publishes it): dead-lettered "
        "unhandled (%s); message id %s",
        handler.consumer,
        handler.event_type,
        user_id,
        expected,
        reason,
        (message.properties or {}).get("message_id"),
    )
    handler.reject_to_dead_letters(message)
    return False
