"""Proto enum values <-> domain enums and words, by name.

The proto convention: every value carries the enum's prefix and value 0 is
``<PREFIX>_UNSPECIFIED`` (``CHANNEL_UNSPECIFIED = 0; CHANNEL_WEB_FORM = 1``). The domain names
the same member without the prefix (``Channel.WEB_FORM``, or the word ``web_form``).
UNSPECIFIED means "not given": it maps to None (or "") and is refused where a value is
required. A number this server does not know is refused, never passed on.
"""
from __future__ import annotations

import enum
from typing import TypeVar

from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from crm_chassis.errors import InvalidArgument

E = TypeVar("E", bound=enum.Enum)


def prefix_of(proto_enum: EnumTypeWrapper) -> str:
    """``CHANNEL`` for an enum whose value 0 is ``CHANNEL_UNSPECIFIED``."""
    zero = proto_enum.Name(0)
    if not zero.endswith("_UNSPECIFIED"):
        raise ValueError(f"{proto_enum.DESCRIPTOR.full_name} has no <PREFIX>_UNSPECIFIED = 0 value")
    return zero.removesuffix("_UNSPECIFIED")


def words(proto_enum: EnumTypeWrapper) -> list[str]:
    """The words of every value but UNSPECIFIED: ``["web_form", "referral", ...]``."""
    prefix = prefix_of(proto_enum) + "_"
    return [name.removeprefix(prefix).lower() for name, number in proto_enum.items() if number]


def word_of(proto_enum: EnumTypeWrapper, number: int, field: str) -> str:
    """The word of ``number`` (``CHANNEL_WEB_FORM`` -> ``web_form``); "" for UNSPECIFIED."""
    if number == 0:
        return ""
    try:
        name = proto_enum.Name(number)
    except ValueError:
        raise InvalidArgument(f"{field} has an unknown value {number}; use one of "
                              f"{', '.join(words(proto_enum))}", field=field) from None
    return name.removeprefix(prefix_of(proto_enum) + "_").lower()


def number_of(proto_enum: EnumTypeWrapper, word: str, field: str) -> int:
    """The number of ``word`` (case-insensitive, with or without the prefix); 0 for ""."""
    if not word:
        return 0
    prefix = prefix_of(proto_enum) + "_"
    name = word.strip().upper()
    try:
        return int(proto_enum.Value(name if name.startswith(prefix) else prefix + name))
    except ValueError:
        raise InvalidArgument(f"{field} '{word}' is not one of {', '.join(words(proto_enum))}",
                              field=field) from None


def to_domain(proto_enum: EnumTypeWrapper, number: int, domain_enum: type[E],
              field: str) -> E | None:
    """The member of ``domain_enum`` named like ``number`` without its prefix; None for
    UNSPECIFIED. A proto value the domain does not have is refused like an unknown number."""
    word = word_of(proto_enum, number, field)
    if not word:
        return None
    try:
        return domain_enum[word.upper()]
    except KeyError:
        raise InvalidArgument(f"{field} {proto_enum.Name(number)} is not supported; use one "
                              f"of {', '.join(m.name.lower() for m in domain_enum)}",
                              field=field) from None


def required_to_domain(proto_enum: EnumTypeWrapper, number: int, domain_enum: type[E],
                       field: str) -> E:
    """:func:`to_domain`, with UNSPECIFIED refused: the caller must choose a value."""
    member = to_domain(proto_enum, number, domain_enum, field)
    if member is None:
        raise InvalidArgument(f"{field} is required: one of {', '.join(words(proto_enum))}",
                              field=field)
    return member


def from_domain(proto_enum: EnumTypeWrapper, member: enum.Enum | None) -> int:
    """The proto number of a domain member (by name); 0 (UNSPECIFIED) for None."""
    if member is None:
        return 0
    return int(proto_enum.Value(f"{prefix_of(proto_enum)}_{member.name.upper()}"))
