"""Paging of list calls, the same on every service's wire. Pure Python.

A request carries ``page.page_size`` (0 = the default, 50; at most 500) and ``page.cursor``
(empty for the first page, else the ``next_cursor`` of the previous page, unchanged). Cursors
are opaque to clients: a keyset cursor holds the sort key of the last row of the page, an offset
cursor the position of the next page (for short lists that only grow at one end).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from crm_chassis.errors import InvalidArgument

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
PAGE_SIZE_FIELD = "page.page_size"
CURSOR_FIELD = "page.cursor"

#: What one part of a keyset cursor may be (JSON round-trips these exactly).
KeyPart = str | int


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str = ""


def page_size(requested: int, *, field: str = PAGE_SIZE_FIELD) -> int:
    """``requested``, or the default for 0; INVALID_ARGUMENT naming ``field`` and the limits."""
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    if not 1 <= requested <= MAX_PAGE_SIZE:
        raise InvalidArgument(
            f"{field} must be 1..{MAX_PAGE_SIZE} (0 for the default "
            f"{DEFAULT_PAGE_SIZE}), got {requested}",
            field=field,
        )
    return requested


def bad_cursor(field: str = CURSOR_FIELD) -> InvalidArgument:
    """The one error for a cursor this service did not issue."""
    return InvalidArgument(
        f"{field} is not a cursor this service issued; pass the next_cursor "
        "of the previous page unchanged, or none for the first page",
        field=field,
    )


def _decode(cursor: str, field: str) -> object:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError):
        raise bad_cursor(field) from None


def encode_cursor(key: tuple[KeyPart, ...]) -> str:
    """A keyset cursor from the sort key of the last row of a page."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode("ascii")


def decode_cursor(cursor: str, *, field: str = CURSOR_FIELD) -> tuple[KeyPart, ...] | None:
    """The sort key held by a keyset cursor; None for no cursor (the first page)."""
    if not cursor:
        return None
    key = _decode(cursor, field)
    if not isinstance(key, list) or not all(
        isinstance(part, (str, int)) and not isinstance(part, bool) for part in key
    ):
        raise bad_cursor(field)
    return tuple(key)


def encode_offset(offset: int) -> str:
    """An offset cursor: the position of the next page's first row."""
    return encode_cursor(("o", offset))


def decode_offset(cursor: str, *, field: str = CURSOR_FIELD) -> int:
    """The position an offset cursor holds; 0 for no cursor (the first page)."""
    if not cursor:
        return 0
    key = decode_cursor(cursor, field=field)
    if key is None or len(key) != 2 or key[0] != "o" or not isinstance(key[1], int) or key[1] < 0:
        raise bad_cursor(field)
    return key[1]


def fetch_page(
    fetch: Callable[[tuple[KeyPart, ...] | None, int], list[T]],
    sort_key: Callable[[T], tuple[KeyPart, ...]],
    size: int,
    cursor: str,
) -> Page[T]:
    """One keyset page: ``fetch(after_key, limit)`` returns rows after ``after_key`` in sort
    order; it is asked for one row more than wanted, to know whether a next page exists."""
    wanted = page_size(size)
    rows = fetch(decode_cursor(cursor), wanted + 1)
    if len(rows) > wanted:
        return Page(rows[:wanted], encode_cursor(sort_key(rows[wanted - 1])))
    return Page(rows)


def fetch_offset_page(fetch: Callable[[int, int], list[T]], size: int, cursor: str) -> Page[T]:
    """One offset page: ``fetch(offset, limit)`` returns rows from ``offset`` in list order."""
    wanted = page_size(size)
    offset = decode_offset(cursor)
    rows = fetch(offset, wanted + 1)
    if len(rows) > wanted:
        return Page(rows[:wanted], encode_offset(offset + wanted))
    return Page(rows)
