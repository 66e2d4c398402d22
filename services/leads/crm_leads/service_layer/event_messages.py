"""Domain objects as the crm.leads.v1 messages of the events leads emits.

An event carries the snapshot of what changed (a lead, a campaign, a scoring model, an
activity, a score); the API answers with the same messages, so adapters/grpc_mapping.py makes
its responses with these functions rather than a second translation.
"""

from __future__ import annotations

import datetime as dt

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.leads.v1 import campaign_pb2, events_pb2, lead_pb2, scoring_pb2
from crm_chassis.wire.enums import from_domain
from crm_leads.domain import events
from crm_leads.domain.activity import Activity
from crm_leads.domain.campaign import Campaign
from crm_leads.domain.conversion import Conversion
from crm_leads.domain.history import FieldChange
from crm_leads.domain.lead import Lead
from crm_leads.domain.scoring.engine import Grade, Score, ScoreFactor
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.scoring.rules import ScoringModel
from crm_leads.domain.values import LeadData, Money


def _ts(target: Timestamp, moment: dt.datetime | None) -> None:
    if moment is not None:
        target.FromDatetime(moment)


def money(value: Money) -> money_pb2.Money:
    return money_pb2.Money(amount=str(value.amount), currency=value.currency)


def lead_data(data: LeadData) -> lead_pb2.LeadInput:
    p, c, loc = data.person, data.company, data.location
    message = lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name=p.first_name,
            last_name=p.last_name,
            title=p.title,
            email=p.email,
            phone=p.phone,
        ),
        company=lead_pb2.Company(
            name=c.name,
            industry=c.industry,
            website=c.website,
            size=from_domain(lead_pb2.CompanySize, c.size),
        ),
        location=lead_pb2.Location(
            country=loc.country, region=loc.region, city=loc.city, postal_code=loc.postal_code
        ),
        source=lead_pb2.Source(
            channel=from_domain(lead_pb2.Channel, data.source.channel),
            campaign_id=data.source.campaign_id,
        ),
        sales_line_id=data.sales_line_id,
        product_interest=list(data.product_interest),
        consent=lead_pb2.Consent(
            email_marketing=data.consent.email_marketing,
            phone_contact=data.consent.phone_contact,
            data_processing=data.consent.data_processing,
        ),
        custom_attributes=dict(data.custom_attributes),
    )
    if c.annual_revenue is not None:
        message.company.annual_revenue.CopyFrom(money(c.annual_revenue))
    _ts(message.consent.captured_at, data.consent.captured_at)
    return message


def factor(item: ScoreFactor) -> lead_pb2.ScoreFactor:
    return lead_pb2.ScoreFactor(
        kind=from_domain(lead_pb2.FactorKind, item.kind),
        label=item.label,
        points=str(item.points),
        source_id=item.source_id,
    )


def score(value: Score) -> lead_pb2.LeadScore:
    message = lead_pb2.LeadScore(
        score=value.value,
        grade=grade(value.grade),
        top_factors=[factor(f) for f in value.top_factors],
        rules_score=value.rules_score,
        predictive_probability=(
            "" if value.predictive_probability is None else str(value.predictive_probability)
        ),
        predictive_weight=str(value.predictive_weight),
        model_version=value.model_version,
    )
    _ts(message.scored_at, value.scored_at)
    return message


def grade(value: Grade | None) -> lead_pb2.Grade.ValueType:
    return from_domain(lead_pb2.Grade, value)


def conversion(value: Conversion) -> lead_pb2.Conversion:
    request = value.request
    message = lead_pb2.Conversion(
        conversion_id=value.conversion_id,
        state=from_domain(lead_pb2.ConversionState, value.state),
        attempts=value.attempts,
        last_error=value.last_error,
        account_id=value.account_id,
        contact_id=value.contact_id,
        opportunity_id=value.opportunity_id,
        link_account_id=request.link_account_id,
        opportunity_name=request.opportunity_name,
    )
    if request.expected_amount is not None:
        message.expected_amount.CopyFrom(money(request.expected_amount))
    _ts(message.expected_close, request.expected_close)
    _ts(message.next_attempt_at, value.next_attempt_at)
    _ts(message.requested_at, value.requested_at)
    _ts(message.completed_at, value.completed_at)
    return message


def assignment(value: Lead) -> lead_pb2.Assignment:
    a = value.assignment
    message = lead_pb2.Assignment(
        team_id=a.team_id,
        owner_user_id=a.owner_user_id,
        method=a.method.value,
        explanation=a.explanation,
        queue_team_id=a.queue_team_id,
    )
    _ts(message.assigned_at, a.assigned_at)
    return message


def lead(value: Lead) -> lead_pb2.Lead:
    message = lead_pb2.Lead(
        id=value.id,
        data=lead_data(value.data),
        status=from_domain(lead_pb2.LeadStatus, value.status),
        disqualification_reason=from_domain(
            lead_pb2.DisqualificationReason, value.disqualification_reason
        ),
        status_note=value.status_note,
        assignment=assignment(value),
        merged_into_lead_id=value.merged_into,
        merged_lead_ids=list(value.merged_lead_ids),
        version=value.version,
    )
    if value.score is not None:
        message.score.CopyFrom(score(value.score))
    if value.conversion is not None:
        message.conversion.CopyFrom(conversion(value.conversion))
    _ts(message.created_at, value.created_at)
    _ts(message.updated_at, value.updated_at)
    return message


