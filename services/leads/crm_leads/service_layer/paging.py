"""Offset cursors for short, append-mostly lists (history, activities of one lead).

Search uses keyset cursors (domain/search.py); these lists belong to one lead, are short and
only grow at one end, so an offset is exact and cheap.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from crm_chassis.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page:
    items: list[Any]
    next_cursor: str = ""


def offset_of(cursor: str, page_size: int) -> tuple[int, int]:
    size = page_size or DEFAULT_PAGE_SIZE
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidArgument(f"page_size is {page_size}; use 1..{MAX_PAGE_SIZE} (0 means "
                              f"{DEFAULT_PAGE_SIZE})", field="page.page_size")
    if not cursor:
        return 0, size
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, number = text.split(":")
        offset = int(number)
        if prefix != "o" or offset < 0:
            raise ValueError
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument("page.cursor is not a cursor this service gave out; start again "
                              "without a cursor", field="page.cursor") from None
    return offset, size


def next_cursor(offset: int, size: int, fetched: int) -> str:
    """Cursor of the next page, given that size + 1 rows were asked for and ``fetched`` came."""
    if fetched <= size:
        return ""
    return base64.urlsafe_b64encode(f"o:{offset + size}".encode()).decode().rstrip("=")
