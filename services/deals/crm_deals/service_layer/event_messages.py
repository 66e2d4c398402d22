"""Domain records -> the protobuf messages of the events deals emits (events.proto), and the
records those events carry (resources.proto).

A use case builds each event it publishes here. The API answers with the same record messages
(``adapters/grpc_mapping.py`` takes them from here), so an event and a read of the record never
disagree.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.deals.v1 import events_pb2, resources_pb2
from crm_chassis.events import actor_to_proto
from crm_chassis.wire import enums
from crm_chassis.wire.money import to_proto
from crm_deals.domain import (
    accounts,
    activities,
    automation,
    billing,
    opportunities,
    pipelines,
    quotes,
)
from crm_deals.domain.history import HistoryEntry
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import PricedLine

M = TypeVar("M", bound=Message)


@functools.cache
def _number(proto_enum: Any, word: str) -> Any:
    """The proto number of a domain word by the proto's naming (won -> DEAL_STATUS_WON). Typed
    Any: the generated enum classes and their ValueType are what the message fields take.
    Remembered: a handful of words, asked for by every event (an unknown word raises, and is
    not remembered)."""
    return enums.number_of(proto_enum, word, proto_enum.DESCRIPTOR.name)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def ts(value: dt.datetime | None) -> Timestamp | None:
    """The instant as a Timestamp (a naive datetime taken as UTC, as ``FromDatetime`` does),
    built from its distance to the epoch: a third of ``FromDatetime``'s cost, and every deal
    event carries four of them."""
    if value is None:
        return None
    delta = (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)) - _EPOCH
    return Timestamp(seconds=delta.days * 86400 + delta.seconds, nanos=delta.microseconds * 1000)


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def money(value: Money | None) -> money_pb2.Money | None:
    return None if value is None else to_proto(value.amount, value.currency)


def set_fields(message: M, **fields: Any) -> M:
    """Set the fields whose value is not None (unset messages stay unset)."""
    for name, value in fields.items():
        if value is None:
            continue
        target = getattr(message, name)
        if hasattr(target, "CopyFrom"):
            target.CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


# -- records (resources.proto) ----------------------------------------------------------------
def account(a: accounts.Account) -> resources_pb2.Account:
    message = set_fields(
        resources_pb2.Account(),
        id=a.id,
        team_id=a.team_id,
        name=a.name,
        owner_user_id=a.owner_user_id,
        relationship=_number(resources_pb2.Relationship, a.relationship),
        industry=a.industry,
        website=a.website,
        phone=a.phone,
        customer_since=ts(a.customer_since),
        last_won_at=ts(a.last_won_at),
        churned_at=ts(a.churned_at),
        churn_reason=a.churn_reason,
        created_at=ts(a.created_at),
        updated_at=ts(a.updated_at),
        version=a.version,
        parent_account_id=a.parent_account_id,
    )
    message.addresses.extend(
        resources_pb2.PostalAddress(
            kind=_number(resources_pb2.AddressKind, x.kind),
            street=x.street,
            city=x.city,
            postal_code=x.postal_code,
            region=x.region,
            country=x.country,
        )
        for x in a.addresses
    )
    message.social_profiles.extend(
        resources_pb2.SocialProfile(network=p.network, url=p.url) for p in a.social_profiles
    )
    message.merged_into_id = a.merged_into_id
    message.merged_ids.extend(a.merged_ids)
    return message


def contact(c: accounts.Contact) -> resources_pb2.Contact:
    message = set_fields(
        resources_pb2.Contact(),
        id=c.id,
        team_id=c.team_id,
        account_id=c.account_id,
        first_name=c.first_name,
        last_name=c.last_name,
        email=c.email,
        phone=c.phone,
        job_title=c.job_title,
        owner_user_id=c.owner_user_id,
        created_at=ts(c.created_at),
        updated_at=ts(c.updated_at),
        version=c.version,
        email_consent=c.email_consent,
        language=c.language,
        merged_into_id=c.merged_into_id,
    )
    message.merged_ids.extend(c.merged_ids)
    return message


def stage(s: pipelines.Stage) -> resources_pb2.Stage:
    return resources_pb2.Stage(
        key=s.key,
        name=s.name,
        default_probability=s.default_probability,
        forecast_category=_number(resources_pb2.ForecastCategory, s.forecast_category),
        expected_days=s.expected_days,
    )


def pipeline(p: pipelines.Pipeline) -> resources_pb2.Pipeline:
    message = set_fields(
        resources_pb2.Pipeline(),
        id=p.id,
        sales_line_id=p.sales_line_id,
        name=p.name,
        created_at=ts(p.created_at),
        updated_at=ts(p.updated_at),
        version=p.version,
        line_default=p.line_default,
    )
    message.stages.extend(stage(s) for s in p.stages)
    return message


def priced_line(line: PricedLine) -> resources_pb2.PricedLine:
    return set_fields(
        resources_pb2.PricedLine(),
        product_id=line.product_id,
        description=line.description,
        unit=getattr(line, "unit", ""),
        quantity=f"{line.quantity:f}",
        unit_price=money(line.unit_price),
        discount=money(line.discount),
        line_total=money(line.line_total),
    )


def deal(d: opportunities.Opportunity) -> resources_pb2.Opportunity:
    # Built by the constructor from the set values (what set_fields does field by field, at
    # half its cost): every deal event carries the deal, an imported one at each of its steps.
    fields = dict(
        id=d.id,
        team_id=d.team_id,
        name=d.name,
        account_id=d.account_id,
        primary_contact_id=d.primary_contact_id,
        sales_line_id=d.sales_line_id,
        pipeline_id=d.pipeline_id,
        stage_key=d.stage_key,
        stage_name=d.stage_name,
        status=_number(resources_pb2.DealStatus, d.status),
        probability=d.probability,
        probability_overridden=d.probability_override is not None,
        forecast_category=_number(resources_pb2.ForecastCategory, d.forecast_category),
        estimated_revenue=money(d.estimated_revenue),
        revenue_source=_number(resources_pb2.RevenueSource, d.revenue_source),
        currency=d.currency,
        estimated_close_date=day(d.estimated_close_date),
        owner_user_id=d.owner_user_id,
        originating_lead_id=d.originating_lead_id,
        campaign_id=d.campaign_id,
        actual_revenue=money(d.actual_revenue),
        actual_close_date=day(d.actual_close_date),
        lost_reason=d.lost_reason,
        lost_competitor=d.lost_competitor,
        lost_note=d.lost_note,
        stage_entered_at=ts(d.stage_entered_at),
        closed_at=ts(d.closed_at),
        created_at=ts(d.created_at),
        updated_at=ts(d.updated_at),
        version=d.version,
        lines=[priced_line(line) for line in d.lines],
    )
    return resources_pb2.Opportunity(**{k: v for k, v in fields.items() if v is not None})


def activity(a: activities.Activity) -> resources_pb2.Activity:
    return set_fields(
        resources_pb2.Activity(),
        id=a.id,
        team_id=a.team_id,
        kind=_number(resources_pb2.ActivityKind, a.kind),
        target=resources_pb2.RecordRef(type=a.target_type, id=a.target_id),
        subject=a.subject,
        body=a.body,
        direction=a.direction,
        duration_minutes=a.duration_minutes,
        outcome=a.outcome,
        logged_by=a.logged_by,
        owner_user_id=a.owner_user_id,
        occurred_at=ts(a.occurred_at),
        due_at=ts(a.due_at),
        done_at=ts(a.done_at),
        created_at=ts(a.created_at),
        version=a.version,
    )


def quote(q: quotes.Quote) -> resources_pb2.Quote:
    message = set_fields(
        resources_pb2.Quote(),
        id=q.id,
        number=q.number,
        revision=q.revision,
        display_number=q.display_number,
        opportunity_id=q.opportunity_id,
        account_id=q.account_id,
        team_id=q.team_id,
        status=_number(resources_pb2.QuoteStatus, q.status),
        title=q.title,
        total=money(q.total),
        price_list_id=q.price_list_id,
        valid_until=day(q.valid_until),
        replaces_quote_id=q.replaces_quote_id,
        close_reason=q.close_reason,
        created_at=ts(q.created_at),
        updated_at=ts(q.updated_at),
        version=q.version,
    )
    message.lines.extend(priced_line(line) for line in q.lines)
    return message


def order(o: billing.Order) -> resources_pb2.Order:
    message = set_fields(
        resources_pb2.Order(),
        id=o.id,
        quote_id=o.quote_id,
        opportunity_id=o.opportunity_id,
        account_id=o.account_id,
        team_id=o.team_id,
        status=_number(resources_pb2.OrderStatus, o.status),
        total=money(o.total),
        cancel_reason=o.cancel_reason,
        created_at=ts(o.created_at),
        updated_at=ts(o.updated_at),
        version=o.version,
    )
    message.lines.extend(priced_line(line) for line in o.lines)
    return message


def invoice(i: billing.Invoice) -> resources_pb2.Invoice:
    message = set_fields(
        resources_pb2.Invoice(),
        id=i.id,
        number=i.number,
        order_id=i.order_id,
        opportunity_id=i.opportunity_id,
        account_id=i.account_id,
        team_id=i.team_id,
        status=_number(resources_pb2.InvoiceStatus, i.status),
        total=money(i.total),
        issue_date=day(i.issue_date),
        due_date=day(i.due_date),
        paid_at=ts(i.paid_at),
        payment_reference=i.payment_reference,
        cancel_reason=i.cancel_reason,
        created_at=ts(i.created_at),
        updated_at=ts(i.updated_at),
        version=i.version,
        paid_amount=money(i.paid_amount),
        balance=money(i.balance),
    )
    message.lines.extend(priced_line(line) for line in i.lines)
    message.payments.extend(invoice_payment(p) for p in i.payments)
    return message


def invoice_payment(p: billing.Payment) -> resources_pb2.InvoicePayment:
    return set_fields(
        resources_pb2.InvoicePayment(),
        id=p.id,
        amount=money(p.amount),
        paid_on=day(p.paid_on),
        method=p.method,
        reference=p.reference,
        recorded_at=ts(p.recorded_at),
    )


def history_entry(e: HistoryEntry) -> resources_pb2.HistoryEntry:
    message = set_fields(
        resources_pb2.HistoryEntry(),
        record_type=e.record_type,
        record_id=e.record_id,
        at=ts(e.at),
        actor=actor_to_proto(e.actor),
        action=e.action,
        note=e.note,
        version=e.version,
    )
    message.changes.extend(
        resources_pb2.FieldChange(field=c.field, old_value=c.old, new_value=c.new)
        for c in e.changes
    )
    return message


def automation_rule(rule: automation.AutomationRule) -> resources_pb2.AutomationRule:
    message = resources_pb2.AutomationRule(
        id=rule.id,
        pipeline_id=rule.pipeline_id,
        name=rule.name,
        trigger=_number(resources_pb2.AutomationTrigger, rule.trigger),
        stage_key=rule.stage_key,
        stalled_after_days=rule.stalled_after_days,
        enabled=rule.enabled,
        has_webhook_secret=bool(rule.webhook_secret),
        version=rule.version,
        team_ids=list(rule.team_ids),
        include_personal_data=rule.include_personal_data,
        disabled_reason=rule.disabled_reason,
        author_user_id=rule.author_user_id,
    )
    for action in rule.actions:
        message.actions.add(
            kind=_number(resources_pb2.AutomationActionKind, action.kind),
            recipients=list(action.recipients),
            subject=action.subject,
            body=action.body,
            url=action.url,
        )
    return message


# -- events (events.proto) --------------------------------------------------------------------
def account_created(a: accounts.Account) -> events_pb2.AccountCreated:
    return events_pb2.AccountCreated(account=account(a))


def account_updated(a: accounts.Account, changed: Iterable[str]) -> events_pb2.AccountUpdated:
    return events_pb2.AccountUpdated(account=account(a), changed_fields=sorted(changed))


def account_relationship_changed(
    a: accounts.Account, previous: str, reason: str
) -> events_pb2.AccountRelationshipChanged:
    return events_pb2.AccountRelationshipChanged(
        account=account(a), reason=reason, previous=_number(resources_pb2.Relationship, previous)
    )


def account_merged(
    survivor: accounts.Account,
    merged: accounts.Account,
    deal_ids: Iterable[str],
    contact_ids: Iterable[str],
) -> events_pb2.AccountMerged:
    return events_pb2.AccountMerged(
        survivor=account(survivor),
        merged=account(merged),
        moved_deal_ids=list(deal_ids),
        moved_contact_ids=list(contact_ids),
    )


def contact_merged(
    survivor: accounts.Contact, merged: accounts.Contact, deal_ids: Iterable[str]
) -> events_pb2.ContactMerged:
    return events_pb2.ContactMerged(
        survivor=contact(survivor), merged=contact(merged), moved_deal_ids=list(deal_ids)
    )


def contact_created(c: accounts.Contact) -> events_pb2.ContactCreated:
    return events_pb2.ContactCreated(contact=contact(c))


def contact_updated(c: accounts.Contact, changed: Iterable[str]) -> events_pb2.ContactUpdated:
    return events_pb2.ContactUpdated(contact=contact(c), changed_fields=sorted(changed))


def pipeline_created(p: pipelines.Pipeline) -> events_pb2.PipelineCreated:
    return events_pb2.PipelineCreated(pipeline=pipeline(p))


def pipeline_revised(p: pipelines.Pipeline, moves: dict[str, str]) -> events_pb2.PipelineRevised:
    message = events_pb2.PipelineRevised(pipeline=pipeline(p))
    message.moves.update(moves)
    return message


def deal_created(d: opportunities.Opportunity) -> events_pb2.DealCreated:
    return events_pb2.DealCreated(deal=deal(d))


def deal_updated(
    d: opportunities.Opportunity, changed: Iterable[str], reason: str = ""
) -> events_pb2.DealUpdated:
    return events_pb2.DealUpdated(deal=deal(d), changed_fields=sorted(changed), reason=reason)


def deal_stage_changed(
    d: opportunities.Opportunity, from_stage_key: str, seconds_in_previous_stage: int
) -> events_pb2.DealStageChanged:
    return events_pb2.DealStageChanged(
        deal=deal(d),
        from_stage_key=from_stage_key,
        to_stage_key=d.stage_key,
        seconds_in_previous_stage=seconds_in_previous_stage,
    )


def deal_won(d: opportunities.Opportunity) -> events_pb2.DealWon:
    return events_pb2.DealWon(deal=deal(d))


def deal_lost(d: opportunities.Opportunity) -> events_pb2.DealLost:
    return events_pb2.DealLost(deal=deal(d))


def deal_reopened(
    d: opportunities.Opportunity, previous_status: str, reason: str
) -> events_pb2.DealReopened:
    return events_pb2.DealReopened(
        deal=deal(d),
        previous_status=_number(resources_pb2.DealStatus, previous_status),
        reason=reason,
    )


def deal_transferred(
    d: opportunities.Opportunity,
    *,
    from_team_id: str,
    reason: str,
    moved_account_id: str,
    moved_contact_ids: Iterable[str],
    moved_activity_ids: Iterable[str],
    moved_quote_ids: Iterable[str],
) -> events_pb2.DealTransferred:
    message = events_pb2.DealTransferred(
        deal=deal(d),
        from_team_id=from_team_id,
        to_team_id=d.team_id,
        reason=reason,
        moved_account_id=moved_account_id,
    )
    message.moved_contact_ids.extend(moved_contact_ids)
    message.moved_activity_ids.extend(moved_activity_ids)
    message.moved_quote_ids.extend(moved_quote_ids)
    return message


def activity_logged(a: activities.Activity) -> events_pb2.ActivityLogged:
    return events_pb2.ActivityLogged(activity=activity(a))


def activity_updated(a: activities.Activity, changed: Iterable[str]) -> events_pb2.ActivityUpdated:
    return events_pb2.ActivityUpdated(activity=activity(a), changed_fields=list(changed))


def quote_created(q: quotes.Quote) -> events_pb2.QuoteCreated:
    return events_pb2.QuoteCreated(quote=quote(q))


def quote_updated(q: quotes.Quote, changed: Iterable[str]) -> events_pb2.QuoteUpdated:
    return events_pb2.QuoteUpdated(quote=quote(q), changed_fields=list(changed))


def quote_activated(q: quotes.Quote, superseded_quote_id: str) -> events_pb2.QuoteActivated:
    return events_pb2.QuoteActivated(quote=quote(q), superseded_quote_id=superseded_quote_id)


def quote_closed(q: quotes.Quote) -> events_pb2.QuoteClosed:
    return events_pb2.QuoteClosed(quote=quote(q))


def quote_won(q: quotes.Quote) -> events_pb2.QuoteWon:
    return events_pb2.QuoteWon(quote=quote(q))


def quote_lost(q: quotes.Quote) -> events_pb2.QuoteLost:
    return events_pb2.QuoteLost(quote=quote(q))


def order_created(o: billing.Order) -> events_pb2.OrderCreated:
    return events_pb2.OrderCreated(order=order(o))


def order_updated(o: billing.Order, changed: Iterable[str]) -> events_pb2.OrderUpdated:
    return events_pb2.OrderUpdated(order=order(o), changed_fields=list(changed))


def invoice_created(i: billing.Invoice) -> events_pb2.InvoiceCreated:
    return events_pb2.InvoiceCreated(invoice=invoice(i))


def invoice_updated(i: billing.Invoice, changed: Iterable[str]) -> events_pb2.InvoiceUpdated:
    return events_pb2.InvoiceUpdated(invoice=invoice(i), changed_fields=list(changed))


def invoice_issued(i: billing.Invoice) -> events_pb2.InvoiceIssued:
    return events_pb2.InvoiceIssued(invoice=invoice(i))


def invoice_paid(i: billing.Invoice, amount: Money) -> events_pb2.InvoicePaid:
    return events_pb2.InvoicePaid(invoice=invoice(i), amount=money(amount))


def invoice_cancelled(i: billing.Invoice, previous_status: str) -> events_pb2.InvoiceCancelled:
    return events_pb2.InvoiceCancelled(
        invoice=invoice(i), previous_status=_number(resources_pb2.InvoiceStatus, previous_status)
    )


def automation_rule_changed(rule: automation.AutomationRule) -> events_pb2.AutomationRuleChanged:
    return events_pb2.AutomationRuleChanged(rule=automation_rule(rule))


def automation_cause(
    command: automation.AutomationCommand, d: opportunities.Opportunity, trigger: str
) -> events_pb2.AutomationCause:
    return events_pb2.AutomationCause(
        idempotency_key=command.idempotency_key,
        rule_id=command.rule_id,
        deal_id=d.id,
        trigger=trigger,
        team_id=d.team_id,
    )


def lead_conversion_completed(
    *, conversion_id: str, lead_id: str, account_id: str, contact_id: str, opportunity_id: str
) -> events_pb2.LeadConversionCompleted:
    return events_pb2.LeadConversionCompleted(
        conversion_id=conversion_id,
        lead_id=lead_id,
        account_id=account_id,
        contact_id=contact_id,
        opportunity_id=opportunity_id,
    )


def lead_conversion_rejected(
    *, conversion_id: str, lead_id: str, reason: str, retryable: bool
) -> events_pb2.LeadConversionRejected:
    return events_pb2.LeadConversionRejected(
        conversion_id=conversion_id, lead_id=lead_id, reason=reason, retryable=retryable
    )


def automation_requested(
    command: automation.AutomationCommand,
    d: opportunities.Opportunity,
    trigger: str,
    *,
    recipient_user_ids: Iterable[str] = (),
    payload_json: str = "",
) -> tuple[str, Message]:
    """The event type and message of one automation command (carried out by deals' worker)."""
    cause = automation_cause(command, d, trigger)
    if command.kind == automation.NOTIFY:
        return "automation_notification_requested", events_pb2.AutomationNotificationRequested(
            cause=cause,
            recipient_user_ids=list(recipient_user_ids),
            title=command.subject,
            text=command.body,
        )
    if command.kind == automation.EMAIL:
        return "automation_email_requested", events_pb2.AutomationEmailRequested(
            cause=cause,
            recipient_user_ids=list(recipient_user_ids),
            subject=command.subject,
            body=command.body,
        )
    return "automation_webhook_requested", events_pb2.AutomationWebhookRequested(
        cause=cause, url=command.url, payload_json=payload_json
    )


# -- snapshots (the backfill of a consumer joining a running platform) ------------------------
def deal_snapshot(d: opportunities.Opportunity) -> events_pb2.DealSnapshot:
    return events_pb2.DealSnapshot(deal=deal(d))


def pipeline_snapshot(p: pipelines.Pipeline) -> events_pb2.PipelineSnapshot:
    return events_pb2.PipelineSnapshot(pipeline=pipeline(p))


def account_snapshot(a: accounts.Account) -> events_pb2.AccountSnapshot:
    return events_pb2.AccountSnapshot(account=account(a))
