"""crm.leads.v1 requests -> use-case arguments, and domain objects -> responses (LeadService;
campaigns and scoring models in grpc_mapping_campaigns.py and grpc_mapping_scoring.py).

Proto3 scalars have no presence: an empty string, a zero enum or a false flag means "not given".
On capture only given values are passed on, so the request fingerprint of a retry is stable; on
an update every path of the field mask is passed, so an empty value clears the field. A group
path in a mask ("company") stands for all of its fields.

A response carries the same messages as leads' events (a lead's snapshot, an activity, a score):
service_layer/event_messages.py makes them, once, for both.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_chassis.auth import current_principal
from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_chassis.events import actor_to_proto
from crm_chassis.paging import Page
from crm_chassis.wire import enums
from crm_leads.domain import normalise
from crm_leads.domain.lead import HistoryEntry, Lead, LeadStatus
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.scoring.engine import Grade
from crm_leads.domain.search import LeadFilter, SortField, TimeRange
from crm_leads.domain.values import Channel, CompanySize
from crm_leads.service_layer import event_messages
from crm_leads.service_layer.leads import DuplicatePolicy

# LeadInput paths whose value is a message field of the same name in the same group.
_TEXT_FIELDS = {
    "person": ("first_name", "last_name", "title", "email", "phone"),
    "company": ("name", "industry", "website"),
    "location": ("country", "region", "city", "postal_code"),
}
_GROUP_PATHS = {
    "person": [f"person.{name}" for name in _TEXT_FIELDS["person"]],
    "company": [
        *(f"company.{name}" for name in _TEXT_FIELDS["company"]),
        "company.size",
        "company.annual_revenue",
    ],
    "location": [f"location.{name}" for name in _TEXT_FIELDS["location"]],
    "source": ["source.channel", "source.campaign_id"],
    "consent": [
        "consent.email_marketing",
        "consent.phone_contact",
        "consent.data_processing",
        "consent.captured_at",
    ],
}


def caller() -> Caller | None:
    """The verified principal of the current call, as the use cases see it (departments
    included: campaigns, scoring models and imports are gated by department)."""
    principal = current_principal()
    return None if principal is None else Caller.from_principal(principal)


def enum_word(proto_enum: enums.ProtoEnum[int], number: int) -> str:
    """Proto enum number -> the domain's word: CHANNEL_WEB_FORM -> "web_form"; 0 -> "".
    A number this server does not know goes on as its digits: the domain refuses it with its
    own message, together with the request's other problems."""
    try:
        return enums.word_of(proto_enum, number, "")
    except InvalidArgument:
        return str(number)


def timestamp(message, name: str) -> dt.datetime | None:
    if not message.HasField(name):
        return None
    return getattr(message, name).ToDatetime(tzinfo=dt.UTC)


def money(message, name: str) -> tuple[str, str] | None:
    """(amount text, currency) as the domain parses it; None when unset."""
    if not message.HasField(name):
        return None
    value = getattr(message, name)
    return (value.amount, value.currency)


# LeadInput paths that are not plain text fields of their group.
_SPECIAL = {
    "company.size": lambda lead: enum_word(lead_pb2.CompanySize, lead.company.size),
    "company.annual_revenue": lambda lead: money(lead.company, "annual_revenue"),
    "source.channel": lambda lead: enum_word(lead_pb2.Channel, lead.source.channel),
    "source.campaign_id": lambda lead: lead.source.campaign_id,
    "consent.email_marketing": lambda lead: lead.consent.email_marketing,
    "consent.phone_contact": lambda lead: lead.consent.phone_contact,
    "consent.data_processing": lambda lead: lead.consent.data_processing,
    "consent.captured_at": lambda lead: timestamp(lead.consent, "captured_at"),
    "sales_line_id": lambda lead: lead.sales_line_id,
    "product_interest": lambda lead: list(lead.product_interest),
    "custom_attributes": lambda lead: dict(lead.custom_attributes),
}


def _value(lead: lead_pb2.LeadInput, path: str) -> Any:
    getter = _SPECIAL.get(path)
    if getter is not None:
        return getter(lead)
    if path.startswith("custom_attributes."):
        return lead.custom_attributes.get(path.removeprefix("custom_attributes."), "")
    group, _, name = path.partition(".")
    if name in _TEXT_FIELDS.get(group, ()):
        return getattr(getattr(lead, group), name)
    return ""  # not a lead field: the domain names it in its answer


def _given(value: Any) -> bool:
    return value not in ("", None, False, [], {})


def capture_values(lead: lead_pb2.LeadInput) -> dict[str, Any]:
    """Every given field of a LeadInput as path -> raw value."""
    paths = [path for group in _GROUP_PATHS.values() for path in group]
    values = {
        path: _value(lead, path)
        for path in [*paths, "sales_line_id", "product_interest", "custom_attributes"]
    }
    return {path: value for path, value in values.items() if _given(value)}


def update_values(lead: lead_pb2.LeadInput, mask_paths) -> dict[str, Any]:
    """The fields named by an update mask (groups expanded) as path -> raw value."""
    values: dict[str, Any] = {}
    for raw_path in mask_paths:
        path = raw_path.strip()
        for expanded in _GROUP_PATHS.get(path, [path]):
            values[expanded] = _value(lead, expanded)
    return values


