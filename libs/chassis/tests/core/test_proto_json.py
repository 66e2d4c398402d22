"""The fast converter gives exactly json_format's dict for every event message of the platform,
filled with random values of every field (nested, repeated, maps, enums, timestamps, int64)."""

from __future__ import annotations

import importlib
import pkgutil
import random

import pytest
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor

import crm
from crm_chassis.proto_json import dict_to_message, message_to_dict

F = FieldDescriptor


def _event_messages():
    found = []
    for info in pkgutil.walk_packages(crm.__path__, "crm."):
        if info.name.endswith("_pb2"):
            module = importlib.import_module(info.name)
            found += [getattr(module, name) for name in module.DESCRIPTOR.message_types_by_name]
    return sorted(found, key=lambda cls: cls.DESCRIPTOR.full_name)


def _scalar(field, rng):
    kind = field.type
    if kind == F.TYPE_STRING:
        return rng.choice(["", "é", 'a"b', "ann@example.com", "x" * rng.randint(1, 40)])
    if kind == F.TYPE_BOOL:
        return rng.random() < 0.5
    if kind == F.TYPE_BYTES:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 8)))
    if kind == F.TYPE_ENUM:
        return rng.choice([v.number for v in field.enum_type.values] + [99])
    if kind in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        return rng.choice([0.0, 1.5, -2.25, 1e20])
    if kind in (F.TYPE_UINT32, F.TYPE_FIXED32):
        return rng.randrange(2**32)
    if kind in (F.TYPE_UINT64, F.TYPE_FIXED64):
        return rng.randrange(2**64)
    if kind in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64):
        return rng.randrange(-(2**63), 2**63)
    return rng.randrange(-(2**31), 2**31)


def _fill(message, rng, depth=0):
    if message.DESCRIPTOR.full_name == "google.protobuf.Timestamp":
        message.seconds, message.nanos = (
            rng.randrange(0, 4 * 10**9),
            rng.choice([0, 5, 123_000_000, 999_999_999]),
        )
        return
    if message.DESCRIPTOR.full_name == "google.protobuf.Duration":
        message.seconds = rng.randrange(0, 10**9)
        message.nanos = rng.choice([0, 5, 123_000_000, 999_999_999])
        return
    for field in message.DESCRIPTOR.fields:
        if rng.random() < 0.2 or (field.message_type and depth > 4):
            continue
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            target = getattr(message, field.name)
            for _ in range(rng.randint(0, 3)):
                key = _scalar(field.message_type.fields_by_name["key"], rng)
                if value_field.message_type is not None:
                    _fill(target[key], rng, depth + 1)
                else:
                    target[key] = _scalar(value_field, rng)
        elif field.is_repeated:
            target = getattr(message, field.name)
            for _ in range(rng.randint(0, 3)):
                if field.message_type is not None:
                    _fill(target.add(), rng, depth + 1)
                else:
                    target.append(_scalar(field, rng))
        elif field.message_type is not None:
            _fill(getattr(message, field.name), rng, depth + 1)
        else:
            setattr(message, field.name, _scalar(field, rng))


MESSAGES = _event_messages()


def test_every_generated_message_type_is_covered():
    assert len(MESSAGES) > 200


@pytest.mark.parametrize("message_cls", MESSAGES, ids=lambda c: c.DESCRIPTOR.full_name)
def test_same_dict_as_json_format(message_cls):
    rng = random.Random(message_cls.DESCRIPTOR.full_name)
    for _ in range(5):
        message = message_cls()
        _fill(message, rng)
        assert message_to_dict(message) == json_format.MessageToDict(
            message, preserving_proto_field_name=True
        )


def test_the_platforms_events_take_the_compiled_path_not_the_fallback():
    from crm.leads.v1 import events_pb2 as leads_events
    from crm.territory.v1 import events_pb2 as territory_events
    from crm_chassis.proto_json import _compile

    for cls in (
        territory_events.LeadRouted,
        territory_events.UserAccessChanged,
        leads_events.LeadCreated,
    ):
        assert _compile(cls.DESCRIPTOR) is not None, cls.DESCRIPTOR.full_name


