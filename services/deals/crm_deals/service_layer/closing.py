"""Use cases that close and reopen deals."""

from __future__ import annotations

import datetime as dt

from crm_deals.domain import automation
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.workflows import MANUAL_WIN, require_step
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_relationship
from crm_deals.service_layer.automations import fire
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, referenced
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def close_won(
    deps: Dependencies,
    caller: Caller,
    deal_id: str,
    *,
    actual_revenue: Money | None,
    actual_close_date: dt.date | None,
) -> Opportunity:
    """Won: needs the actual revenue and close date; the account becomes a customer. A contract
    line's deal is won by signing its contract instead (domain/workflows.py)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_edit(deal, "close this deal")
        require_step(uow.sales_lines.get(deal.sales_line_id), MANUAL_WIN, deal.name)
        win(
            uow,
            deps,
            caller,
            deal,
            actual_revenue=actual_revenue,
            actual_close_date=actual_close_date,
        )
        uow.commit()
    return deal


def win(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    deal: Opportunity,
    *,
    actual_revenue: Money | None,
    actual_close_date: dt.date | None,
) -> None:
    """Close ``deal`` as won inside the caller's unit of work (by hand, by a signed contract or
    by an accepted pro-forma invoice): its event, the account's relationship, the automations."""
    now = deps.clock.now()
    deal.close_won(
        caller.actor,
        now,
        actual_revenue=actual_revenue,
        actual_close_date=actual_close_date,
        today=now.date(),
    )
    uow.opportunities.save(deal)
    keep_history(uow, deal)
    publish(uow, "deal_won", event_messages.deal_won(deal), deal, caller)
    account = referenced(uow.accounts.get(deal.account_id), "account", deal.account_id)
    previous = account.relationship
    changed = account.record_won_deal(caller.actor, now)
    uow.accounts.save(account)
    if changed:
        keep_history(uow, account)
        publish_relationship(
            uow,
            account,
            caller,
            previous,
            "won back" if previous == "churned" else "first won deal",
        )
    fire(uow, deps, caller, deal, automation.WON)


def close_lost(
    deps: Dependencies,
    caller: Caller,
    deal_id: str,
    *,
    reason: str,
    competitor: str = "",
    note: str = "",
    close_date: dt.date | None = None,
) -> Opportunity:
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_edit(deal, "close this deal")
        deal.close_lost(
            caller.actor,
            now,
            reason=reason,
            competitor=competitor,
            note=note,
            close_date=close_date or now.date(),
            today=now.date(),
        )
        uow.opportunities.save(deal)
        keep_history(uow, deal)
        publish(uow, "deal_lost", event_messages.deal_lost(deal), deal, caller)
        fire(uow, deps, caller, deal, automation.LOST)
        uow.commit()
    return deal


def reopen(deps: Dependencies, caller: Caller, deal_id: str, reason: str) -> Opportunity:
    """Reopen a closed deal: its owner or a manager above its team; audited with the reason.
    The account stays a customer (another deal was or may be won; churn is decided apart)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_reopen(deal)
        previous = deal.status
        pipeline = referenced(uow.pipelines.get(deal.pipeline_id), "pipeline", deal.pipeline_id)
        deal.reopen(caller.actor, deps.clock.now(), reason, pipeline)
        uow.opportunities.save(deal)
        keep_history(uow, deal)
        publish(
            uow,
            "deal_reopened",
            event_messages.deal_reopened(deal, previous, reason.strip()),
            deal,
            caller,
        )
        uow.commit()
    return deal
