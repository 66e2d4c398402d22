"""Domain value objects <-> JSON documents, driven by their dataclass type hints.

Parts of a lead that are only ever read whole (the score with its factors, the conversion, the
scoring rules, the predictive counts) are stored as one JSON document each instead of a table
per value object: no query filters inside them. Decimals and datetimes are written as text, so
nothing exact becomes a float on the way.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import types
import typing
from decimal import Decimal
from functools import lru_cache
from typing import Any


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if f.repr or f.name}
    if isinstance(value, (list, tuple, frozenset, set)):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(kind: Any, raw: Any) -> Any:
    """The value of type ``kind`` that :func:`to_json` turned into ``raw``."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        if raw is None:
            return None
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        return from_json(options[0], raw)
    if raw is None:
        return None
    if origin in (tuple, list, frozenset, set):
        args = typing.get_args(kind)
        item = args[0] if args else Any
        values = [from_json(item, element) for element in raw]
        return (origin or tuple)(values) if origin is not list else values
    if origin is dict or kind is dict:
        args = typing.get_args(kind) or (str, Any)
        return {key: from_json(args[1], value) for key, value in raw.items()}
    if kind is Any:
        return raw
    if isinstance(kind, type):
        if issubclass(kind, enum.Enum):
            return kind(raw)
        if kind is Decimal:
            return Decimal(raw)
        if kind is dt.datetime:
            return dt.datetime.fromisoformat(raw)
        if kind is dt.date:
            return dt.date.fromisoformat(raw)
        if dataclasses.is_dataclass(kind):
            hints = _hints(kind)
            return kind(**{f.name: from_json(hints[f.name], raw[f.name])
                           for f in dataclasses.fields(kind) if f.init and f.name in raw})
        if kind is float:
            return float(raw)
    return raw
