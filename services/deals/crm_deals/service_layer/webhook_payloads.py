"""What a webhook may carry about a deal: its rule decides, and by default no personal data.

A webhook leaves the platform for a URL its rule's author chose, so its body holds only what the
rule is allowed to send:

- always: the trigger, the rule id, the idempotency key, and of the deal its ids (deal, team,
  owner, account, primary contact, sales line, pipeline, originating lead, campaign), stage,
  status, probability, forecast category, amounts and currency, dates and version
  (:data:`BASIC_DEAL_FIELDS`, a list of what is allowed, so a field the deal gains is not sent
  until it is named here);
- only when the rule says so (``include_personal_data``) **and** its author may still see the
  deal's team: the deal's free texts (name, lost note, competitor, priced lines), the account's
  name and the primary contact's name, e-mail, phone and job title (account and contact only
  when the author may see their team too: after a transfer they can stay in the old team).

``personal_data`` in the body tells the receiver which of the two it got.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from crm_deals.domain.automation import AutomationRule
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

BASIC_DEAL_FIELDS = (
    "id",
    "team_id",
    "owner_user_id",
    "account_id",
    "primary_contact_id",
    "sales_line_id",
    "pipeline_id",
    "originating_lead_id",
    "campaign_id",
    "stage_key",
    "stage_name",
    "status",
    "probability",
    "probability_overridden",
    "forecast_category",
    "estimated_revenue",
    "revenue_source",
    "currency",
    "estimated_close_date",
    "actual_revenue",
    "actual_close_date",
    "lost_reason",
    "stage_entered_at",
    "closed_at",
    "created_at",
    "updated_at",
    "version",
)
CONTACT_FIELDS = ("id", "first_name", "last_name", "email", "phone", "job_title")


def _as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def author_sees(deps: Dependencies, rule: AutomationRule) -> frozenset[str]:
    """Teams whose records the rule's author may see now (none when the rule asks for no
    personal data: then it does not matter)."""
    if not rule.include_personal_data or not rule.author_user_id:
        return frozenset()
    return frozenset(deps.scopes.roles_by_team(rule.author_user_id))


def webhook_payload(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    rule: AutomationRule,
    deal: Opportunity,
    *,
    trigger: str,
    idempotency_key: str,
) -> dict[str, Any]:
    full = _as_dict(event_messages.deal(deal))
    visible = author_sees(deps, rule)
    personal = deal.team_id in visible
    payload = {
        "trigger": trigger,
        "rule_id": rule.id,
        "idempotency_key": idempotency_key,
        "personal_data": personal,
    }
    if not personal:
        payload["deal"] = {name: full[name] for name in BASIC_DEAL_FIELDS if name in full}
        return payload
    payload["deal"] = full
    account = uow.accounts.get(deal.account_id)
    if account is not None and account.team_id in visible:
        payload["account"] = {"id": account.id, "name": account.name}
    contact = uow.contacts.get(deal.primary_contact_id) if deal.primary_contact_id else None
    if contact is not None and contact.team_id in visible:
        person = _as_dict(event_messages.contact(contact))
        payload["primary_contact"] = {
            name: person[name] for name in CONTACT_FIELDS if name in person
        }
    return payload
