import json

import pytest

from crm.common.v1 import actor_pb2, events_pb2
from crm_chassis import context, events
from crm_chassis.context import Actor, RequestContext


def _message():
    # EventMeta is itself a message with no `meta`; wrap a test message type instead.
    from crm.testing.v1 import events_pb2 as testing_events  # generated from protos/crm/testing

    return testing_events.SomethingHappened(name="n", seq=7)


def test_stamp_fills_meta_from_arguments_and_request_context():
    token = context.bind(
        RequestContext(
            request_id="req-1",
            traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01",
            actor=Actor("u1", "user", "Ann"),
        )
    )
    try:
        msg = _message()
        meta = events.stamp(
            msg,
            producer="svc",
            event_type="something_happened",
            aggregate_type="thing",
            aggregate_id="t1",
            aggregate_version=3,
        )
    finally:
        context.reset(token)
    assert len(meta.event_id) == 32
    assert meta.actor.kind == actor_pb2.Actor.KIND_USER and meta.actor.id == "u1"
    assert meta.trace.request_id == "req-1" and meta.producer == "svc"
    assert meta.aggregate_version == 3


def test_encode_then_decode_round_trips():
    msg = _message()
    events.stamp(
        msg,
        producer="svc",
        event_type="e",
        aggregate_type="t",
        aggregate_id="1",
        aggregate_version=1,
        actor=Actor.system("timer"),
    )
    body = events.encode(msg)
    assert json.loads(body)["meta"]["event_type"] == "e"
    again = events.decode(body, type(msg))
    assert again == msg
    assert events.decode(json.loads(body), type(msg)) == msg  # nameko hands handlers a dict


def test_decode_ignores_fields_added_by_newer_producers():
    msg = _message()
    events.stamp(
        msg,
        producer="svc",
        event_type="e",
        aggregate_type="t",
        aggregate_id="1",
        aggregate_version=1,
    )
    data = json.loads(events.encode(msg))
    data["field_from_the_future"] = 1
    assert events.decode(data, type(msg)).seq == 7


@pytest.mark.parametrize(
    "body", ["not json", "[]", json.dumps({"seq": "x"}), json.dumps({"seq": 1})]
)
def test_decode_rejects_poison(body):
    with pytest.raises(events.EventDecodeError):
        events.decode(body, type(_message()))


def test_stamp_refuses_a_message_without_meta():
    with pytest.raises(TypeError, match="meta"):
        events.stamp(
            events_pb2.TraceContext(),
            producer="p",
            event_type="e",
            aggregate_type="t",
            aggregate_id="1",
            aggregate_version=1,
        )


def test_headers_follow_nameko_convention():
    msg = _message()
    meta = events.stamp(
        msg,
        producer="svc",
        event_type="e",
        aggregate_type="t",
        aggregate_id="1",
        aggregate_version=1,
    )
    headers = events.headers_for(meta)
    assert headers["nameko.call_id_stack"] == [f"svc.outbox_relay.{meta.event_id}"]
