"""Use cases of opportunities (deals): create, read, edit, move through the pipeline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from crm_chassis.errors import InvalidArgument, NotFound
from crm_deals.domain import automation, notifications
from crm_deals.domain.closing import LOST_REASONS
from crm_deals.domain.duplicates import require_not_merged
from crm_deals.domain.history import HistoryEntry
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import STATUSES, Opportunity
from crm_deals.domain.pipelines import Pipeline
from crm_deals.domain.pricing import LineRequest, check_line_requests, check_priced, mark_existing
from crm_deals.service_layer import customer_emails, event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.automations import fire
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.notifying import notify
from crm_deals.service_layer.pipeline_choice import pipeline_for
from crm_deals.service_layer.ports import PricingContext
from crm_deals.service_layer.recording import (
    check_fields,
    check_version,
    keep_history,
    publish,
    referenced,
    require_team_member,
)
from crm_deals.service_layer.repositories import FIRST_PAGE, DealFilter, Page, PageQuery
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def publish_deal_updated(
    uow: DealsUnitOfWork,
    deal: Opportunity,
    caller: Caller,
    changed: Iterable[str],
    reason: str = "",
) -> None:
    publish(uow, "deal_updated", event_messages.deal_updated(deal, changed, reason), deal, caller)


def tell_new_owner(
    uow: DealsUnitOfWork, caller: Caller, deal: Opportunity, trigger: str, reason: str
) -> None:
    """Notify a deal's new owner (assigned, handed over, transferred), once per change."""
    what = {
        notifications.ASSIGNED: "was assigned to you",
        notifications.HANDED_OVER: "was handed over to you",
        notifications.TRANSFERRED: "was transferred to your team and you own it",
    }[trigger]
    notify(
        uow,
        caller,
        key=f"{trigger}:{deal.id}:{deal.version}",
        trigger=trigger,
        record_type="opportunity",
        record_id=deal.id,
        record_version=deal.version,
        team_id=deal.team_id,
        recipients=[deal.owner_user_id],
        title=f"Deal {deal.name!r} {what}",
        text=f"Deal {deal.name!r} {what}" + (f": {reason}" if reason else "."),
    )


