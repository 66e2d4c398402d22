"""leads' messages <-> the console's values (every translation in one place)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.common.v1 import pagination_pb2, timestamps_pb2
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm_chassis.wire import enums
from crm_console.domain import leads as v
from crm_console.domain.lead_query import LeadQuery


def when(ts: Any) -> dt.datetime | None:
    if not ts.seconds and not ts.nanos:
        return None
    return ts.ToDatetime(tzinfo=dt.UTC)  # type: ignore[no-any-return]


def _word(proto_enum: Any, number: int) -> str:
    return enums.word_of(proto_enum, number, "value")


def _decimal(raw: str) -> Decimal:
    try:
        return Decimal(raw or "0")
    except InvalidOperation:
        return Decimal(0)


def lead(message: lead_pb2.Lead) -> v.Lead:
    d, score, conversion = message.data, message.score, message.conversion
    return v.Lead(
        id=message.id,
        first_name=d.person.first_name,
        last_name=d.person.last_name,
        email=d.person.email,
        phone=d.person.phone,
        title=d.person.title,
        company=d.company.name,
        industry=d.company.industry,
        company_size=_word(lead_pb2.CompanySize, d.company.size),
        country=d.location.country,
        city=d.location.city,
        channel=_word(lead_pb2.Channel, d.source.channel),
        status=_word(lead_pb2.LeadStatus, message.status),
        score=v.Score(
            score=score.score,
            grade=_word(lead_pb2.Grade, score.grade),
            factors=tuple(
                v.Factor(
                    kind=_word(lead_pb2.FactorKind, f.kind),
                    label=f.label,
                    points=_decimal(f.points),
                )
                for f in score.top_factors
            ),
        ),
        team_id=message.assignment.team_id,
        owner_user_id=message.assignment.owner_user_id,
        created_at=when(message.created_at),
        updated_at=when(message.updated_at),
        version=message.version,
        sales_line_id=d.sales_line_id,
        status_note=message.status_note,
        disqualification_reason=_word(
            lead_pb2.DisqualificationReason, message.disqualification_reason
        ),
        merged_into_lead_id=message.merged_into_lead_id,
        conversion=v.Conversion(
            state=_word(lead_pb2.ConversionState, conversion.state),
            attempts=conversion.attempts,
            last_error=conversion.last_error,
            opportunity_id=conversion.opportunity_id,
            account_id=conversion.account_id,
        ),
    )


def _day_range(start: dt.date | None, end: dt.date | None) -> timestamps_pb2.TimeRange | None:
    if start is None and end is None:
        return None
    time_range = timestamps_pb2.TimeRange()
    if start is not None:
        time_range.start.FromDatetime(dt.datetime.combine(start, dt.time(), dt.UTC))
    if end is not None:  # the whole last day
        time_range.end.FromDatetime(
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), dt.UTC)
        )
    return time_range


def search_request(query: LeadQuery) -> ls.SearchLeadsRequest:
    f = ls.LeadFilter(
        statuses=[enums.number_of(lead_pb2.LeadStatus, s, "status") for s in query.statuses],
        grades=[enums.number_of(lead_pb2.Grade, g, "grade") for g in query.grades],
        channels=[enums.number_of(lead_pb2.Channel, c, "channel") for c in query.channels],
        campaign_ids=query.campaign_ids,
        owner_user_ids=query.owner_user_ids,
        team_ids=query.team_ids,
        sales_line_ids=query.sales_line_ids,
        countries=query.countries,
        industries=query.industries,
        company_sizes=[
            enums.number_of(lead_pb2.CompanySize, s, "size") for s in query.company_sizes
        ],
        text=query.text,
        unassigned_only=query.unassigned_only,
        custom_attributes=dict(query.custom_attributes),
    )
    if query.min_score is not None:
        f.min_score = query.min_score
    if query.max_score is not None:
        f.max_score = query.max_score
    created = _day_range(query.created_from, query.created_to)
    if created is not None:
        f.created.CopyFrom(created)
    updated = _day_range(query.updated_from, query.updated_to)
    if updated is not None:
        f.updated.CopyFrom(updated)
    request = ls.SearchLeadsRequest(
        filter=f,
        sort=enums.number_of(ls.LeadSortField, query.sort, "sort"),
        page=pagination_pb2.PageRequest(page_size=query.page_size, cursor=query.cursor),
    )
    request.ascending = query.ascending
    return request


def history_entry(entry: lead_pb2.HistoryEntry) -> v.HistoryEntry:
    return v.HistoryEntry(
        occurred_at=when(entry.occurred_at),
        actor=entry.actor.display_name or entry.actor.id,
        action=entry.action,
        changes=tuple((c.field, c.old_value, c.new_value) for c in entry.changes),
        note=entry.note,
    )


def activity(message: lead_pb2.LeadActivity) -> v.LeadActivity:
    return v.LeadActivity(
        kind=_word(lead_pb2.ActivityKind, message.kind),
        occurred_at=when(message.occurred_at),
        details=tuple(sorted(message.details.items())),
    )


# Form field -> LeadInput path: the create form posts these names.
FORM_FIELDS = (
    "person.first_name",
    "person.last_name",
    "person.title",
    "person.email",
    "person.phone",
    "company.name",
    "company.industry",
    "company.size",
    "company.website",
    "location.country",
    "location.region",
    "location.city",
    "location.postal_code",
    "source.channel",
    "source.campaign_id",
    "sales_line_id",
)


def lead_input(values: Mapping[str, str]) -> lead_pb2.LeadInput:
    data = lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name=values.get("person.first_name", ""),
            last_name=values.get("person.last_name", ""),
            title=values.get("person.title", ""),
            email=values.get("person.email", ""),
            phone=values.get("person.phone", ""),
        ),
        company=lead_pb2.Company(
            name=values.get("company.name", ""),
            industry=values.get("company.industry", ""),
            size=enums.number_of(
                lead_pb2.CompanySize, values.get("company.size", ""), "company.size"
            ),
            website=values.get("company.website", ""),
        ),
        location=lead_pb2.Location(
            country=values.get("location.country", ""),
            region=values.get("location.region", ""),
            city=values.get("location.city", ""),
            postal_code=values.get("location.postal_code", ""),
        ),
        source=lead_pb2.Source(
            channel=enums.number_of(
                lead_pb2.Channel, values.get("source.channel", ""), "source.channel"
            ),
            campaign_id=values.get("source.campaign_id", ""),
        ),
        sales_line_id=values.get("sales_line_id", ""),
    )
    return data
