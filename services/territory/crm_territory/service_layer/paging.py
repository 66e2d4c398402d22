"""Keyset paging of the list use cases: page size limits and the opaque cursor."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from crm_chassis.errors import InvalidArgument

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str


def page_size(requested: int) -> int:
    if requested < 0 or requested > MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size must be 0..{MAX_PAGE_SIZE}, got {requested}",
                              field="page.page_size")
    return requested or DEFAULT_PAGE_SIZE


def encode_cursor(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def decode_cursor(cursor: str) -> list | None:
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError):
        raise InvalidArgument("page.cursor is not a cursor this service returned",
                              field="page.cursor") from None
    if not isinstance(key, list):
        raise InvalidArgument("page.cursor is not a cursor this service returned",
                              field="page.cursor")
    return key


def paginate(items: Iterable[T], key: Callable[[T], list], requested_size: int,
             cursor: str) -> Page[T]:
    """Keyset paging over an in-memory list: stable under inserts and deletes."""
    size = page_size(requested_size)
    after = decode_cursor(cursor)
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [i for i in ordered if key(i) > after]
    chunk = ordered[:size]
    more = len(ordered) > size
    return Page(chunk, encode_cursor(key(chunk[-1])) if more and chunk else "")
