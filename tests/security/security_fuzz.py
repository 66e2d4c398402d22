"""Hypothesis strategies for any request message, read from its descriptor: random and boundary
values, huge strings and lists, enum numbers no proto declares, bad decimals and currencies,
out-of-range timestamps — and, for id fields, the fixture's real ids now and then, so that
the calls reach the records and not only the "not found" path."""

from __future__ import annotations

import os
from collections.abc import Mapping

from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded in `make test` (a few examples per RPC, the same ones every run);
# CRM_SECURITY_FUZZ_PROFILE=thorough for a long, random run.
settings.register_profile(
    "security-quick",
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "security-thorough",
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
FUZZ_PROFILE = "security-" + os.environ.get("CRM_SECURITY_FUZZ_PROFILE", "quick")

F = FieldDescriptor
HUGE_TEXT = "Ω" * 12_000  # 24 kB: far beyond any field's limit
HUGE_LIST = 2_000
INT32 = (0, 1, -1, 2**31 - 1, -(2**31))
INT64 = INT32 + (2**63 - 1, -(2**63), 2**53 + 1)
UINT32 = (0, 1, 2**32 - 1)
UINT64 = (0, 1, 2**64 - 1)
NASTY_TEXT = (
    "",
    " ",
    "\x00",
    "' OR 1=1 --",
    "%s%n",
    "../../etc/passwd",
    "\u202e\u0000",
    "NaN",
    "-Infinity",
    "1e309",
    "-0.00",
    "12.345678901234567890123",
    "0x10",
    "99999999999999999999999999.99",
    "-1",
    "١٢٣",
    "EUR",
    "eur",
    "XXX",
    "€",
    "EURO",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "T" * 201,
    "a@b",
    "@",
    "*",
    "%",
    "_",
)
TIMESTAMP_SECONDS = (0, -1, -62135596801, -62135596800, 253402300799, 253402300800, 2**62)


def text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40), st.just(HUGE_TEXT))


def message(descriptor: Descriptor, real: Mapping[str, str], depth: int = 0):
    """A strategy for messages of ``descriptor``; ``real`` maps field names to real ids."""
    cls = message_factory.GetMessageClass(descriptor)
    if descriptor.full_name == "google.protobuf.Timestamp":
        return st.builds(
            lambda s, n: cls(seconds=s, nanos=n),
            st.one_of(st.sampled_from(TIMESTAMP_SECONDS), st.integers(-(2**40), 2**40)),
            st.sampled_from((0, 999_999_999, 1_000_000_000, -1)),
        )
    if descriptor.full_name == "google.protobuf.FieldMask":
        return st.builds(
            lambda paths: cls(paths=paths),
            st.lists(
                st.one_of(
                    st.sampled_from(
                        [f.name for f in descriptor.fields]
                        + ["name", "email", "roles", "id", "team_id", "a.b.c"]
                    ),
                    text(),
                ),
                max_size=3,
            ),
        )
    optional = {}
    if depth < 3:
        for field in descriptor.fields:
            optional[field.name] = _field(field, real, depth)

    def build(values):
        built = cls()
        for name, value in values.items():
            field = descriptor.fields_by_name[name]
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                getattr(built, name).update(value)
            elif field.is_repeated:
                getattr(built, name).extend(value)
            elif field.type == F.TYPE_MESSAGE:
                getattr(built, name).CopyFrom(value)
            else:
                setattr(built, name, value)
        return built

    return st.fixed_dictionaries({}, optional=optional).map(build)


def _field(field: FieldDescriptor, real: Mapping[str, str], depth: int):
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key, value = (
            field.message_type.fields_by_name["key"],
            field.message_type.fields_by_name["value"],
        )
        return st.dictionaries(_scalar(key, real, depth), _scalar(value, real, depth), max_size=3)
    single = _scalar(field, real, depth)
    if not field.is_repeated:
        return single
    return st.one_of(st.lists(single, max_size=3), st.just([_small(field)] * HUGE_LIST))


def _small(field: FieldDescriptor):
    """A short item for a huge list (a huge list of huge items would only test the size
    limit of gRPC itself)."""
    if field.type == F.TYPE_MESSAGE:
        return message_factory.GetMessageClass(field.message_type)()
    if field.type == F.TYPE_STRING:
        return "x"
    if field.type == F.TYPE_BYTES:
        return b"x"
    if field.type == F.TYPE_ENUM:
        return field.enum_type.values[-1].number
    return field.default_value


def _scalar(field: FieldDescriptor, real: Mapping[str, str], depth: int):
    kind = field.type
    if kind == F.TYPE_MESSAGE:
        return message(field.message_type, real, depth + 1)
    if kind == F.TYPE_STRING:
        singular = field.name[:-1] if field.name.endswith("_ids") else field.name
        known = real.get(singular)
        if known:
            return st.one_of(st.just(known), text())
        return text()
    if kind == F.TYPE_BYTES:
        return st.one_of(st.binary(max_size=40), st.just(b"\x00" * 24_000))
    if kind == F.TYPE_BOOL:
        return st.booleans()
    if kind == F.TYPE_ENUM:
        declared = [v.number for v in field.enum_type.values]
        return st.sampled_from(declared + [max(declared) + 1, 999, -1, 2**31 - 1])
    if kind in (F.TYPE_INT32, F.TYPE_SINT32, F.TYPE_SFIXED32):
        return st.one_of(st.sampled_from(INT32), st.integers(-(2**31), 2**31 - 1))
    if kind in (F.TYPE_INT64, F.TYPE_SINT64, F.TYPE_SFIXED64):
        return st.one_of(st.sampled_from(INT64), st.integers(-(2**63), 2**63 - 1))
    if kind in (F.TYPE_UINT32, F.TYPE_FIXED32):
        return st.sampled_from(UINT32)
    if kind in (F.TYPE_UINT64, F.TYPE_FIXED64):
        return st.sampled_from(UINT64)
    return st.floats(allow_nan=True, allow_infinity=True, width=32 if kind == F.TYPE_FLOAT else 64)
