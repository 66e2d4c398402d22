"""protobuf message <-> proto3 JSON dict, several times faster than ``json_format``, both ways:
:func:`message_to_dict` returns what ``json_format.MessageToDict(m,
preserving_proto_field_name=True)`` returns, and :func:`dict_to_message` parses what
``json_format.ParseDict(d, m, ignore_unknown_fields=True)`` parses.

Why: every event is published as proto3 JSON (nameko's wire format carries JSON), and
``json_format`` walks each message through generic Python reflection: ~270 µs for one routing
decision with its explanation, about 45 % of territory's CPU per routed lead. This converter
compiles, once per message type, a list of field readers and then only calls ``ListFields()``
(implemented in C by upb). Output is identical to ``json_format`` for the types it compiles —
the test suite compares both on every event message of the platform — and a message type using
anything else (floats, Any, Struct, Duration, FieldMask, wrappers...) is handed to
``json_format`` unchanged, so correctness never depends on this module knowing every corner.

Parsing is the consumer's side of the same cost: ``ParseDict`` of a lead_created (a whole lead)
took ~17 % of territory's worker CPU while it routed a bulk import. :func:`dict_to_message`
compiles, per message type, one setter per JSON key (the proto name and the lowerCamel JSON
name) and sets fields straight on the message. Anything it is not sure of — a value of an
unexpected type, a bad timestamp, a type it does not compile — makes it give up on the whole
message, and ``ParseDict`` parses it instead, with its own errors; so the fast path only ever
accepts input ``ParseDict`` accepts the same way (the suite checks both agree on every event
message of the platform).
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}
_PLAIN = {
    FieldDescriptor.TYPE_STRING,
    FieldDescriptor.TYPE_BOOL,
    FieldDescriptor.TYPE_INT32,
    FieldDescriptor.TYPE_UINT32,
    FieldDescriptor.TYPE_SINT32,
    FieldDescriptor.TYPE_FIXED32,
    FieldDescriptor.TYPE_SFIXED32,
}
_TIMESTAMP = "google.protobuf.Timestamp"

Converter = Callable[[Message], dict[str, Any]]
_COMPILED: dict[str, Converter | None] = {}


def _value_reader(field: FieldDescriptor) -> Callable[[Any], Any] | None:
    """How one value of ``field`` becomes JSON, or None when this module does not compile it."""
    kind = field.type
    if kind in _PLAIN:
        return _identity
    if kind in _INT64:
        return str
    if kind == FieldDescriptor.TYPE_BYTES:
        return lambda value: base64.b64encode(value).decode("ascii")
    if kind == FieldDescriptor.TYPE_ENUM:
        names = {v.number: v.name for v in field.enum_type.values}  # type: ignore[union-attr]
        return lambda value: names.get(value, value)
    message_type = field.message_type
    if kind == FieldDescriptor.TYPE_MESSAGE and message_type is not None:
        if message_type.full_name == _TIMESTAMP:
            return lambda value: _timestamp_text(value.seconds, value.nanos)
        convert = _compile(message_type)
        if convert is None:
            return None
        full_name = message_type.full_name
        return lambda value: _COMPILED[full_name](value)  # type: ignore[misc]  # compiled above
    return None  # float, double, group


@functools.lru_cache(maxsize=4096)
def _timestamp_text(seconds: int, nanos: int) -> str:
    """``Timestamp.ToJsonString`` of the instant, remembered: the events of one record carry
    the same few instants again and again (created, stage entered, updated), and the text costs
    more than anything else of an event's JSON (an invalid instant raises, and is not kept)."""
    return Timestamp(seconds=seconds, nanos=nanos).ToJsonString()


def _identity(value: Any) -> Any:
    return value


