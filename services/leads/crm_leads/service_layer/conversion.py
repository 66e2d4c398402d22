"""Use cases of the conversion saga: convert, retry, the background dispatcher, and deals' answers.

Leads asks deals (event ``lead_conversion_requested``, idempotent by conversion id) and waits;
deals answers with its own completion or failure event, which the worker turns into
:func:`conversion_completed` / :func:`conversion_failed`. A timer runs
:func:`dispatch_due_conversions`: requests without answer in time become FAILED_RETRYING and
are re-sent with exponential backoff. The lead shows every step (state, attempts, last error).
"""

from __future__ import annotations

import datetime as dt

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import FailedPrecondition, ValidationErrors
from crm_leads.domain import normalise
from crm_leads.domain.conversion import Conversion, ConversionRequest, ConversionState
from crm_leads.domain.lead import Lead
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.values import Money
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import workable_lead
from crm_leads.service_layer.publishing import save_changes
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork


def _request(
    lead: Lead,
    link_account_id: str,
    opportunity_name: str,
    expected_amount: tuple[str, str] | None,
    expected_close: dt.datetime | None,
) -> ConversionRequest:
    problems: list[tuple[str, str]] = []
    amount = None
    if expected_amount is not None and any(str(part).strip() for part in expected_amount):
        try:
            code = normalise.currency(expected_amount[1])
            amount = Money(normalise.decimal_amount(expected_amount[0], code), code)
        except Invalid as exc:
            problems.append(("expected_amount", exc.reason))
    try:
        name = normalise.text(opportunity_name, max_length=200)
    except Invalid as exc:
        problems.append(("opportunity_name", exc.reason))
        name = ""
    if expected_close is not None and expected_close.tzinfo is None:
        problems.append(("expected_close", "has no time zone; give it in UTC"))
    link = (link_account_id or "").strip()
    if len(link) > 64:
        problems.append(("link_account_id", "is not an account id (at most 64 characters)"))
    if problems:
        raise ValidationErrors(problems)
    if not name:
        subject = lead.data.company.name or lead.data.person.full_name or lead.data.person.email
        interest = lead.data.product_interest[0] if lead.data.product_interest else "new business"
        name = f"{subject} - {interest}"[:200]
    return ConversionRequest(link, name, amount, expected_close)


def convert_lead(
    deps: Dependencies,
    caller: Caller | None,
    lead_id: str,
    *,
    link_account_id: str = "",
    opportunity_name: str = "",
    expected_amount: tuple[str, str] | None = None,
    expected_close: dt.datetime | None = None,
) -> Lead:
    """Qualify (if needed) and start converting; a retry of the same request changes nothing."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        lead = workable_lead(uow, scope, lead_id)
        request = _request(lead, link_account_id, opportunity_name, expected_amount, expected_close)
        current = lead.conversion
        if (
            current is not None
            and current.request == request
            and (current.pending or current.state is ConversionState.CONVERTED)
        ):
            return lead  # the same conversion was asked for before: answer as then
        conversion = Conversion(deps.ids.new_id(), request, now)
        lead.request_conversion(conversion, caller.actor, now)
        lead.conversion_progressed(
            conversion.dispatch(now, deps.conversion_retry), caller.actor, now
        )
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return lead


def retry_conversion(deps: Dependencies, caller: Caller | None, lead_id: str) -> Lead:
    """Re-send a conversion waiting for its next attempt now."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        lead = workable_lead(uow, scope, lead_id)
        conversion = lead.conversion
        if conversion is None or conversion.state is not ConversionState.FAILED_RETRYING:
            state = conversion.state.value if conversion else "not requested"
            raise FailedPrecondition(
                f"the conversion of lead {lead.id} is {state}; only a "
                "failed_retrying conversion can be retried now"
            )
        lead.conversion_progressed(
            conversion.dispatch(now, deps.conversion_retry), caller.actor, now
        )
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return lead


def dispatch_due_conversions(deps: Dependencies, caller: Caller, limit: int = 100) -> int:
    """Timer: time out unanswered attempts and re-send due ones, as ``caller``. Returns leads
    touched."""
    now = deps.clock.now()
    with deps.uow() as uow:
        leads = uow.leads.due_conversions(now, limit)
        for lead in leads:
            conversion = lead.conversion
            assert conversion is not None  # due_conversions reads leads with a conversion
            if conversion.state is ConversionState.CONVERTING:
                lead.conversion_progressed(
                    conversion.timed_out(now, deps.conversion_retry), caller.actor, now
                )
            else:
                lead.conversion_progressed(
                    conversion.dispatch(now, deps.conversion_retry), caller.actor, now
                )
            save_changes(uow, lead, caller.actor)
        uow.commit()
        return len(leads)


def _pending(uow: LeadsUnitOfWork, conversion_id: str) -> tuple[Lead, Conversion] | None:
    """The lead of a conversion waiting for deals' answer, with that conversion."""
    lead = uow.leads.by_conversion(conversion_id)
    if lead is None or lead.conversion is None or not lead.conversion.pending:
        return None  # unknown, or answered before (redelivery): nothing to do
    return lead, lead.conversion


def conversion_completed(
    deps: Dependencies,
    caller: Caller,
    conversion_id: str,
    *,
    account_id: str,
    contact_id: str,
    opportunity_id: str,
) -> bool:
    """Deals confirmed: the lead becomes CONVERTED with links to what was created."""
    now = deps.clock.now()
    with deps.uow() as uow:
        pending = _pending(uow, conversion_id)
        if pending is None:
            return False
        lead, waiting = pending
        lead.conversion_progressed(
            waiting.succeeded(
                account_id=account_id, contact_id=contact_id, opportunity_id=opportunity_id, now=now
            ),
            caller.actor,
            now,
        )
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return True


def conversion_failed(
    deps: Dependencies, caller: Caller, conversion_id: str, *, error: str, permanent: bool
) -> bool:
    """Deals failed: retried later, or (permanent) refused and the lead back to QUALIFIED."""
    now = deps.clock.now()
    with deps.uow() as uow:
        pending = _pending(uow, conversion_id)
        if pending is None:
            return False
        lead, waiting = pending
        reason = " ".join((error or "").split())[:2000] or "deals gave no reason"
        lead.conversion_progressed(
            waiting.failed(reason, now, permanent=permanent, policy=deps.conversion_retry),
            caller.actor,
            now,
        )
        save_changes(uow, lead, caller.actor)
        uow.commit()
        return True
