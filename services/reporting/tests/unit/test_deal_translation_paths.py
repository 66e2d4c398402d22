"""A deal event's stored body translated straight from its JSON (``from_body``'s fast path) gives
exactly the ``RecordedEvent`` the message path gives, for every deal event type with every field
of the deal set to varied values (seeded), including malformed amounts and dates, times with
nanoseconds and bodies in forms the fast path leaves to the message path."""

from __future__ import annotations

import datetime as dt
import random

import orjson
import pytest
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from crm_chassis import events as wire
from crm_reporting.adapters import event_translation as translation

_TEXTS = ["", "x", "d1", "t1", "line-1", "2026-02-03", "2026-02-30", "EUR", "USD", 'öl\'s "q"']
_AMOUNTS = ["", "12.50", "0.000001", "abc", "1e3", "-7"]


def _time(rng: random.Random, target) -> None:
    when = dt.datetime(2020, 1, 1, tzinfo=dt.UTC) + dt.timedelta(
        seconds=rng.randrange(0, 200_000_000), microseconds=rng.choice([0, 1, 123_000, 999_999])
    )
    target.FromDatetime(when)
    if rng.random() < 0.1:
        target.nanos += 1  # nanoseconds: "...000000001Z", the message path's to parse


def _fill(message: Message, rng: random.Random, depth: int = 0) -> None:
    """Every field of ``message`` (and of its messages, two levels deep) set to varied values."""
    for field in message.DESCRIPTOR.fields:
        if rng.random() < 0.15 or field.name == "meta":
            continue  # some left unset
        kind = field.message_type
        repeated = field.is_repeated
        count = rng.randrange(0, 3) if repeated else 1
        for _ in range(count):
            if kind is not None:
                if kind.GetOptions().map_entry or depth > 2:
                    break
                target = (
                    getattr(message, field.name).add() if repeated else getattr(message, field.name)
                )
                if kind.full_name == "google.protobuf.Timestamp":
                    _time(rng, target)
                elif kind.full_name == "crm.common.v1.Money":
                    target.amount = rng.choice(_AMOUNTS)
                    target.currency = rng.choice(["", "EUR"])
                else:
                    target.SetInParent()
                    _fill(target, rng, depth + 1)
                continue
            if field.type == FieldDescriptor.TYPE_STRING:
                value = rng.choice(_TEXTS)
            elif field.type == FieldDescriptor.TYPE_BOOL:
                value = rng.random() < 0.5
            elif field.type == FieldDescriptor.TYPE_ENUM:
                value = rng.choice(field.enum_type.values).number
            elif field.type in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
                value = rng.choice([0.0, 1.5])
            elif field.type == FieldDescriptor.TYPE_BYTES:
                value = b"x"
            else:
                value = rng.randrange(0, 101)
            if repeated:
                getattr(message, field.name).append(value)
            else:
                setattr(message, field.name, value)


def _message_path(event_type: str, body: str):
    cls = translation.CONSUMED[("deals", event_type)][0]
    return translation.recorded("deals", wire.decode(body, cls), body)


def _bodies(seed: int):
    rng = random.Random(seed)
    for event_type in sorted(translation._DEAL_EVENTS):
        cls = translation.CONSUMED[("deals", event_type)][0]
        for _ in range(40):
            message = cls()
            _fill(message, rng)
            wire.stamp(
                message,
                producer="deals",
                event_type=event_type,
                aggregate_type="opportunity",
                aggregate_id=message.deal.id or "d1",
                aggregate_version=rng.randrange(1, 10**12),
                occurred_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
                + dt.timedelta(microseconds=rng.randrange(0, 10**13)),
            )
            yield event_type, wire.encode(message)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_both_paths_give_the_same_event(seed):
    fast = 0
    for event_type, body in _bodies(seed):
        assert translation.from_body("deals", event_type, body) == _message_path(event_type, body)
        fast += translation._fast_deal_event(event_type, body) is not None
    assert fast > 100  # of 320: most bodies without nanoseconds take the fast path


def _deal_body() -> tuple[str, dict]:
    """The first seeded body the fast path takes."""
    for event_type, body in _bodies(4):
        if translation._fast_deal_event(event_type, body) is not None:
            return event_type, orjson.loads(body)
    raise AssertionError("no body takes the fast path")


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["deal"].update(teamId=d["deal"].pop("team_id", "t9")),  # lowerCamel key
        lambda d: d["deal"].update(probability="40"),  # a number as text
        lambda d: d["deal"].update(status=2),  # an enum by number
        lambda d: d["deal"].update(created_at="2026-01-01T10:00:00+01:00"),  # an offset
        lambda d: d["meta"].update(aggregateVersion="3"),
        lambda d: d.update(unknown_field=1),
    ],
)
def test_other_forms_go_the_message_path_with_the_same_result(change):
    event_type, data = _deal_body()
    change(data)
    body = orjson.dumps(data).decode()
    assert translation._fast_deal_event(event_type, body) is None
    assert translation.from_body("deals", event_type, body) == _message_path(event_type, body)
