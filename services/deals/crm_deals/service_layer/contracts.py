"""Use cases of contracts: a contract line's deal closes through one (domain/contracts.py), and
the renewal timer opens each signed contract's renewal opportunity once."""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message

from crm_chassis.errors import FailedPrecondition
from crm_deals.domain import automation
from crm_deals.domain.contracts import Contract
from crm_deals.domain.money import Money
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.workflows import require_step
from crm_deals.service_layer import event_messages, workflow_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.automations import fire
from crm_deals.service_layer.closing import win
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.pipeline_choice import pipeline_for
from crm_deals.service_layer.recording import keep_history, publish, referenced
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def _deal_for_edit(uow: DealsUnitOfWork, access: Access, deal_id: str, doing: str) -> Opportunity:
    deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
    access.require_edit(deal, doing)
    return deal


def _save(
    uow: DealsUnitOfWork, contract: Contract, caller: Caller, event_type: str, message: Message
) -> None:
    uow.contracts.save(contract)
    keep_history(uow, contract)
    publish(uow, event_type, message, contract, caller)


def create_contract(
    deps: Dependencies,
    caller: Caller,
    *,
    deal_id: str,
    parties: list[str],
    terms: str,
    value: Money,
    start_date: dt.date | None,
    end_date: dt.date | None,
    renewal_date: dt.date | None = None,
    notice_days: int = 0,
) -> Contract:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = _deal_for_edit(uow, access, deal_id, "draft this deal's contract")
        require_step(uow.sales_lines.get(deal.sales_line_id), "create a contract", deal.name)
        live = [c for c in uow.contracts.for_opportunity(deal.id) if c.status != "cancelled"]
        if live:
            raise FailedPrecondition(
                f"deal {deal.name!r} already has contract {live[0].id} ({live[0].status}); "
                "cancel that draft before drafting another",
                field="opportunity_id",
            )
        contract = Contract.draft(
            id=deps.ids.new_id(),
            deal=deal,
            parties=parties,
            terms=terms,
            value=value,
            start_date=start_date,
            end_date=end_date,
            renewal_date=renewal_date,
            notice_days=notice_days,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.contracts.add(contract)
        keep_history(uow, contract)
        publish(
            uow,
            "contract_created",
            workflow_messages.contract_created(contract),
            contract,
            caller,
        )
        uow.commit()
    return contract


def get_contract(deps: Dependencies, caller: Caller, contract_id: str) -> Contract:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.contracts.get(contract_id), "contract", contract_id)


def list_contracts(deps: Dependencies, caller: Caller, deal_id: str) -> list[Contract]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        return uow.contracts.for_opportunity(deal.id)


def sign_contract(
    deps: Dependencies,
    caller: Caller,
    contract_id: str,
    *,
    signed_by: str,
    signed_on: dt.date | None = None,
) -> Contract:
    """The customer signed: the contract is final and its deal is won for the contract's value
    on the signing day, in one transaction."""
    access = Access.of(caller, deps.scopes)
    now = deps.clock.now()
    with deps.uow() as uow:
        contract = access.visible(uow.contracts.get(contract_id), "contract", contract_id)
        deal = _deal_for_edit(uow, access, contract.opportunity_id, "sign this deal's contract")
        require_step(uow.sales_lines.get(deal.sales_line_id), "sign a contract", deal.name)
        contract.sign(caller.actor, now, signed_by, signed_on or now.date())
        _save(uow, contract, caller, "contract_signed", workflow_messages.contract_signed(contract))
        win(
            uow,
            deps,
            caller,
            deal,
            actual_revenue=contract.value,
            actual_close_date=contract.signed_on,
        )
        uow.commit()
    return contract


def cancel_contract(deps: Dependencies, caller: Caller, contract_id: str, reason: str) -> Contract:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        contract = access.visible(uow.contracts.get(contract_id), "contract", contract_id)
        _deal_for_edit(uow, access, contract.opportunity_id, "cancel this deal's contract")
        contract.cancel(caller.actor, deps.clock.now(), reason)
        _save(
            uow,
            contract,
            caller,
            "contract_cancelled",
            workflow_messages.contract_cancelled(contract),
        )
        uow.commit()
    return contract


def open_due_renewals(
    deps: Dependencies, caller: Caller, limit: int = 100
) -> tuple[int, dict[str, str]]:
    """The renewal timer: for each signed contract whose renewal is due (renewal date minus the
    notice period, reached), create its renewal opportunity, once. One transaction per contract:
    a contract that fails is logged and retried by the next run without holding up the others;
    two replicas racing on one contract collide on its version and the second to commit rolls back.
    Returns how many were opened and, by contract id, why any was refused (the worker logs it)."""
    with deps.uow() as uow:
        due = [c.id for c in uow.contracts.renewals_due(deps.clock.now().date(), limit)]
    opened, refused = 0, {}
    for contract_id in due:
        try:
            opened += _open_renewal(deps, caller, contract_id)
        except FailedPrecondition as error:
            refused[contract_id] = str(error)
    return opened, refused


def _open_renewal(deps: Dependencies, caller: Caller, contract_id: str) -> int:
    now = deps.clock.now()
    with deps.uow() as uow:
        contract = referenced(uow.contracts.get(contract_id), "contract", contract_id)
        if not contract.renewal_due(now.date()):
            return 0
        deal = referenced(
            uow.opportunities.get(contract.opportunity_id), "deal", contract.opportunity_id
        )
        try:  # where a new deal of the team on the line goes, else beside the renewed deal
            pipeline = pipeline_for(uow, deal.sales_line_id, contract.team_id)
        except FailedPrecondition:
            pipeline = referenced(uow.pipelines.get(deal.pipeline_id), "pipeline", deal.pipeline_id)
        renewal = Opportunity.create(
            id=deps.ids.new_id(),
            team_id=contract.team_id,
            name=f"Renewal: {deal.name}"[:200],
            account_id=contract.account_id,
            pipeline=pipeline,
            owner_user_id=deal.owner_user_id,
            currency=contract.currency,
            primary_contact_id=deal.primary_contact_id,
            estimated_revenue=contract.value,
            estimated_close_date=contract.renewal_date,
            actor=caller.actor,
            at=now,
        )
        uow.opportunities.add(renewal)
        keep_history(uow, renewal)
        publish(uow, "deal_created", event_messages.deal_created(renewal), renewal, caller)
        fire(uow, deps, caller, renewal, automation.STAGE_ENTERED, stage_key=renewal.stage_key)
        contract.renewed_by(caller.actor, now, renewal.id)
        _save(
            uow,
            contract,
            caller,
            "contract_renewal_opened",
            workflow_messages.contract_renewal_opened(contract),
        )
        uow.commit()
    return 1
