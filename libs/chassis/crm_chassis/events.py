"""Event messages on the wire: protobuf event messages carried as JSON in nameko's format.

Every event message type has ``crm.common.v1.EventMeta meta = 1``. The body published is the
message's canonical proto3 JSON (field names as in the .proto), so a nameko ``@event_handler``
receives it as a dict and :func:`decode` turns it back into the typed message.
"""

from __future__ import annotations

import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

import orjson
from google.protobuf import json_format
from google.protobuf.message import Message

from crm.common.v1 import actor_pb2, events_pb2
from crm_chassis import context, proto_json, tracing
from crm_chassis.context import Actor

M = TypeVar("M", bound=Message)

CONTENT_TYPE = "application/json"
CALL_ID_STACK_HEADER = "nameko.call_id_stack"

_ACTOR_KINDS = {
    "user": actor_pb2.Actor.KIND_USER,
    "service": actor_pb2.Actor.KIND_SERVICE,
    "system": actor_pb2.Actor.KIND_SYSTEM,
}
_ACTOR_KIND_NAMES = {v: k for k, v in _ACTOR_KINDS.items()}


class EventDecodeError(ValueError):
    """The body is not a valid event of the expected type (a poison message)."""


def actor_to_proto(actor: Actor | None) -> actor_pb2.Actor:
    if actor is None:
        return actor_pb2.Actor(kind=actor_pb2.Actor.KIND_SYSTEM, id="unknown")
    return actor_pb2.Actor(
        kind=_ACTOR_KINDS.get(actor.kind, actor_pb2.Actor.KIND_SYSTEM),
        id=actor.id,
        display_name=actor.display_name,
    )


@functools.lru_cache(maxsize=1024)
def _actor_message(actor: Actor | None) -> actor_pb2.Actor:
    # A batch stamps hundreds of events with the same actor: build its message once (read only;
    # stamp copies it into each event).
    return actor_to_proto(actor)


def actor_from_proto(actor: actor_pb2.Actor) -> Actor:
    return Actor(
        id=actor.id,
        kind=_ACTOR_KIND_NAMES.get(actor.kind, "system"),
        display_name=actor.display_name,
    )


def stamp(
    message: Message,
    *,
    producer: str,
    event_type: str,
    aggregate_type: str,
    aggregate_id: str,
    aggregate_version: int,
    actor: Actor | None = None,
    occurred_at: dt.datetime | None = None,
) -> events_pb2.EventMeta:
    """Fill ``message.meta`` from the arguments and the current request context."""
    if "meta" not in message.DESCRIPTOR.fields_by_name:
        raise TypeError(
            f"{message.DESCRIPTOR.full_name} has no `meta` field; every event needs one"
        )
    ctx = context.current()
    meta: events_pb2.EventMeta = message.meta  # type: ignore[attr-defined]  # checked above
    meta.event_id = uuid.uuid4().hex
    meta.event_type = event_type
    meta.occurred_at.FromDatetime(occurred_at or dt.datetime.now(dt.UTC))
    meta.aggregate_type = aggregate_type
    meta.aggregate_id = str(aggregate_id)
    meta.aggregate_version = int(aggregate_version)
    meta.actor.CopyFrom(_actor_message(actor or ctx.actor))
    meta.trace.traceparent = ctx.traceparent
    meta.trace.request_id = ctx.request_id
    meta.producer = producer
    if tracing.enabled():  # off: not even the attributes are built
        span = tracing.start(
            f"{event_type} create",
            tracing.PRODUCER,
            attributes={
                "messaging.system": "rabbitmq",
                "messaging.destination.name": f"{producer}.events",
                "messaging.message.id": meta.event_id,
            },
        )
        if span is not None:  # the event carries its create span: relay and consumers continue it
            meta.trace.traceparent = span.traceparent
            span.end()
    return meta


def encode(message: Message) -> str:
    """The JSON body published for ``message``: compact proto3 JSON, fields in field-number order
    (deterministic without sorting), built by :mod:`crm_chassis.proto_json` (same dict as
    ``json_format.MessageToDict``, several times faster: this runs for every event) and written
    by orjson (UTF-8 as is, no ``\\u`` escapes; ~5x faster than ``json.dumps`` on an event)."""
    return orjson.dumps(proto_json.message_to_dict(message)).decode()


def dumps_headers(meta: events_pb2.EventMeta) -> str:
    """:func:`headers_for` as the JSON text an outbox row keeps."""
    return orjson.dumps(headers_for(meta)).decode()


def headers_for(meta: events_pb2.EventMeta) -> dict[str, Any]:
    """AMQP headers in nameko's convention (``nameko.*`` become the handler's context data)."""
    return {
        CALL_ID_STACK_HEADER: [f"{meta.producer}.outbox_relay.{meta.event_id}"],
        "nameko.traceparent": meta.trace.traceparent,
        "nameko.request_id": meta.trace.request_id,
    }


def decode(body: str | bytes | Mapping[str, Any], message_cls: type[M]) -> M:
    """Parse a received body into ``message_cls``; unknown fields are ignored (newer producers)."""
    try:
        data = orjson.loads(body) if isinstance(body, (str, bytes)) else body
        if not isinstance(data, Mapping):
            raise TypeError(f"expected a JSON object, got {type(data).__name__}")
        message = message_cls()
        proto_json.dict_to_message(data if type(data) is dict else dict(data), message)
    except (ValueError, TypeError, json_format.ParseError) as exc:  # orjson's error is a ValueError
        raise EventDecodeError(f"not a valid {message_cls.DESCRIPTOR.full_name}: {exc}") from None
    if not message.meta.event_id:  # type: ignore[attr-defined]  # every event has meta
        raise EventDecodeError(f"{message_cls.DESCRIPTOR.full_name} without meta.event_id")
    return message
