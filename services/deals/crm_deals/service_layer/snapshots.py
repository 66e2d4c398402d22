"""Domain records -> protobuf messages (resources.proto), for events and, later, API answers."""
from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.deals.v1 import resources_pb2 as pb
from crm_chassis.events import actor_to_proto

from crm_deals.domain import accounts, activities, billing, opportunities, pipelines, quotes
from crm_deals.domain.common import HistoryEntry
from crm_deals.domain.money import Money

RELATIONSHIPS = {accounts.PROSPECT: pb.RELATIONSHIP_PROSPECT,
                 accounts.CUSTOMER: pb.RELATIONSHIP_CUSTOMER,
                 accounts.CHURNED: pb.RELATIONSHIP_CHURNED}
FORECASTS = {pipelines.PIPELINE: pb.FORECAST_CATEGORY_PIPELINE,
             pipelines.BEST_CASE: pb.FORECAST_CATEGORY_BEST_CASE,
             pipelines.COMMIT: pb.FORECAST_CATEGORY_COMMIT,
             pipelines.CLOSED: pb.FORECAST_CATEGORY_CLOSED,
             pipelines.OMITTED: pb.FORECAST_CATEGORY_OMITTED}
DEAL_STATUSES = {opportunities.OPEN: pb.DEAL_STATUS_OPEN, opportunities.WON: pb.DEAL_STATUS_WON,
                 opportunities.LOST: pb.DEAL_STATUS_LOST}
ACTIVITY_KINDS = {kind: getattr(pb, f"ACTIVITY_KIND_{kind.upper()}") for kind in activities.KINDS}
QUOTE_STATUSES = {s: getattr(pb, f"QUOTE_STATUS_{s.upper()}") for s in quotes.STATUSES}
ORDER_STATUSES = {s: getattr(pb, f"ORDER_STATUS_{s.upper()}")
                  for s in (billing.ORDER_OPEN, billing.ORDER_INVOICED, billing.ORDER_CANCELLED)}
INVOICE_STATUSES = {s: getattr(pb, f"INVOICE_STATUS_{s.upper()}")
                    for s in billing.INVOICE_STATUSES}


def ts(value: dt.datetime | None) -> Timestamp | None:
    if value is None:
        return None
    stamp = Timestamp()
    stamp.FromDatetime(value)
    return stamp


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def money(value: Money | None) -> money_pb2.Money | None:
    return None if value is None else money_pb2.Money(amount=value.wire, currency=value.currency)


def _set(message, **fields):
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


def account(a: accounts.Account) -> pb.Account:
    return _set(pb.Account(), id=a.id, team_id=a.team_id, name=a.name,
                owner_user_id=a.owner_user_id, relationship=RELATIONSHIPS[a.relationship],
                industry=a.industry, website=a.website, phone=a.phone,
                customer_since=ts(a.customer_since), last_won_at=ts(a.last_won_at),
                churned_at=ts(a.churned_at), churn_reason=a.churn_reason,
                created_at=ts(a.created_at), updated_at=ts(a.updated_at), version=a.version)


def contact(c: accounts.Contact) -> pb.Contact:
    return _set(pb.Contact(), id=c.id, team_id=c.team_id, account_id=c.account_id,
                first_name=c.first_name, last_name=c.last_name, email=c.email, phone=c.phone,
                job_title=c.job_title, owner_user_id=c.owner_user_id,
                created_at=ts(c.created_at), updated_at=ts(c.updated_at), version=c.version)


def stage(s: pipelines.Stage) -> pb.Stage:
    return pb.Stage(key=s.key, name=s.name, default_probability=s.default_probability,
                    forecast_category=FORECASTS[s.forecast_category],
                    expected_days=s.expected_days)


def pipeline(p: pipelines.Pipeline) -> pb.Pipeline:
    message = _set(pb.Pipeline(), id=p.id, sales_line_id=p.sales_line_id, name=p.name,
                   created_at=ts(p.created_at), updated_at=ts(p.updated_at), version=p.version)
    message.stages.extend(stage(s) for s in p.stages)
    return message


def priced_line(line) -> pb.PricedLine:
    return _set(pb.PricedLine(), product_id=line.product_id, description=line.description,
                unit=getattr(line, "unit", ""), quantity=f"{line.quantity:f}",
                unit_price=money(line.unit_price), discount=money(line.discount),
                line_total=money(line.line_total))