# ---------------------------------------------------------------------------- dict -> message
def _parse_dict(data, message_cls):
    return json_format.ParseDict(data, message_cls(), ignore_unknown_fields=True)


@pytest.mark.parametrize("message_cls", MESSAGES, ids=lambda c: c.DESCRIPTOR.full_name)
def test_parses_what_json_format_parses(message_cls):
    rng = random.Random("parse " + message_cls.DESCRIPTOR.full_name)
    for _ in range(5):
        message = message_cls()
        _fill(message, rng)
        for proto_names in (True, False):  # the proto field names and the lowerCamel ones
            data = json_format.MessageToDict(message, preserving_proto_field_name=proto_names)
            assert dict_to_message(data, message_cls()) == _parse_dict(data, message_cls)


_ODD_VALUES = [
    None,
    1.5,
    2.0,
    "x",
    "12",
    "-3",
    " 4",
    "+5",
    True,
    [],
    {},
    [1],
    ["a"],
    {"k": 1},
    "2026-13-45T00:00:00Z",
    "2026-01-02T03:04:05Z",
    -1,
    2**70,
    "NOT_A_NAME",
    "\u0663",
]


def _leaves(data, path=()):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _leaves(value, path + (index,))
    yield path


def _replaced(data, path, value):
    if not path:
        return value
    copy = list(data) if isinstance(data, list) else dict(data)
    copy[path[0]] = _replaced(data[path[0]], path[1:], value)
    return copy


def _outcome(parse):
    try:
        return parse()
    except (json_format.ParseError, TypeError, ValueError):  # what events.decode refuses
        return "refused"


@pytest.mark.parametrize("message_cls", MESSAGES, ids=lambda c: c.DESCRIPTOR.full_name)
def test_odd_input_gets_json_format_s_answer(message_cls):
    # Any value of the wrong shape anywhere (plus unknown keys): the same message, or the same
    # refusal, as json_format — the fast path never accepts what ParseDict refuses.
    rng = random.Random("odd " + message_cls.DESCRIPTOR.full_name)
    message = message_cls()
    _fill(message, rng)
    data = dict(
        json_format.MessageToDict(message, preserving_proto_field_name=True),
        unknown_key={"nested": 1},
    )
    paths = list(_leaves(data))
    for path in rng.sample(paths, min(len(paths), 12)):
        odd = _replaced(data, path, rng.choice(_ODD_VALUES))
        fast = _outcome(lambda: dict_to_message(odd, message_cls()))  # noqa: B023
        assert fast == _outcome(lambda: _parse_dict(odd, message_cls)), (path, odd)  # noqa: B023


def test_the_platforms_events_take_the_compiled_parser_not_the_fallback():
    from crm.leads.v1 import events_pb2 as leads_events
    from crm.territory.v1 import events_pb2 as territory_events
    from crm_chassis.proto_json import _parser

    for cls in (territory_events.LeadRouted, leads_events.LeadCreated):
        assert _parser(cls.DESCRIPTOR) is not None, cls.DESCRIPTOR.full_name


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-07T16:35:21Z",
        "2026-12-07T16:35:21.123Z",
        "2026-12-07T16:35:21.123456Z",
        "1969-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59.999999Z",
        "2026-12-07T16:35:21.123456789Z",
        "2026-12-07T18:35:21+02:00",
    ],
)
def test_timestamps_parse_as_protobuf_parses_them(text):
    """The fast path (protobuf's own output: seconds, milli- or microseconds, "Z") gives what
    protobuf's parser gives; every other form is left to it."""
    from crm.common.v1 import events_pb2

    expected = events_pb2.EventMeta()
    expected.occurred_at.FromJsonString(text)
    assert dict_to_message({"occurredAt": text}, events_pb2.EventMeta()) == expected


@pytest.mark.parametrize(
    "text", ["2026-12-07T16Z", "2026-12-07 16:35:21Z", "2026-12-07T16:35:21,123Z", "x" * 20]
)
def test_timestamps_protobuf_refuses_stay_refused(text):
    from crm.common.v1 import events_pb2

    with pytest.raises((json_format.ParseError, ValueError)):
        dict_to_message({"occurredAt": text}, events_pb2.EventMeta())