DUPLICATE_POLICIES = {
    lead_service_pb2.DUPLICATE_POLICY_UNSPECIFIED: DuplicatePolicy.REJECT,
    lead_service_pb2.DUPLICATE_POLICY_REJECT: DuplicatePolicy.REJECT,
    lead_service_pb2.DUPLICATE_POLICY_MERGE: DuplicatePolicy.MERGE,
}


def duplicate_policy(number: int) -> DuplicatePolicy:
    policy = DUPLICATE_POLICIES.get(number)
    if policy is None:
        raise InvalidArgument(
            f"on_duplicate {number} is not a duplicate policy; use REJECT or MERGE",
            field="on_duplicate",
        )
    return policy


# ------------------------------------------------------------------ search
SORT_FIELDS = {
    lead_service_pb2.LEAD_SORT_FIELD_UNSPECIFIED: None,
    lead_service_pb2.LEAD_SORT_FIELD_SCORE: SortField.SCORE,
    lead_service_pb2.LEAD_SORT_FIELD_CREATED_AT: SortField.CREATED_AT,
    lead_service_pb2.LEAD_SORT_FIELD_UPDATED_AT: SortField.UPDATED_AT,
}


def _members(
    numbers, proto_enum, domain_enum, path: str, problems: list, by_name: bool = False
) -> frozenset:
    result = set()
    for number in numbers:
        word = enum_word(proto_enum, number)
        try:
            result.add(domain_enum[word.upper()] if by_name else domain_enum(word))
        except (KeyError, ValueError):
            kind = enums.prefix_of(proto_enum).lower()
            problems.append(
                (
                    path,
                    f"{number} is not a value of {kind}; leave it out "
                    f"or use one of {', '.join(m.name for m in domain_enum)}",
                )
            )
    return frozenset(result)


def _time_range(message) -> TimeRange:
    return TimeRange(timestamp(message, "start"), timestamp(message, "end"))


def lead_filter(message: lead_service_pb2.LeadFilter) -> LeadFilter:
    """The search filter; the domain checks ranges and sizes, this checks the enum values."""
    problems: list[tuple[str, str]] = []
    countries = set()
    for raw in message.countries:
        try:
            countries.add(normalise.country(raw))
        except Invalid as exc:
            problems.append(("filter.countries", exc.reason))
    result = LeadFilter(
        statuses=_members(
            message.statuses,
            lead_pb2.LeadStatus,
            LeadStatus,
            "filter.statuses",
            problems,
            by_name=True,
        ),
        grades=_members(
            message.grades, lead_pb2.Grade, Grade, "filter.grades", problems, by_name=True
        ),
        min_score=message.min_score if message.HasField("min_score") else 0,
        max_score=message.max_score if message.HasField("max_score") else 100,
        channels=_members(message.channels, lead_pb2.Channel, Channel, "filter.channels", problems),
        campaign_ids=frozenset(v.strip() for v in message.campaign_ids if v.strip()),
        owner_user_ids=frozenset(v.strip() for v in message.owner_user_ids if v.strip()),
        team_ids=frozenset(v.strip() for v in message.team_ids if v.strip()),
        sales_line_ids=frozenset(v.strip() for v in message.sales_line_ids if v.strip()),
        countries=frozenset(countries),
        industries=frozenset(normalise.slug(v) for v in message.industries if normalise.slug(v)),
        company_sizes=_members(
            message.company_sizes,
            lead_pb2.CompanySize,
            CompanySize,
            "filter.company_sizes",
            problems,
        ),
        created=_time_range(message.created),
        updated=_time_range(message.updated),
        text=message.text,
        unassigned_only=message.unassigned_only,
        custom_attributes=dict(message.custom_attributes),
    )
    if problems:
        raise ValidationErrors(problems)
    return result


def sort_field(number: int) -> SortField | None:
    if number not in SORT_FIELDS:
        raise InvalidArgument(
            f"sort {number} is not a sort field; use SCORE, CREATED_AT or UPDATED_AT", field="sort"
        )
    return SORT_FIELDS[number]


# ------------------------------------------------------------------ responses
lead = event_messages.lead
activity = event_messages.activity
score = event_messages.score


def lead_reference(value: Lead) -> lead_pb2.Lead:
    """Only the id, status and version: what a caller who may not see the lead gets back
    (e.g. a web form's service account after capturing it)."""
    return lead_pb2.Lead(
        id=value.id,
        version=value.version,
        status=lead_pb2.LeadStatus.Value(f"LEAD_STATUS_{value.status.name}"),
    )


def history_entry(entry: HistoryEntry) -> lead_pb2.HistoryEntry:
    message = lead_pb2.HistoryEntry(
        lead_id=entry.lead_id,
        version=entry.version,
        actor=actor_to_proto(entry.actor),
        action=entry.action,
        changes=[event_messages.field_change(c) for c in entry.changes],
        note=entry.note,
    )
    if entry.occurred_at is not None:
        message.occurred_at.FromDatetime(entry.occurred_at)
    return message


def page_info(page: Page) -> pagination_pb2.PageInfo:
    return pagination_pb2.PageInfo(next_cursor=page.next_cursor)
