"""A Lead <-> one row of the ``leads`` table (see orm.py for the columns' meaning)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from crm_leads.adapters.json_documents import from_json, member_of, to_json
from crm_leads.domain.assignment import Assignment, AssignmentMethod
from crm_leads.domain.conversion import Conversion
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.lead import DisqualificationReason, Lead, LeadStatus
from crm_leads.domain.normalise import fold
from crm_leads.domain.scoring.engine import Score
from crm_leads.domain.values import (
    Channel,
    Company,
    CompanySize,
    Consent,
    LeadData,
    Location,
    Money,
    Person,
    Source,
)


def search_text(data: LeadData) -> str:
    """The words free text matches, as domain/search.py ``search_words`` finds them."""
    person, company = data.person, data.company
    return " ".join(
        re.findall(
            r"[a-z0-9]+",
            fold(" ".join((person.first_name, person.last_name, company.name, person.email))),
        )
    )


def _none_if_empty(value: str) -> str | None:
    return value or None


def _data_columns(data: LeadData, keys: DuplicateKeys | None = None) -> dict[str, Any]:
    person, company, location = data.person, data.company, data.location
    if keys is None:
        keys = DuplicateKeys.of(data)
    revenue = company.annual_revenue
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "title": person.title,
        "email": person.email,
        "phone": person.phone,
        "company_name": company.name,
        "industry": company.industry,
        "company_size": company.size.value if company.size else None,
        "revenue_amount": str(revenue.amount) if revenue else None,
        "revenue_currency": revenue.currency if revenue else None,
        "website": company.website,
        "country": location.country,
        "region": location.region,
        "city": location.city,
        "postal_code": location.postal_code,
        "channel": data.source.channel.value if data.source.channel else None,
        "campaign_id": data.source.campaign_id,
        "sales_line_id": data.sales_line_id,
        "product_interest": list(data.product_interest),
        "consent_email_marketing": data.consent.email_marketing,
        "consent_phone_contact": data.consent.phone_contact,
        "consent_data_processing": data.consent.data_processing,
        "consent_captured_at": data.consent.captured_at,
        "custom_attributes": dict(data.custom_attributes),
        "duplicate_email": _none_if_empty(keys.email),
        "duplicate_phone": _none_if_empty(keys.phone),
        "duplicate_company_person": _none_if_empty(keys.company_person),
        "search_text": search_text(data),
    }


def _assignment_columns(a: Assignment) -> dict[str, Any]:
    return {
        "team_id": _none_if_empty(a.team_id),
        "owner_user_id": _none_if_empty(a.owner_user_id),
        "queue_team_id": _none_if_empty(a.queue_team_id),
        "scope_team_id": _none_if_empty(a.team_id or a.queue_team_id),
        "assignment_method": a.method.value,
        "assignment_explanation": a.explanation,
        "assigned_at": a.assigned_at,
        "routing_decision_id": a.decision_id,
        "routing_decided_at": a.decided_at,
    }


def _score_columns(score: Score | None) -> dict[str, Any]:
    return {
        "score": score.value if score else 0,
        "grade": score.grade.value if score else None,
        "score_document": to_json(score) if score else None,
    }


def _conversion_columns(conversion: Conversion | None) -> dict[str, Any]:
    return {
        "conversion_id": conversion.conversion_id if conversion else None,
        "conversion_state": conversion.state.value if conversion else None,
        "conversion_next_attempt_at": conversion.next_attempt_at if conversion else None,
        "conversion_document": to_json(conversion) if conversion else None,
    }


# The columns each attribute of a Lead is stored in: a change of some attributes (a routing
# decision changes assignment, version and updated_at) is written, and compared with what the
# row holds, without serialising the rest of the lead.
ATTRIBUTE_COLUMNS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "version": lambda version: {"version": version},
    "status": lambda status: {"status": status.value},
    "disqualification_reason": lambda reason: {
        "disqualification_reason": reason.value if reason else None
    },
    "status_note": lambda note: {"status_note": note},
    "created_at": lambda at: {"created_at": at},
    "updated_at": lambda at: {"updated_at": at},
    "data": _data_columns,
    "assignment": _assignment_columns,
    "score": _score_columns,
    "conversion": _conversion_columns,
    "merged_into": lambda merged_into: {"merged_into": merged_into},
    "merged_lead_ids": lambda ids: {"merged_lead_ids": list(ids)},
}


def lead_columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of the given attribute values (name -> value, names of ATTRIBUTE_COLUMNS)."""
    row: dict[str, Any] = {}
    for name, value in values.items():
        row.update(ATTRIBUTE_COLUMNS[name](value))
    return row


