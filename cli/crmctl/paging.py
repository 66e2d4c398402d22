"""Following a paged list call to its end: every list request of the platform carries a
``crm.common.v1.PageRequest`` and every response one repeated field of records beside a
``crm.common.v1.PageInfo`` (named ``page`` or ``page_info``) whose ``next_cursor`` is empty on
the last page."""

from __future__ import annotations

from collections.abc import Iterator

from crmctl.session import Session

MAX_PAGE_SIZE = 500


def _page_info_field(response) -> str:
    for field in response.DESCRIPTOR.fields:
        if (
            field.message_type is not None
            and field.message_type.full_name == "crm.common.v1.PageInfo"
        ):
            return field.name
    raise TypeError(f"{response.DESCRIPTOR.full_name} has no crm.common.v1.PageInfo field")


def _records_field(response, page_field: str) -> str:
    repeated = [
        f.name for f in response.DESCRIPTOR.fields if f.name != page_field and f.is_repeated
    ]
    if len(repeated) != 1:
        raise TypeError(f"{response.DESCRIPTOR.full_name}: no single repeated field of records")
    return repeated[0]


def pages(session: Session, method, request, *, limit: int = 0) -> Iterator:
    """Every record of a paged list call, at most ``limit`` of them (0: all), asking for as many
    a page as are wanted (the platform's maximum, 500, when all are)."""
    request.page.page_size = min(limit, MAX_PAGE_SIZE) if limit else MAX_PAGE_SIZE
    count = 0
    while True:
        response = session.call(method, request)
        page_field = _page_info_field(response)
        for record in getattr(response, _records_field(response, page_field)):
            yield record
            count += 1
            if limit and count >= limit:
                return
        cursor = getattr(response, page_field).next_cursor
        if not cursor:
            return
        request.page.cursor = cursor


def publish_snapshots(session: Session, method, request_cls, kinds: dict[str, int]) -> list[dict]:
    """Every page of a ``PublishSnapshots`` call (the backfill of a consumer joining a running
    platform) for each kind in turn; one row per kind: how many snapshots and in how many calls.
    Each call is one short transaction on the server, so a large backfill is many small steps."""
    rows = []
    for word, number in kinds.items():
        request = request_cls(kind=number)
        request.page.page_size = MAX_PAGE_SIZE
        published = calls = 0
        while True:
            response = session.call(method, request)
            published += response.published
            calls += 1
            if not response.page.next_cursor:
                break
            request.page.cursor = response.page.next_cursor
        rows.append({"kind": word, "published": published, "calls": calls})
    return rows