def _compile(descriptor: Descriptor) -> Converter | None:
    name = descriptor.full_name
    if name in _COMPILED:
        return _COMPILED[name]
    if name.startswith("google.protobuf."):
        _COMPILED[name] = None  # well-known types have their own JSON forms
        return None
    _COMPILED[name] = None  # recursion guard: a self-referencing type falls back
    # Keyed by the FieldDescriptor object ListFields() hands back: a dict lookup by identity is
    # far cheaper than reading descriptor attributes (upb) per field per message.
    readers: dict[FieldDescriptor, tuple[str, Callable[[Any], Any] | None]] = {}
    for field in descriptor.fields:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_field, value_field = (
                field.message_type.fields_by_name["key"],
                field.message_type.fields_by_name["value"],
            )
            read = _value_reader(value_field)
            if read is None or key_field.type not in (_PLAIN | _INT64):
                return None
            readers[field] = (
                field.name,
                (lambda r: lambda m: {str(k): r(v) for k, v in m.items()})(read),
            )
            continue
        read = _value_reader(field)
        if read is None:
            return None
        if field.is_repeated:
            readers[field] = (
                field.name,
                list
                if read is _identity
                else (lambda r: lambda values: [r(v) for v in values])(read),
            )
        else:
            readers[field] = (field.name, None if read is _identity else read)

    def convert(message: Message) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, value in message.ListFields():
            name, read = readers[field]
            out[name] = value if read is None else read(value)
        return out

    _COMPILED[name] = convert
    return convert


def message_to_dict(message: Message) -> dict[str, Any]:
    """Same as ``json_format.MessageToDict(message, preserving_proto_field_name=True)``."""
    descriptor: Any = message.DESCRIPTOR  # the upb or the Python descriptor type
    convert = _COMPILED.get(descriptor.full_name) or _compile(descriptor)
    if convert is None:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    return convert(message)


# ---------------------------------------------------------------------------- dict -> message
class _GiveUp(Exception):
    """The fast parser is not sure of this input; json_format parses it instead."""


Setter = Callable[[Message, Any], None]
_PARSERS: dict[str, dict[str, Setter] | None] = {}


def _scalar_parser(field: FieldDescriptor) -> Callable[[Any], Any] | None:
    """Converts one JSON value of a scalar ``field`` to what the message accepts, or None when
    the field's type is not compiled. Raises _GiveUp for any value it is not sure of."""
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return _string
    if kind == FieldDescriptor.TYPE_BOOL:
        return _bool
    if kind in _PLAIN or kind in _INT64:
        return _integer
    if kind == FieldDescriptor.TYPE_ENUM:
        numbers = {v.name: v.number for v in field.enum_type.values}  # type: ignore[union-attr]
        return lambda value: _enum(numbers, value)
    return None  # bytes, float, double, group: json_format


def _string(value: Any) -> Any:
    if type(value) is not str:
        raise _GiveUp
    return value


def _bool(value: Any) -> Any:
    if type(value) is not bool:
        raise _GiveUp
    return value


def _integer(value: Any) -> Any:
    if type(value) is int:
        return value
    if type(value) is str and value.lstrip("-").isdigit():
        return int(value)
    raise _GiveUp


def _enum(numbers: dict[str, int], value: Any) -> int:
    if type(value) is str and value in numbers:
        return numbers[value]
    if type(value) is int:
        return value
    raise _GiveUp  # a name this build does not know, among others: json_format's to judge


_EPOCH = dt.datetime(1970, 1, 1)
_FAST_LENGTHS = frozenset({20, 24, 27})  # "YYYY-MM-DDTHH:MM:SS" + "Z", ".fffZ" or ".ffffffZ"


def _timestamp(target: Timestamp, value: Any) -> None:
    if type(value) is not str:
        raise _GiveUp
    # The form protobuf itself writes ("...T...Z", at most microseconds) parsed by the C-coded
    # fromisoformat: protobuf's FromJsonString goes through strptime, ~10x slower, and an event
    # carrying a lead has several timestamps (a bulk import's batch: thousands).
    if len(value) in _FAST_LENGTHS and value[-1] == "Z" and value[10] == "T" and value[19] in "Z.":
        try:
            delta = dt.datetime.fromisoformat(value[:-1]) - _EPOCH
        except ValueError:
            pass  # nanoseconds, an offset, or not a time: protobuf's parser decides
        else:
            target.seconds = delta.days * 86400 + delta.seconds
            target.nanos = delta.microseconds * 1000
            return
    try:
        target.FromJsonString(value)
    except ValueError:
        raise _GiveUp from None


