"""Proto enum values <-> domain enums and words, by name.

The proto convention: every value carries the enum's prefix and value 0 is
``<PREFIX>_UNSPECIFIED`` (``CHANNEL_UNSPECIFIED = 0; CHANNEL_WEB_FORM = 1``). The domain names
the same member without the prefix (``Channel.WEB_FORM``, or the word ``web_form``).
UNSPECIFIED means "not given": it maps to None (or "") and is refused where a value is
required. A number this server does not know is refused, never passed on.

A proto enum is passed as the generated class (``lead_pb2.Channel``). mypy-protobuf types each
one with its own ``ValueType`` (an int); :func:`number_of` and :func:`from_domain` return that
type, so their result goes into a message field of the same enum without a cast.
"""

from __future__ import annotations

import enum
from typing import Protocol, TypeVar

from google.protobuf.descriptor import EnumDescriptor

from crm_chassis.errors import InvalidArgument

E = TypeVar("E", bound=enum.Enum)
V = TypeVar("V", bound=int)
V_co = TypeVar("V_co", bound=int, covariant=True)


class ProtoEnum(Protocol[V_co]):
    """What these functions use of a generated proto enum (the class ``lead_pb2.Channel``, or an
    ``EnumTypeWrapper``): its descriptor, and its numbers by name typed as its ``ValueType``."""

    @property
    def DESCRIPTOR(self) -> EnumDescriptor: ...

    def Value(self, name: str) -> V_co: ...


def _name(proto_enum: ProtoEnum[int], number: int) -> str | None:
    """``CHANNEL_WEB_FORM`` for the number of that value; None for a number the enum lacks."""
    value = proto_enum.DESCRIPTOR.values_by_number.get(number)
    return None if value is None else value.name


def prefix_of(proto_enum: ProtoEnum[int]) -> str:
    """``CHANNEL`` for an enum whose value 0 is ``CHANNEL_UNSPECIFIED``."""
    zero = _name(proto_enum, 0)
    if zero is None or not zero.endswith("_UNSPECIFIED"):
        raise ValueError(f"{proto_enum.DESCRIPTOR.full_name} has no <PREFIX>_UNSPECIFIED = 0 value")
    return zero.removesuffix("_UNSPECIFIED")


def words(proto_enum: ProtoEnum[int]) -> list[str]:
    """The words of every value but UNSPECIFIED: ``["web_form", "referral", ...]``."""
    prefix = prefix_of(proto_enum) + "_"
    return [
        value.name.removeprefix(prefix).lower()
        for value in proto_enum.DESCRIPTOR.values
        if value.number
    ]


def word_of(proto_enum: ProtoEnum[int], number: int, field: str) -> str:
    """The word of ``number`` (``CHANNEL_WEB_FORM`` -> ``web_form``); "" for UNSPECIFIED."""
    if number == 0:
        return ""
    name = _name(proto_enum, number)
    if name is None:
        raise InvalidArgument(
            f"{field} has an unknown value {number}; use one of {', '.join(words(proto_enum))}",
            field=field,
        )
    return name.removeprefix(prefix_of(proto_enum) + "_").lower()


def number_of(proto_enum: ProtoEnum[V], word: str, field: str) -> V:
    """The number of ``word`` (case-insensitive, with or without the prefix); UNSPECIFIED (0)
    for ""."""
    prefix = prefix_of(proto_enum) + "_"
    if not word:
        return proto_enum.Value(prefix + "UNSPECIFIED")
    name = word.strip().upper()
    try:
        return proto_enum.Value(name if name.startswith(prefix) else prefix + name)
    except ValueError:
        raise InvalidArgument(
            f"{field} '{word}' is not one of {', '.join(words(proto_enum))}", field=field
        ) from None


def to_domain(
    proto_enum: ProtoEnum[int], number: int, domain_enum: type[E], field: str
) -> E | None:
    """The member of ``domain_enum`` named like ``number`` without its prefix; None for
    UNSPECIFIED. A proto value the domain does not have is refused like an unknown number."""
    word = word_of(proto_enum, number, field)
    if not word:
        return None
    try:
        return domain_enum[word.upper()]
    except KeyError:
        raise InvalidArgument(
            f"{field} {_name(proto_enum, number)} is not supported; use one "
            f"of {', '.join(m.name.lower() for m in domain_enum)}",
            field=field,
        ) from None


def required_to_domain(
    proto_enum: ProtoEnum[int], number: int, domain_enum: type[E], field: str
) -> E:
    """:func:`to_domain`, with UNSPECIFIED refused: the caller must choose a value."""
    member = to_domain(proto_enum, number, domain_enum, field)
    if member is None:
        raise InvalidArgument(
            f"{field} is required: one of {', '.join(words(proto_enum))}", field=field
        )
    return member


def from_domain(proto_enum: ProtoEnum[V], member: enum.Enum | None) -> V:
    """The proto number of a domain member (by name); UNSPECIFIED (0) for None."""
    prefix = prefix_of(proto_enum)
    return proto_enum.Value(f"{prefix}_{'UNSPECIFIED' if member is None else member.name.upper()}")
