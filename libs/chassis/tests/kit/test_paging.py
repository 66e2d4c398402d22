"""Page sizes and cursors: one rule and one message for every service."""

from __future__ import annotations

import base64

import pytest

from crm_chassis.errors import InvalidArgument
from crm_chassis.paging import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Page,
    decode_cursor,
    decode_offset,
    encode_cursor,
    encode_offset,
    fetch_offset_page,
    fetch_page,
    page_size,
)


def test_page_size_defaults_and_limits():
    assert page_size(0) == DEFAULT_PAGE_SIZE == 50
    assert page_size(1) == 1 and page_size(MAX_PAGE_SIZE) == 500
    for bad in (-1, 501):
        with pytest.raises(InvalidArgument) as raised:
            page_size(bad)
        assert raised.value.field == "page.page_size"
        assert "1..500" in str(raised.value) and str(bad) in str(raised.value)


def test_page_size_names_the_field_given():
    with pytest.raises(InvalidArgument) as raised:
        page_size(1000, field="page_size")
    assert raised.value.field == "page_size" and str(raised.value).startswith("page_size ")


def test_keyset_cursor_round_trips_strings_and_integers():
    key = ("Acme", "id-7", 3)
    assert decode_cursor(encode_cursor(key)) == key
    assert decode_cursor("") is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b"[1.5]").decode(),
        base64.urlsafe_b64encode(b"[true]").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),
        "ZZZ",
    ],
)
def test_a_cursor_this_service_did_not_issue_gets_one_message(cursor):
    with pytest.raises(InvalidArgument) as raised:
        decode_cursor(cursor)
    assert raised.value.field == "page.cursor"
    assert "not a cursor this service issued" in str(raised.value)


def test_offset_cursor_round_trips_and_refuses_keyset_cursors():
    assert decode_offset(encode_offset(150)) == 150
    assert decode_offset("") == 0
    for bad in (encode_cursor(("name", "id")), encode_cursor(("o", -1))):
        with pytest.raises(InvalidArgument, match="not a cursor this service issued"):
            decode_offset(bad)


ROWS = [(f"n{i:02d}", f"id{i}") for i in range(7)]


def _fetch(after, limit):
    return [row for row in ROWS if after is None or row > after][:limit]


def test_fetch_page_walks_every_row_once_and_ends_with_an_empty_cursor():
    seen, cursor = [], ""
    while True:
        page = fetch_page(_fetch, lambda row: row, 3, cursor)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ROWS


def test_a_last_page_exactly_full_has_no_next_cursor():
    assert fetch_page(_fetch, lambda row: row, 7, "") == Page(ROWS, "")


def test_fetch_offset_page_walks_every_row_once():
    seen, cursor = [], ""
    while True:
        page = fetch_offset_page(lambda offset, limit: ROWS[offset : offset + limit], 2, cursor)
        seen += page.items
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == ROWS