def _field_setter(field: FieldDescriptor) -> Setter | None:
    name = field.name
    message_type = field.message_type
    if message_type is not None and message_type.GetOptions().map_entry:
        key_parse = _scalar_parser(message_type.fields_by_name["key"])
        value_field = message_type.fields_by_name["value"]
        if key_parse is None or value_field.message_type is not None:
            return None
        value_parse = _scalar_parser(value_field)
        if value_parse is None or value_field.type == FieldDescriptor.TYPE_ENUM:
            return None

        def set_map(message: Message, value: Any) -> None:
            if type(value) is not dict:
                raise _GiveUp
            target = getattr(message, name)
            for key, item in value.items():
                target[key if key_parse is _string else _map_key(key_parse, key)] = value_parse(
                    item
                )

        return set_map
    if message_type is not None:
        if message_type.full_name == _TIMESTAMP:
            if field.is_repeated:
                return None
            return lambda message, value: _timestamp(getattr(message, name), value)
        if _parser(message_type) is None:
            return None
        full_name = message_type.full_name
        if field.is_repeated:

            def set_messages(message: Message, value: Any) -> None:
                if type(value) is not list:
                    raise _GiveUp
                target = getattr(message, name)
                for item in value:
                    _fill(_PARSERS[full_name], target.add(), item)  # type: ignore[arg-type]

            return set_messages

        def set_message(message: Message, value: Any) -> None:
            target = getattr(message, name)
            target.SetInParent()
            _fill(_PARSERS[full_name], target, value)  # type: ignore[arg-type]  # parsed above

        return set_message
    parse = _scalar_parser(field)
    if parse is None:
        return None
    if field.is_repeated:

        def set_values(message: Message, value: Any) -> None:
            if type(value) is not list:
                raise _GiveUp
            getattr(message, name).extend(map(parse, value))

        return set_values

    def set_value(message: Message, value: Any) -> None:
        setattr(message, name, parse(value))

    return set_value


def _map_key(parse: Callable[[Any], Any], key: str) -> Any:
    if parse is _bool:
        if key not in ("true", "false"):
            raise _GiveUp
        return key == "true"
    return parse(key)


def _parser(descriptor: Descriptor) -> dict[str, Setter] | None:
    name = descriptor.full_name
    if name in _PARSERS:
        return _PARSERS[name]
    _PARSERS[name] = None  # recursion guard, and the answer for what is not compiled
    if name.startswith("google.protobuf.") or descriptor.oneofs:
        return None  # well-known JSON forms; oneof conflicts are json_format's to judge
    setters: dict[str, Setter] = {}
    for field in descriptor.fields:
        setter = _field_setter(field)
        if setter is None:
            return None
        setters[field.name] = setters[field.json_name] = setter
    _PARSERS[name] = setters
    return setters


def _fill(setters: dict[str, Setter], message: Message, data: Any) -> None:
    if type(data) is not dict:
        raise _GiveUp
    for key, value in data.items():
        setter = setters.get(key)
        if setter is not None and value is not None:  # unknown keys and nulls: ignored
            setter(message, value)


def dict_to_message(data: dict[str, Any], message: Message) -> Message:
    """Same as ``json_format.ParseDict(data, message, ignore_unknown_fields=True)``; raises
    ``json_format.ParseError`` for what ParseDict refuses."""
    descriptor: Any = message.DESCRIPTOR  # the upb or the Python descriptor type
    name = descriptor.full_name
    setters = _PARSERS[name] if name in _PARSERS else _parser(descriptor)
    if setters is not None:
        try:
            _fill(setters, message, data)
            return message
        except (_GiveUp, TypeError, ValueError):
            message.Clear()  # json_format judges the input afresh
    return json_format.ParseDict(data, message, ignore_unknown_fields=True)