def lead_row(lead: Lead, keys: DuplicateKeys | None = None) -> dict[str, Any]:
    """The lead's whole row; ``keys``: its data's duplicate keys, when the caller has them."""
    row: dict[str, Any] = {"id": lead.id}
    for name, columns in ATTRIBUTE_COLUMNS.items():
        row.update(
            _data_columns(lead.data, keys) if name == "data" else columns(getattr(lead, name))
        )
    return row


def _assignment_of(row: Mapping[str, Any]) -> Assignment:
    return Assignment(
        team_id=row["team_id"] or "",
        owner_user_id=row["owner_user_id"] or "",
        method=member_of(AssignmentMethod)(row["assignment_method"]),
        explanation=row["assignment_explanation"],
        assigned_at=row["assigned_at"],
        decision_id=row["routing_decision_id"],
        decided_at=row["routing_decided_at"],
        queue_team_id=row["queue_team_id"] or "",
    )


# What applying a routing decision reads of a lead (its guards, its assignment, its line), so
# a batch of decisions does not read and decode whole leads to change three attributes.
ASSIGNMENT_READ = (
    "id",
    "created_at",
    "updated_at",
    "version",
    "status",
    "sales_line_id",
    "team_id",
    "owner_user_id",
    "queue_team_id",
    "assignment_method",
    "assignment_explanation",
    "assigned_at",
    "routing_decision_id",
    "routing_decided_at",
)
# The attributes a lead read from ASSIGNMENT_READ may have changed when it is written.
ASSIGNMENT_WRITTEN = frozenset({"assignment", "version", "updated_at"})


def lead_assignment_from_row(
    row: Mapping[str, Any], data_of_line: dict[str, LeadData] | None = None
) -> Lead:
    """A lead from the ASSIGNMENT_READ columns: its other attributes are empty (its data holds
    only the sales line), so only ASSIGNMENT_WRITTEN may change before it is read whole.
    ``data_of_line``: the empty data of each line, shared by the leads of one read (LeadData
    is immutable; a change replaces it)."""
    line = row["sales_line_id"]
    known = data_of_line if data_of_line is not None else {}
    data = known.get(line)
    if data is None:
        data = known[line] = LeadData(sales_line_id=line)
    return Lead(
        id=row["id"],
        data=data,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=member_of(LeadStatus)(row["status"]),
        assignment=_assignment_of(row),
        version=row["version"],
    )


def lead_from_row(row: Mapping[str, Any]) -> Lead:
    revenue = (
        Money(Decimal(row["revenue_amount"]), row["revenue_currency"])
        if row["revenue_amount"] is not None
        else None
    )
    data = LeadData(
        person=Person(
            row["first_name"], row["last_name"], row["title"], row["email"], row["phone"]
        ),
        company=Company(
            row["company_name"],
            row["industry"],
            member_of(CompanySize)(row["company_size"]) if row["company_size"] else None,
            revenue,
            row["website"],
        ),
        location=Location(row["country"], row["region"], row["city"], row["postal_code"]),
        source=Source(
            member_of(Channel)(row["channel"]) if row["channel"] else None, row["campaign_id"]
        ),
        sales_line_id=row["sales_line_id"],
        product_interest=tuple(row["product_interest"] or ()),
        consent=Consent(
            row["consent_email_marketing"],
            row["consent_phone_contact"],
            row["consent_data_processing"],
            row["consent_captured_at"],
        ),
        custom_attributes=dict(row["custom_attributes"] or {}),
    )
    assignment = _assignment_of(row)
    reason = row["disqualification_reason"]
    return Lead(
        id=row["id"],
        data=data,
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=member_of(LeadStatus)(row["status"]),
        disqualification_reason=member_of(DisqualificationReason)(reason) if reason else None,
        status_note=row["status_note"],
        assignment=assignment,
        score=from_json(Score, row["score_document"]),
        conversion=from_json(Conversion, row["conversion_document"]),
        merged_into=row["merged_into"],
        merged_lead_ids=tuple(row["merged_lead_ids"] or ()),
        version=row["version"],
    )
