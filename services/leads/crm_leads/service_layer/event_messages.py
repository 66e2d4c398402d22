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
    message = lead_pb2.LeadInput()
    fill_lead_data(message, data)
    return message


def fill_lead_data(message: lead_pb2.LeadInput, data: LeadData) -> None:
    """Write ``data`` into ``message`` field by field. Passing sub-messages to a constructor
    copies each of them into its parent; a lead snapshot written in place costs a third
    (the import's ``leads_captured`` holds one per row). Every group is marked present, as
    the groups of a constructor's keywords are."""
    p, c, loc, source, consent = data.person, data.company, data.location, data.source, data.consent
    person = message.person
    person.SetInParent()
    person.first_name, person.last_name, person.title = p.first_name, p.last_name, p.title
    person.email, person.phone = p.email, p.phone
    company = message.company
    company.SetInParent()
    company.name, company.industry, company.website = c.name, c.industry, c.website
    company.size = from_domain(lead_pb2.CompanySize, c.size)
    if c.annual_revenue is not None:
        company.annual_revenue.SetInParent()
        company.annual_revenue.amount = str(c.annual_revenue.amount)
        company.annual_revenue.currency = c.annual_revenue.currency
    location = message.location
    location.SetInParent()
    location.country, location.region = loc.country, loc.region
    location.city, location.postal_code = loc.city, loc.postal_code
    message.source.SetInParent()
    message.source.channel = from_domain(lead_pb2.Channel, source.channel)
    message.source.campaign_id = source.campaign_id
    message.sales_line_id = data.sales_line_id
    message.product_interest.extend(data.product_interest)
    target = message.consent
    target.SetInParent()
    target.email_marketing = consent.email_marketing
    target.phone_contact = consent.phone_contact
    target.data_processing = consent.data_processing
    _ts(target.captured_at, consent.captured_at)
    message.custom_attributes.update(data.custom_attributes)


def factor(item: ScoreFactor) -> lead_pb2.ScoreFactor:
    message = lead_pb2.ScoreFactor()
    fill_factor(message, item)
    return message


def fill_factor(message: lead_pb2.ScoreFactor, item: ScoreFactor) -> None:
    message.kind = from_domain(lead_pb2.FactorKind, item.kind)
    message.label = item.label
    message.points = str(item.points)
    message.source_id = item.source_id


def score(value: Score) -> lead_pb2.LeadScore:
    message = lead_pb2.LeadScore()
    fill_score(message, value)
    return message


def fill_score(message: lead_pb2.LeadScore, value: Score) -> None:
    message.SetInParent()
    message.score = value.value
    message.grade = grade(value.grade)
    for item in value.top_factors:
        fill_factor(message.top_factors.add(), item)
    message.rules_score = value.rules_score
    if value.predictive_probability is not None:
        message.predictive_probability = str(value.predictive_probability)
    message.predictive_weight = str(value.predictive_weight)
    message.model_version = value.model_version
    _ts(message.scored_at, value.scored_at)


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
    message = lead_pb2.Assignment()
    fill_assignment(message, value)
    return message


def fill_assignment(message: lead_pb2.Assignment, value: Lead) -> None:
    a = value.assignment
    message.SetInParent()
    message.team_id = a.team_id
    message.owner_user_id = a.owner_user_id
    message.method = a.method.value
    message.explanation = a.explanation
    message.queue_team_id = a.queue_team_id
    _ts(message.assigned_at, a.assigned_at)


def lead(value: Lead) -> lead_pb2.Lead:
    message = lead_pb2.Lead()
    fill_lead(message, value)
    return message


def fill_lead(message: lead_pb2.Lead, value: Lead) -> None:
    """Write the lead's snapshot into ``message`` (see :func:`fill_lead_data` for why in place)."""
    message.id = value.id
    fill_lead_data(message.data, value.data)
    message.status = from_domain(lead_pb2.LeadStatus, value.status)
    message.disqualification_reason = from_domain(
        lead_pb2.DisqualificationReason, value.disqualification_reason
    )
    message.status_note = value.status_note
    fill_assignment(message.assignment, value)
    message.merged_into_lead_id = value.merged_into
    message.merged_lead_ids.extend(value.merged_lead_ids)
    message.version = value.version
    if value.score is not None:
        fill_score(message.score, value.score)
    if value.conversion is not None:
        message.conversion.CopyFrom(conversion(value.conversion))
    _ts(message.created_at, value.created_at)
    _ts(message.updated_at, value.updated_at)


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
    message = events_pb2.LeadsCaptured(import_id=import_id)
    for item in leads:
        fill_lead(message.leads.add(), item)
    return message


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