def deal(d: opportunities.Opportunity) -> pb.Opportunity:
    message = _set(
        pb.Opportunity(), id=d.id, team_id=d.team_id, name=d.name, account_id=d.account_id,
        primary_contact_id=d.primary_contact_id, sales_line_id=d.sales_line_id,
        pipeline_id=d.pipeline_id, stage_key=d.stage_key, stage_name=d.stage_name,
        status=DEAL_STATUSES[d.status], probability=d.probability,
        probability_overridden=d.probability_override is not None,
        forecast_category=FORECASTS[d.forecast_category],
        estimated_revenue=money(d.estimated_revenue),
        revenue_source=(pb.REVENUE_SOURCE_LINES if d.revenue_source == opportunities.LINES
                        else pb.REVENUE_SOURCE_TYPED),
        currency=d.currency, estimated_close_date=day(d.estimated_close_date),
        owner_user_id=d.owner_user_id, originating_lead_id=d.originating_lead_id,
        campaign_id=d.campaign_id, actual_revenue=money(d.actual_revenue),
        actual_close_date=day(d.actual_close_date), lost_reason=d.lost_reason,
        lost_competitor=d.lost_competitor, lost_note=d.lost_note,
        stage_entered_at=ts(d.stage_entered_at), closed_at=ts(d.closed_at),
        created_at=ts(d.created_at), updated_at=ts(d.updated_at), version=d.version)
    message.lines.extend(priced_line(line) for line in d.lines)
    return message


def withheld_deal(deal_id: str, team_id: str) -> pb.Opportunity:
    """A deal the caller moved out of their sight: that it is now in ``team_id``, nothing else."""
    return pb.Opportunity(id=deal_id, team_id=team_id, withheld=True)


def activity(a: activities.Activity) -> pb.Activity:
    return _set(pb.Activity(), id=a.id, team_id=a.team_id, kind=ACTIVITY_KINDS[a.kind],
                target=pb.RecordRef(type=a.target_type, id=a.target_id), subject=a.subject,
                body=a.body, direction=a.direction, duration_minutes=a.duration_minutes,
                logged_by=a.logged_by, owner_user_id=a.owner_user_id,
                occurred_at=ts(a.occurred_at), due_at=ts(a.due_at), done_at=ts(a.done_at),
                created_at=ts(a.created_at), version=a.version)


def quote(q: quotes.Quote) -> pb.Quote:
    message = _set(pb.Quote(), id=q.id, number=q.number, revision=q.revision,
                   display_number=q.display_number, opportunity_id=q.opportunity_id,
                   account_id=q.account_id, team_id=q.team_id, status=QUOTE_STATUSES[q.status],
                   title=q.title, total=money(q.total), price_list_id=q.price_list_id,
                   valid_until=day(q.valid_until), replaces_quote_id=q.replaces_quote_id,
                   close_reason=q.close_reason, created_at=ts(q.created_at),
                   updated_at=ts(q.updated_at), version=q.version)
    message.lines.extend(priced_line(line) for line in q.lines)
    return message


def order(o: billing.Order) -> pb.Order:
    message = _set(pb.Order(), id=o.id, quote_id=o.quote_id, opportunity_id=o.opportunity_id,
                   account_id=o.account_id, team_id=o.team_id, status=ORDER_STATUSES[o.status],
                   total=money(o.total), cancel_reason=o.cancel_reason,
                   created_at=ts(o.created_at), updated_at=ts(o.updated_at), version=o.version)
    message.lines.extend(priced_line(line) for line in o.lines)
    return message


def invoice(i: billing.Invoice) -> pb.Invoice:
    message = _set(pb.Invoice(), id=i.id, number=i.number, order_id=i.order_id,
                   opportunity_id=i.opportunity_id, account_id=i.account_id, team_id=i.team_id,
                   status=INVOICE_STATUSES[i.status], total=money(i.total),
                   issue_date=day(i.issue_date), due_date=day(i.due_date), paid_at=ts(i.paid_at),
                   payment_reference=i.payment_reference, cancel_reason=i.cancel_reason,
                   created_at=ts(i.created_at), updated_at=ts(i.updated_at), version=i.version)
    message.lines.extend(priced_line(line) for line in i.lines)
    return message


def history_entry(e: HistoryEntry) -> pb.HistoryEntry:
    message = _set(pb.HistoryEntry(), record_type=e.record_type, record_id=e.record_id,
                   at=ts(e.at), actor=actor_to_proto(e.actor), action=e.action, note=e.note,
                   version=e.version)
    message.changes.extend(pb.FieldChange(field=c.field, old_value=c.old, new_value=c.new)
                           for c in e.changes)
    return message


def pipeline_version(v) -> pb.Pipeline:
    """A kept PipelineVersion in the Pipeline message (updated_at = when it became current)."""
    message = _set(pb.Pipeline(), id=v.pipeline_id, sales_line_id=v.sales_line_id, name=v.name,
                   updated_at=ts(v.created_at), version=v.version)
    message.stages.extend(stage(s) for s in v.stages)
    return message
