"""Lead conversion: the answer to leads' `lead_conversion_requested` (a saga step).

In one transaction: the account (created from the lead's company, or the one to link), a contact
for the lead's person, and an opportunity in the pipeline of its territory or else of its sales
line (pipeline_choice.py), owned by the lead's owner in the lead's team, with the lead's sales
interactions copied to them
(conversion_interactions.py); then `lead_conversion_completed`. Idempotent by
``conversion_id``: a repeated request answers the same ids again and creates nothing. A request deals cannot satisfy
is answered `lead_conversion_rejected`, retryable or not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.errors import CrmError, FailedPrecondition
from crm_deals.domain import automation
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.automations import fire
from crm_deals.service_layer.conversion_interactions import LeadInteraction, copy_interactions
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.pipeline_choice import pipeline_for
from crm_deals.service_layer.recording import keep_history, publish
from crm_deals.service_layer.repositories import ConversionRecord
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass(frozen=True)
class LeadConversion:
    conversion_id: str
    lead_id: str
    team_id: str
    owner_user_id: str
    sales_line_id: str
    company_name: str
    first_name: str
    last_name: str
    email: str = ""
    phone: str = ""
    job_title: str = ""
    link_account_id: str = ""
    opportunity_name: str = ""
    expected_amount: Money | None = None
    expected_close: dt.date | None = None
    campaign_id: str = ""
    currency: str = "EUR"
    interactions: tuple[LeadInteraction, ...] = ()


class _Rejected(Exception):
    def __init__(self, reason: str, retryable: bool):
        super().__init__(reason)
        self.reason, self.retryable = reason, retryable


def convert_lead(
    deps: Dependencies, caller: Caller, request: LeadConversion
) -> ConversionRecord | None:
    """Returns the conversion, or None when it was rejected (the rejection event is emitted)."""
    with deps.uow() as uow:
        done = uow.conversions.get(request.conversion_id)
        if done is None:
            try:
                done = _convert(uow, deps, caller, request)
            except _Rejected as rejected:
                uow.rollback()
                _reject(uow, request, caller, rejected.reason, rejected.retryable)
                return None
            except CrmError as exc:  # invalid lead data: retrying the same data cannot help
                uow.rollback()
                _reject(uow, request, caller, exc.message, retryable=False)
                return None
        message = event_messages.lead_conversion_completed(
            conversion_id=done.conversion_id,
            lead_id=done.lead_id,
            account_id=done.account_id,
            contact_id=done.contact_id,
            opportunity_id=done.opportunity_id,
        )
        uow.emit(
            "lead_conversion_completed",
            message,
            aggregate_type="opportunity",
            aggregate_id=done.opportunity_id,
            aggregate_version=1,
            actor=caller.actor,
        )
        uow.commit()
    return done


def _reject(
    uow: DealsUnitOfWork, request: LeadConversion, caller: Caller, reason: str, retryable: bool
) -> None:
    uow.emit(
        "lead_conversion_rejected",
        event_messages.lead_conversion_rejected(
            conversion_id=request.conversion_id,
            lead_id=request.lead_id,
            reason=reason,
            retryable=retryable,
        ),
        aggregate_type="lead_conversion",
        aggregate_id=request.conversion_id,
        aggregate_version=1,
        actor=caller.actor,
    )
    uow.commit()


def _convert(
    uow: DealsUnitOfWork, deps: Dependencies, caller: Caller, r: LeadConversion
) -> ConversionRecord:
    now, actor = deps.clock.now(), caller.actor
    try:
        # The territory's pipeline (of the lead's team on its line), else the line's.
        pipeline = pipeline_for(uow, r.sales_line_id, r.team_id)
    except FailedPrecondition as exc:  # fixed by an administrator: the lead may try again
        raise _Rejected(str(exc), retryable=True) from None
    if r.link_account_id:
        account = uow.accounts.get(r.link_account_id)
        if account is not None and account.merged_into_id:  # merged since: its survivor
            account = uow.accounts.get(account.merged_into_id)
        if account is None or account.team_id != r.team_id:
            raise _Rejected(
                f"account {r.link_account_id!r} to link does not exist in team {r.team_id!r}",
                retryable=False,
            )
    else:
        account = Account.create(
            id=deps.ids.new_id(),
            team_id=r.team_id,
            name=r.company_name or f"{r.first_name} {r.last_name}".strip(),
            owner_user_id=r.owner_user_id,
            actor=actor,
            at=now,
        )
        uow.accounts.add(account)
        keep_history(uow, account)
        publish(uow, "account_created", event_messages.account_created(account), account, caller)
    contact = Contact.create(
        id=deps.ids.new_id(),
        team_id=r.team_id,
        account_id=account.id,
        first_name=r.first_name,
        last_name=r.last_name or r.company_name,
        email=r.email,
        phone=r.phone,
        job_title=r.job_title,
        owner_user_id=r.owner_user_id,
        actor=actor,
        at=now,
    )
    uow.contacts.add(contact)
    keep_history(uow, contact)
    publish(uow, "contact_created", event_messages.contact_created(contact), contact, caller)
    currency = r.expected_amount.currency if r.expected_amount else r.currency
    deal = Opportunity.create(
        id=deps.ids.new_id(),
        team_id=r.team_id,
        account_id=account.id,
        pipeline=pipeline,
        name=r.opportunity_name or f"{account.name} - new business",
        owner_user_id=r.owner_user_id,
        currency=currency,
        primary_contact_id=contact.id,
        estimated_revenue=r.expected_amount,
        estimated_close_date=r.expected_close,
        originating_lead_id=r.lead_id,
        campaign_id=r.campaign_id,
        actor=actor,
        at=now,
    )
    uow.opportunities.add(deal)
    keep_history(uow, deal)
    publish(uow, "deal_created", event_messages.deal_created(deal), deal, caller)
    fire(uow, deps, caller, deal, automation.STAGE_ENTERED, stage_key=deal.stage_key)
    copy_interactions(uow, deps, caller, r.interactions, contact, deal)
    record = ConversionRecord(
        conversion_id=r.conversion_id,
        lead_id=r.lead_id,
        account_id=account.id,
        contact_id=contact.id,
        opportunity_id=deal.id,
        at=now,
    )
    uow.conversions.add(record)
    return record