def create_deal(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    account_id: str,
    sales_line_id: str,
    currency: str,
    stage_key: str = "",
    primary_contact_id: str = "",
    owner_user_id: str = "",
    estimated_revenue: Money | None = None,
    estimated_close_date: dt.date | None = None,
    probability: int | None = None,
    campaign_id: str = "",
    territory_id: str = "",
) -> Opportunity:
    """A deal of the account's team; it goes into the pipeline of its territory (``territory_id``
    or the team's territories on the line) or of its line (service_layer/pipeline_choice.py)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        account = access.visible(uow.accounts.get(account_id), "account", account_id)
        require_not_merged(account)
        access.require_member(account.team_id, "create deals for its accounts")
        owner = require_team_member(
            deps, account.team_id, owner_user_id or caller.subject_id, "owner_user_id"
        )
        if primary_contact_id:
            contact = uow.contacts.get(primary_contact_id)
            if contact is None or contact.account_id != account.id:
                raise InvalidArgument(
                    f"contact {primary_contact_id!r} is not a contact of account {account.name!r}",
                    field="primary_contact_id",
                )
            require_not_merged(contact, "primary_contact_id")
        deal = Opportunity.create(
            id=deps.ids.new_id(),
            team_id=account.team_id,
            name=name,
            account_id=account.id,
            pipeline=pipeline_for(uow, sales_line_id, account.team_id, territory_id),
            owner_user_id=owner,
            currency=currency,
            stage_key=stage_key,
            primary_contact_id=primary_contact_id,
            estimated_revenue=estimated_revenue,
            estimated_close_date=estimated_close_date,
            probability=probability,
            campaign_id=campaign_id,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.opportunities.add(deal)
        keep_history(uow, deal)
        publish(uow, "deal_created", event_messages.deal_created(deal), deal, caller)
        # A new deal enters its first (or chosen) stage: that stage's rules fire too.
        fire(uow, deps, caller, deal, automation.STAGE_ENTERED, stage_key=deal.stage_key)
        uow.commit()
    return deal


def get_deal(deps: Dependencies, caller: Caller, deal_id: str) -> Opportunity:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.opportunities.get(deal_id), "deal", deal_id)


def list_deals(
    deps: Dependencies, caller: Caller, filter: DealFilter, page: PageQuery
) -> Page[Opportunity]:
    if filter.status and filter.status not in STATUSES:
        raise InvalidArgument(f"status must be one of {', '.join(STATUSES)}", field="status")
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return uow.opportunities.list(access.visible_team_ids, filter, page)


def lost_reasons() -> dict[str, str]:
    """The reasons a deal may be lost for (key -> description), in display order."""
    return dict(LOST_REASONS)


@dataclass(frozen=True)
class BoardColumn:
    stage_key: str
    stage_name: str
    deals: list[Opportunity]
    total: dict[str, Money]  # per currency: sum of the estimated revenues
    weighted: dict[str, Money]


@dataclass(frozen=True)
class Board:
    pipeline: Pipeline
    columns: list[BoardColumn]
    truncated: bool  # more than `limit` open deals: the columns show the oldest `limit`


def board(
    deps: Dependencies, caller: Caller, sales_line_id: str, *, team_id: str = "", limit: int = 2000
) -> Board:
    """The open deals of a sales line the caller may see, as one column per stage: those in the
    line's pipeline, or with ``team_id`` in the pipeline that team's deals of the line go into."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        pipeline = pipeline_for(uow, sales_line_id, team_id)
        page = uow.opportunities.list(
            access.visible_team_ids,
            DealFilter(status="open", sales_line_id=sales_line_id, team_id=team_id),
            PageQuery(limit=limit),
        )
    columns = []
    for stage in pipeline.stages:
        deals = [d for d in page.items if d.stage_key == stage.key and d.pipeline_id == pipeline.id]
        totals: dict[str, Money] = {}
        weighted: dict[str, Money] = {}
        for deal in deals:
            revenue, weighted_revenue = deal.estimated_revenue, deal.weighted_revenue
            if revenue is not None and weighted_revenue is not None:
                cur = deal.currency
                totals[cur] = totals.get(cur, Money.zero(cur)) + revenue
                weighted[cur] = weighted.get(cur, Money.zero(cur)) + weighted_revenue
        columns.append(BoardColumn(stage.key, stage.name, deals, totals, weighted))
    return Board(pipeline, columns, truncated=bool(page.next_key))


def _load_for_edit(
    uow: DealsUnitOfWork, access: Access, deal_id: str, doing: str, expected_version: int = 0
) -> Opportunity:
    deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
    access.require_edit(deal, doing)
    deal.ensure_open()
    check_version(deal, expected_version)
    return deal


def update_deal(
    deps: Dependencies, caller: Caller, deal_id: str, *, expected_version: int = 0, **fields: Any
) -> Opportunity:
    check_fields(
        fields, ("name", "primary_contact_id", "estimated_close_date", "campaign_id"), "deal"
    )
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = _load_for_edit(uow, access, deal_id, "change this deal", expected_version)
        contact_id = fields.get("primary_contact_id")
        if contact_id:
            contact = uow.contacts.get(contact_id)
            if contact is None or contact.account_id != deal.account_id:
                raise InvalidArgument(
                    f"contact {contact_id!r} is not a contact of the deal's account",
                    field="primary_contact_id",
                )
            require_not_merged(contact, "primary_contact_id")
        changed = deal.update(caller.actor, deps.clock.now(), **fields)
        _finish(uow, deal, caller, changed)
    return deal


def _finish(
    uow: DealsUnitOfWork,
    deal: Opportunity,
    caller: Caller,
    changed: Iterable[str],
    reason: str = "",
) -> None:
    if changed:
        uow.opportunities.save(deal)
        keep_history(uow, deal)
        publish_deal_updated(uow, deal, caller, changed, reason)
        uow.commit()


