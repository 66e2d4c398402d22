"""Domain records <-> JSON documents, driven by the dataclasses' type hints.

Each deals table keeps the columns it is queried, sorted, locked or constrained by, plus the
whole record as a JSON document (``body``): the aggregates are read and written whole, and new
optional fields need no migration. Exactness: Decimals and Money amounts are stored as decimal
strings (never floats), datetimes as ISO 8601 with their UTC offset, dates as ISO dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from decimal import Decimal
from functools import cache

import orjson

# Transient state of an aggregate (history waiting to be appended), never stored.
_TRANSIENT = frozenset({"pending_history"})
_DUMPS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


@cache
def _fields(cls) -> tuple[tuple[str, object], ...]:
    hints = typing.get_type_hints(cls)
    return tuple(
        (f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.name not in _TRANSIENT
    )


# Most values of a record are plain already: answered before the checks below (a document is
# written per save, its fields walked each time; in a 100,000-deal import this was the
# importer's largest cost). Exact types only: a subclass takes the general path.
_AS_IS = frozenset({str, int, bool, float, type(None)})


@cache
def _names(cls) -> tuple[str, ...] | None:
    """The stored fields of a dataclass type, None for any other type."""
    return tuple(name for name, _ in _fields(cls)) if dataclasses.is_dataclass(cls) else None


def _plain(value):
    kind = type(value)
    if kind in _AS_IS:
        return value
    names = _names(kind)
    if names is not None:  # a plain field is taken here, without a call per field
        out = {}
        for name in names:
            item = getattr(value, name)
            out[name] = item if type(item) in _AS_IS else _plain(item)
        return out
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _typed(hint, raw):
    if raw is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(options[0], raw)
    if origin is tuple:
        (item, *_rest) = typing.get_args(hint)
        return tuple(_typed(item, v) for v in raw)
    if origin is list:
        return [_typed(typing.get_args(hint)[0], v) for v in raw]
    if origin is dict:
        return dict(raw)
    if hint is Decimal:
        return Decimal(raw)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(raw)
    if hint is dt.date:
        return dt.date.fromisoformat(raw)
    if dataclasses.is_dataclass(hint):
        return from_plain(hint, raw)
    return raw


def from_plain(cls, data: dict):
    known = {name: _typed(hint, data[name]) for name, hint in _fields(cls) if name in data}
    return cls(**known)


def dumps(record, **replacing) -> str:
    """The record's document; ``replacing`` overrides fields as stored (e.g. a sealed secret).
    orjson (keys sorted, compact, UTF-8 as is): a document is written per record and history
    entry, several per imported deal, and orjson costs a sixth of ``json.dumps`` on one;
    ``loads`` reads either."""
    return orjson.dumps(_plain(record) | replacing, option=_DUMPS).decode()


def loads(cls, body: str):
    return from_plain(cls, json.loads(body))
