"""Use cases of a person's in-app notifications: list, unread count, mark read.

Notifications are personal: a caller reads and marks only their own, and an id of someone
else's answers like an unknown one. A notification about a record the caller can no longer see
(transferred to another team, the caller left the team) is not shown: a team's data is visible
only to the team and the managers above it.
"""

from __future__ import annotations

import datetime as dt

from crm_chassis.caller import USER
from crm_chassis.errors import InvalidArgument, NotFound
from crm_chassis.paging import Page, decode_cursor, encode_cursor, page_size
from crm_deals.domain.notifications import Notification
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

_REPOS = {"opportunity": "opportunities", "account": "accounts", "contact": "contacts"}
LEAD = "lead"  # a task reminder of a lead (leads' lead_task_reminder_due)
MAX_MARK = 500


def _visible(uow: DealsUnitOfWork, access: Access, items: list[Notification]) -> list[Notification]:
    teams: dict[tuple[str, str], str] = {}
    for item in items:
        ref = (item.record_type, item.record_id)
        if ref in teams:
            continue
        if item.record_type == LEAD:
            # A lead is leads': its team when the reminder was written, as leads said.
            teams[ref] = item.team_id
            continue
        repo = getattr(uow, _REPOS.get(item.record_type, ""), None)
        record = repo.get(item.record_id) if repo is not None else None
        teams[ref] = getattr(record, "team_id", "")
    return [i for i in items if access.can_see(teams[i.record_type, i.record_id])]


def list_notifications(
    deps: Dependencies,
    caller: Caller,
    *,
    unread_only: bool = False,
    size: int = 0,
    cursor: str = "",
) -> Page[Notification]:
    """Newest first."""
    access = Access.of(caller, deps.scopes)
    limit = page_size(size)
    key = decode_cursor(cursor)
    before = None
    if key is not None:
        try:
            before = (dt.datetime.fromisoformat(str(key[0])), str(key[1]))
        except (ValueError, IndexError):
            raise InvalidArgument(
                "page.cursor is not a cursor this service issued", field="page.cursor"
            ) from None
    if caller.kind != USER:
        return Page([])
    with deps.uow() as uow:
        rows = uow.notifications.for_user(
            caller.subject_id, unread_only=unread_only, before=before, limit=limit + 1
        )
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor((rows[-1].created_at.isoformat(), rows[-1].id)) if more else ""
        return Page(_visible(uow, access, rows), next_cursor)


def unread_count(deps: Dependencies, caller: Caller) -> int:
    access = Access.of(caller, deps.scopes)
    if caller.kind != USER:
        return 0
    with deps.uow() as uow:
        return len(_visible(uow, access, uow.notifications.unread_of(caller.subject_id)))


def mark_read(
    deps: Dependencies, caller: Caller, *, ids: list[str], all_unread: bool = False
) -> int:
    """Mark the caller's notifications read: these ids, or with ``all_unread`` every unread one.
    Returns how many were unread and are read now."""
    access = Access.of(caller, deps.scopes)
    wanted = sorted({i.strip() for i in ids if i and i.strip()})
    if all_unread == bool(wanted):
        raise InvalidArgument("give the ids to mark read, or all_unread (not both)", field="ids")
    if len(wanted) > MAX_MARK:
        raise InvalidArgument(f"at most {MAX_MARK} ids at a time", field="ids")
    if caller.kind != USER:
        raise NotFound(f"notification {wanted[0] if wanted else ''!r} not found", field="ids")
    now = deps.clock.now()
    with deps.uow() as uow:
        unread = _visible(uow, access, uow.notifications.unread_of(caller.subject_id))
        if all_unread:
            wanted = [n.id for n in unread]
        found = set(uow.notifications.mark_read(caller.subject_id, wanted, now))
        missing = [i for i in wanted if i not in found]
        if missing:
            raise NotFound(f"notification {missing[0]!r} not found", field="ids")
        uow.commit()
        return len({n.id for n in unread} & set(wanted))
