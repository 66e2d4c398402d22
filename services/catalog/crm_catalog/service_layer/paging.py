"""Opaque keyset cursors and page-size rules shared by every list use case."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

from crm_chassis.errors import InvalidArgument

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str


def page_size(requested: int) -> int:
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    if not 1 <= requested <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be 1..{MAX_PAGE_SIZE} (0 for the default "
                              f"{DEFAULT_PAGE_SIZE}), got {requested}", field="page.page_size")
    return requested


def decode_cursor(cursor: str) -> tuple | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if not isinstance(key, list) or not all(isinstance(part, str) for part in key):
            raise ValueError
        return tuple(key)
    except (ValueError, UnicodeError):
        raise InvalidArgument("page.cursor is not a cursor this service issued; pass the "
                              "next_cursor of the previous page unchanged",
                              field="page.cursor") from None


def encode_cursor(key: tuple) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode("ascii")


def fetch_page(fetch: Callable[[tuple | None, int], list[T]], sort_key: Callable[[T], tuple],
               size: int, cursor: str) -> Page[T]:
    """Asks for one row more than wanted to know whether a next page exists."""
    rows = fetch(decode_cursor(cursor), page_size(size) + 1)
    wanted = page_size(size)
    if len(rows) > wanted:
        return Page(rows[:wanted], encode_cursor(sort_key(rows[wanted - 1])))
    return Page(rows, "")