def move_deal_to_stage(
    deps: Dependencies,
    caller: Caller,
    deal_id: str,
    stage_key: str,
    note: str = "",
    expected_version: int = 0,
) -> Opportunity:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        deal = _load_for_edit(uow, access, deal_id, "move this deal", expected_version)
        pipeline = referenced(uow.pipelines.get(deal.pipeline_id), "pipeline", deal.pipeline_id)
        before, entered = deal.stage_key, deal.stage_entered_at
        if deal.move_to_stage(caller.actor, now, pipeline.stage(stage_key), note):
            uow.opportunities.save(deal)
            keep_history(uow, deal)
            publish(
                uow,
                "deal_stage_changed",
                event_messages.deal_stage_changed(
                    deal, before, int((now - entered).total_seconds())
                ),
                deal,
                caller,
            )
            fire(uow, deps, caller, deal, automation.STAGE_ENTERED, stage_key=deal.stage_key)
            customer_emails.on_stage_entered(uow, deps, caller, deal)
            uow.commit()
    return deal


def set_probability(
    deps: Dependencies, caller: Caller, deal_id: str, probability: int | None
) -> Opportunity:
    """Set a hand-made probability (kept through stage moves), or clear it with None."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = _load_for_edit(uow, access, deal_id, "change this deal's probability")
        if probability is None:
            changed = deal.clear_probability(caller.actor, deps.clock.now())
        else:
            changed = deal.set_probability(caller.actor, deps.clock.now(), probability)
        _finish(uow, deal, caller, ["probability"] if changed else [])
    return deal


def set_estimated_revenue(
    deps: Dependencies, caller: Caller, deal_id: str, amount: Money | None
) -> Opportunity:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = _load_for_edit(uow, access, deal_id, "change this deal's revenue")
        changed = deal.set_estimated_revenue(caller.actor, deps.clock.now(), amount)
        _finish(uow, deal, caller, ["estimated_revenue"] if changed else [])
    return deal


def set_deal_lines(
    deps: Dependencies,
    caller: Caller,
    deal_id: str,
    lines: list[LineRequest],
    price_list_id: str = "",
) -> Opportunity:
    """Price ``lines`` with catalog; the deal's revenue becomes their exact sum ([] clears)."""
    access = Access.of(caller, deps.scopes)
    check_line_requests(lines)
    with deps.uow() as uow:
        deal = _load_for_edit(uow, access, deal_id, "change this deal's products")
        priced = []
        if lines:
            answer = deps.pricing.price(
                mark_existing(lines, deal.lines),
                PricingContext(
                    currency=deal.currency,
                    sales_line_id=deal.sales_line_id,
                    account_id=deal.account_id,
                    pricing_date=deps.clock.now().date(),
                    price_list_id=price_list_id,
                ),
            )
            priced = list(check_priced(answer, lines, deal.currency).lines)
        deal.set_lines(caller.actor, deps.clock.now(), priced)
        _finish(uow, deal, caller, ["lines", "estimated_revenue"])
    return deal


def reassign_deal(
    deps: Dependencies, caller: Caller, deal_id: str, owner_user_id: str, reason: str = ""
) -> Opportunity:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_role(deal.team_id, "supervisor", "reassign deals")
        require_team_member(deps, deal.team_id, owner_user_id, "owner_user_id")
        changed = deal.reassign(caller.actor, deps.clock.now(), owner_user_id, reason)
        if changed:
            tell_new_owner(uow, caller, deal, notifications.ASSIGNED, reason)
        _finish(uow, deal, caller, ["owner_user_id"] if changed else [], reason)
    return deal


def history(
    deps: Dependencies,
    caller: Caller,
    record_type: str,
    record_id: str,
    page: PageQuery = FIRST_PAGE,
) -> Page[HistoryEntry]:
    """The append-only history of a record the caller may see (oldest first)."""
    repos = {
        "account": "accounts",
        "contact": "contacts",
        "opportunity": "opportunities",
        "activity": "activities",
        "quote": "quotes",
        "order": "orders",
        "invoice": "invoices",
    }
    if record_type not in repos:
        raise InvalidArgument(f"record_type must be one of {', '.join(repos)}", field="record_type")
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        record = getattr(uow, repos[record_type]).get(record_id)
        if record is None or not access.can_see(record.team_id):
            raise NotFound(f"{record_type} {record_id!r} not found", field="record_id")
        merged = getattr(record, "merged_ids", ())  # a merge survivor: the merged ones' too
        return uow.history.for_record(record_type, record_id, page, merged_ids=merged)
