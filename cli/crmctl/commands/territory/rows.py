"""territory's records as rows to print: enum values as words with hyphens (``round-robin``,
``not-a-member``), as territory's commands also take them."""

from __future__ import annotations

from crmctl.output import message_to_dict
from crmctl.wire import enum_word, enum_words

SEPARATOR = "-"


def words(enum_type) -> dict[str, int]:
    """The option words of ``enum_type`` (``--strategy round-robin``)."""
    return enum_words(enum_type, separator=SEPARATOR)


def word(enum_type, value) -> str:
    return enum_word(enum_type, value, separator=SEPARATOR)


def row(message, **enum_types) -> dict:
    """``message`` as a dict with the enum fields named (``field=EnumType``) as words."""
    data = message_to_dict(message)
    for field, enum_type in enum_types.items():
        if field in data:
            data[field] = word(enum_type, str(data[field]))
    return data