def field_change(change: FieldChange) -> lead_pb2.FieldChange:
    return lead_pb2.FieldChange(field=change.field, old_value=change.old, new_value=change.new)


def activity(value: Activity) -> lead_pb2.LeadActivity:
    message = lead_pb2.LeadActivity(
        id=value.id,
        lead_id=value.lead_id,
        kind=from_domain(lead_pb2.ActivityKind, value.kind),
        details=value.details,
    )
    _ts(message.occurred_at, value.occurred_at)
    return message


def _date(value: dt.date | None) -> campaign_pb2.CalendarDate | None:
    return (
        None
        if value is None
        else campaign_pb2.CalendarDate(year=value.year, month=value.month, day=value.day)
    )


def campaign(value: Campaign) -> campaign_pb2.Campaign:
    message = campaign_pb2.Campaign(
        id=value.id,
        name=value.name,
        channel=from_domain(lead_pb2.Channel, value.channel),
        starts_on=_date(value.starts_on),
        ends_on=_date(value.ends_on),
        cost=money(value.cost),
        version=value.version,
    )
    _ts(message.created_at, value.created_at)
    _ts(message.updated_at, value.updated_at)
    return message


def scoring_model(model: ScoringModel, predictive: PredictiveModel) -> scoring_pb2.ScoringModel:
    message = scoring_pb2.ScoringModel(
        sales_line_id=model.sales_line_id,
        version=model.version,
        fit_rules=[
            scoring_pb2.FitRule(
                id=r.id,
                attribute=r.attribute,
                values=list(r.values),
                points=r.points,
                label=r.label,
                operator=from_domain(scoring_pb2.RuleOperator, r.operator),
            )
            for r in model.fit_rules
        ],
        engagement_rules=[
            scoring_pb2.EngagementRule(
                kind=from_domain(lead_pb2.ActivityKind, r.kind),
                points=r.points,
                half_life_days=str(r.half_life_days),
                max_points=r.max_points,
            )
            for r in model.engagement_rules
        ],
        interaction_rules=[
            scoring_pb2.InteractionRule(
                kind=r.kind,
                outcome=r.outcome,
                points=r.points,
                half_life_days=str(r.half_life_days),
                max_points=r.max_points,
            )
            for r in model.interaction_rules
        ],
        predictive=scoring_pb2.PredictiveStatus(
            outcomes=predictive.outcomes,
            won=predictive.won,
            active=predictive.active,
            weight=str(predictive.weight),
        ),
    )
    _ts(message.updated_at, model.updated_at)
    return message


def leads_captured(leads: list[Lead], import_id: str) -> events_pb2.LeadsCaptured:
    """One import batch's new leads, each as captured and scored (the bulk lane)."""
    return events_pb2.LeadsCaptured(leads=[lead(item) for item in leads], import_id=import_id)


def lead_event(event: events.LeadEvent) -> Message:
    """The message of one event a lead recorded (domain/events.py)."""
    changed = event.lead
    line, team = changed.data.sales_line_id, changed.assignment.team_id
    if isinstance(event, events.LeadScored):  # the only event without the lead's snapshot
        assert changed.score is not None  # a lead_scored event follows a scoring
        return events_pb2.LeadScored(
            lead_id=changed.id,
            sales_line_id=line,
            team_id=team,
            score=score(changed.score),
            previous_score=event.previous_score,
            previous_grade=grade(event.previous_grade),
        )
    if isinstance(event, events.LeadAssigned):  # the assignment alone: no snapshot to build
        return events_pb2.LeadAssigned(
            lead_id=changed.id,
            sales_line_id=line,
            assignment=assignment(changed),
            previous_team_id=event.previous_team_id,
            previous_owner_user_id=event.previous_owner_user_id,
        )
    snapshot = lead(changed)
    if isinstance(event, events.LeadCreated):
        return events_pb2.LeadCreated(lead=snapshot)
    if isinstance(event, events.LeadUpdated):
        return events_pb2.LeadUpdated(
            lead=snapshot, changes=[field_change(c) for c in event.changes]
        )
    if isinstance(event, events.LeadStatusChanged):
        return events_pb2.LeadStatusChanged(
            lead_id=changed.id,
            sales_line_id=line,
            team_id=team,
            previous_status=from_domain(lead_pb2.LeadStatus, event.previous_status),
            status=snapshot.status,
            note=event.note,
        )
    if isinstance(event, events.LeadQualified):
        return events_pb2.LeadQualified(lead=snapshot)
    if isinstance(event, events.LeadDisqualified):
        return events_pb2.LeadDisqualified(
            lead=snapshot, reason=snapshot.disqualification_reason, note=changed.status_note
        )
    if isinstance(event, events.LeadConversionRequested):
        assert changed.conversion is not None  # requested: the lead holds its conversion
        return events_pb2.LeadConversionRequested(
            lead=snapshot, conversion=snapshot.conversion, attempt=changed.conversion.attempts
        )
    if isinstance(event, events.LeadConversionFailed):
        return events_pb2.LeadConversionFailed(lead_id=changed.id, conversion=snapshot.conversion)
    if isinstance(event, events.LeadConverted):
        return events_pb2.LeadConverted(lead=snapshot)
    if isinstance(event, events.LeadMerged):
        assert event.merged is not None  # domain/lead.py always names the merged lead
        return events_pb2.LeadMerged(survivor=snapshot, merged=lead(event.merged))
    raise TypeError(f"no message for {type(event).__name__}")  # pragma: no cover
