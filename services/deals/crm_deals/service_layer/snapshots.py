"""The backfill of a consumer that joins a running platform (reporting): deals re-publishes the
current state of its deals and accounts as ``deal_snapshot`` / ``account_snapshot`` events.

Why snapshots through the outbox (docs/design-notes.md, "Backfill"): deals' events already carry
the whole record, so a snapshot is one more event of the same shape; it travels the consumer's
ordinary path (inbox, versions), and the relay publishes it in outbox order after every event the
record had before. Each snapshot carries the record's current version as its aggregate version:
a consumer holding that version or a newer one changes nothing, and a later change of the record
has a higher version, so a snapshot delivered late loses to it. Repeating a backfill is harmless.

One call writes one page (in creation order, keyset cursor), in one transaction, so a backfill of
a million deals is many short transactions that a caller resumes from the last cursor.

Who: the management department, or a service account with the ``publish_deal_snapshots`` role.
The caller learns counts only: the records go to the broker, where only the consumers that
subscribe to the snapshot types (reporting, which applies the visibility rules itself) read them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from google.protobuf.message import Message

from crm_chassis.caller import SERVICE, USER, require_authenticated
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_chassis.service_roles import PUBLISH_DEAL_SNAPSHOTS
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import MANAGEMENT, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import publish
from crm_deals.service_layer.repositories import PageQuery
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

DEALS, ACCOUNTS, PIPELINES = "deals", "accounts", "pipelines"
KINDS = (DEALS, ACCOUNTS, PIPELINES)


@dataclass(frozen=True)
class Published:
    """What one call wrote: how many snapshot events, and the key of the next page ('' = done)."""

    count: int
    next_key: str


def require_snapshot_right(caller: Caller | None) -> Caller:
    """The management department (a person) or a service account granted the role."""
    who = cast(Caller, require_authenticated(caller))
    if who.kind == USER and who.in_department(MANAGEMENT):
        return who
    if who.kind == SERVICE and who.has_role(PUBLISH_DEAL_SNAPSHOTS):
        return who
    raise PermissionDenied(
        "re-publishing snapshots is for the management department or a service account with "
        f"the {PUBLISH_DEAL_SNAPSHOTS!r} role"
    )


def _snapshots(
    uow: DealsUnitOfWork, kind: str, page: PageQuery
) -> tuple[str, list[tuple[Any, Message]], str]:
    """(event type, [(record, message)], next key) of one page of ``kind``."""
    messages: list[tuple[Any, Message]]
    if kind == DEALS:
        deals = uow.opportunities.every(page)
        messages = [(d, event_messages.deal_snapshot(d)) for d in deals.items]
        return "deal_snapshot", messages, deals.next_key
    if kind == PIPELINES:
        # A few per sales line: one page of every pipeline after the key, by id.
        ordered = sorted(uow.pipelines.all(), key=lambda p: p.id)
        after = [p for p in ordered if p.id > page.after_key][: page.limit + 1]
        more = len(after) > page.limit
        chosen = after[: page.limit]
        messages = [(p, event_messages.pipeline_snapshot(p)) for p in chosen]
        return "pipeline_snapshot", messages, chosen[-1].id if more else ""
    accounts = uow.accounts.every(page)
    messages = [(a, event_messages.account_snapshot(a)) for a in accounts.items]
    return "account_snapshot", messages, accounts.next_key


def publish_snapshots(
    deps: Dependencies, caller: Caller | None, *, kind: str, page: PageQuery
) -> Published:
    """Write one page of ``kind`` records (``deals``, ``accounts`` or ``pipelines``) to the
    outbox as snapshots,
    each at the record's current version."""
    who = require_snapshot_right(caller)
    if kind not in KINDS:
        raise InvalidArgument(
            f"kind must be one of {', '.join(KINDS)}; got {kind or 'nothing'!r}", field="kind"
        )
    with deps.uow() as uow:
        event_type, messages, next_key = _snapshots(uow, kind, page)
        for record, message in messages:
            publish(uow, event_type, message, record, who)
        uow.commit()
    return Published(len(messages), next_key)
