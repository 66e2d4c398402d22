"""One row of a deals migration: a deal with its own history, open or closed years ago.

The deal is created at its ``created_at`` at its stage; a ``won`` row is closed on its
``close_date`` with ``actual_revenue`` (default: ``amount``) and makes its account a customer
from that day; a ``lost`` row is closed on its ``close_date`` with ``lost_reason``,
``competitor`` and ``note``. Every time in the history and the events (``deal_created``,
``deal_won``, ``deal_lost``, the account's relationship change) is the business time of the old
system, so reporting files the deal in its own quarter. Imported history fires no automation
rule: what it describes happened long ago.

``stage_history`` (``KEY=WHEN;KEY=WHEN``, oldest first) brings the stages the deal went through
with the times it entered them: the deal is created at the first one when that one was entered
at ``created_at`` (else at the pipeline's first stage), and enters each later one at its time
with its ``stage_changed`` history entry and ``deal_stage_changed`` event (the seconds it spent
in the stage before), so stage durations and funnels see the old system's times. A given
``stage_key`` must then be the last stage of the history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from google.protobuf.message import Message

from crm_chassis.errors import InvalidArgument
from crm_deals.domain import migration
from crm_deals.domain.accounts import Account
from crm_deals.domain.money import Money, validate_currency
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_relationship
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.pipeline_choice import pipeline_for
from crm_deals.service_layer.recording import keep_history, require_team_member
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

STATUSES = ("open", "won", "lost")


def import_deal(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    access: Access,
    row: dict[str, str],
    account: Account,
    now: dt.datetime,
    external_id: str,
    cache: dict[str, Any] | None = None,
) -> Opportunity:
    """Checks the row whole, then writes the deal and its events (nothing on a refusal)."""
    status = (row.get("status") or "open").lower()
    if status not in STATUSES:
        raise InvalidArgument(f"status '{status}' is not one of open, won, lost", field="status")
    access.require_member(account.team_id, "import deals for its accounts")
    cache = {} if cache is None else cache  # pipelines and members read once per batch
    owner = require_team_member(
        deps,
        account.team_id,
        row.get("owner_user_id") or caller.subject_id,
        "owner_user_id",
        cache,
    )
    currency = validate_currency(row.get("currency", ""), "currency")
    amount = migration.amount(row.get("amount", ""), currency, "amount")
    created = migration.business_time(row.get("created_at", ""), "created_at", now) or now
    closed_on = migration.close_date(row.get("close_date", ""), now)
    if status != "open" and closed_on is None:
        raise InvalidArgument(f"close_date is required for a {status} deal", field="close_date")
    day_closed = closed_on or created.date()
    # closed at the close date's start, and never before the deal's own creation
    closed_at = max(dt.datetime.combine(day_closed, dt.time(), dt.UTC), created)
    if day_closed < created.date():
        raise InvalidArgument("close_date lies before created_at", field="close_date")
    stages = migration.stage_history(row.get("stage_history", ""), created, now)
    if stages and row.get("stage_key") and row["stage_key"] != stages[-1][0]:
        raise InvalidArgument(
            f"stage_key '{row['stage_key']}' is not the last stage of stage_history "
            f"('{stages[-1][0]}'); give one of them, or both the same",
            field="stage_key",
        )
    if status != "open" and stages and stages[-1][1].date() > day_closed:
        raise InvalidArgument(
            "stage_history: a stage entered after the close_date", field="stage_history"
        )
    if stages:
        closed_at = max(closed_at, stages[-1][1])
    line_id = row.get("sales_line_id", "")
    cache_key = f"pipeline:{line_id}:{account.team_id}"
    pipeline = cache.get(cache_key) or pipeline_for(uow, line_id, account.team_id)
    cache[cache_key] = pipeline
    for key, _ in stages:
        if not pipeline.has_stage(key):
            raise InvalidArgument(
                f"stage_history: pipeline {pipeline.name!r} has no stage {key!r}; its stages: "
                f"{', '.join(s.key for s in pipeline.stages)}",
                field="stage_history",
            )
    first_key = stages[0][0] if stages and stages[0][1] == created else ""
    actor = caller.actor  # one Actor for the row's every entry and event
    deal = Opportunity.create(
        id=deps.ids.new_id(),
        team_id=account.team_id,
        name=row.get("name", ""),
        account_id=account.id,
        pipeline=pipeline,
        owner_user_id=owner,
        currency=currency,
        stage_key=first_key if stages else row.get("stage_key", ""),
        estimated_revenue=Money(amount, currency) if amount is not None else None,
        estimated_close_date=closed_on,
        actor=actor,
        at=created,
    )
    # Each event is built at its moment with the deal's version then (reporting rebuilds a
    # deal's stage stays from its snapshots by version) and written once the row is accepted.
    events: list[tuple[str, Message, int]] = [
        ("deal_created", event_messages.deal_created(deal), deal.version)
    ]
    for key, entered in stages:  # each stage at the time it was entered, with its event
        before, since = deal.stage_key, deal.stage_entered_at
        if deal.move_to_stage(actor, entered, pipeline.stage(key), "imported stage history"):
            seconds = int((entered - since).total_seconds())
            changed = event_messages.deal_stage_changed(deal, before, seconds)
            events.append(("deal_stage_changed", changed, deal.version))
    account_changed, previous = False, account.relationship
    if status == "won":
        revenue = migration.amount(row.get("actual_revenue", ""), currency, "actual_revenue")
        revenue = revenue if revenue is not None else amount
        deal.close_won(
            actor,
            closed_at,
            today=now.date(),
            actual_revenue=Money(revenue, currency) if revenue is not None else None,
            actual_close_date=closed_on,
        )
        events.append(("deal_won", event_messages.deal_won(deal), deal.version))
        account_changed = account.record_won_deal(actor, closed_at)
    elif status == "lost":
        try:
            deal.close_lost(
                actor,
                closed_at,
                today=now.date(),
                close_date=day_closed,
                reason=row.get("lost_reason", ""),
                competitor=row.get("competitor", ""),
                note=row.get("note", ""),
            )
        except InvalidArgument as error:  # named as the file's field
            field = "lost_reason" if error.field == "reason" else error.field
            raise InvalidArgument(error.message, field=field) from None
        events.append(("deal_lost", event_messages.deal_lost(deal), deal.version))
    deal._record(actor, now, "imported", note=f"migration import, external id {external_id}")
    uow.opportunities.add(deal)
    keep_history(uow, deal)
    for event_type, message, version in events:
        uow.emit(
            event_type,
            message,
            aggregate_type=deal.RECORD_TYPE,
            aggregate_id=deal.id,
            aggregate_version=version,
            actor=actor,
        )
    if account_changed:
        uow.accounts.save(account)
        keep_history(uow, account)
        publish_relationship(uow, account, caller, previous, "first won deal (imported history)")
    return deal
