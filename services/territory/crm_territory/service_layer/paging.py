"""Keyset pages of the lists the use cases hold in memory (the organisation is read whole), on
the platform's paging conventions (``crm_chassis.paging``: the page size limits, the opaque
cursor, one error message each)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from crm_chassis.paging import KeyPart, Page, bad_cursor, fetch_page

T = TypeVar("T")


def paginate(
    items: Iterable[T], key: Callable[[T], tuple[KeyPart, ...]], requested_size: int, cursor: str
) -> Page[T]:
    """One page of ``items`` in ``key`` order after the cursor's key: stable under inserts and
    deletes between pages."""
    ordered = sorted(items, key=key)

    def after(start: tuple[KeyPart, ...] | None, limit: int) -> list[T]:
        if start is None:
            return ordered[:limit]
        try:
            return [item for item in ordered if key(item) > start][:limit]
        except TypeError:  # the key of another list: its parts compare with nothing here
            raise bad_cursor() from None

    return fetch_page(after, key, requested_size, cursor)
