"""deals' APIs for the board and the deal page, called with the signed-in person's token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import pagination_pb2
from crm.deals.v1 import (
    accounts_pb2,
    accounts_pb2_grpc,
    activities_pb2,
    activities_pb2_grpc,
    billing_pb2,
    billing_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
    payments_pb2,
    payments_pb2_grpc,
    pipelines_pb2,
    pipelines_pb2_grpc,
    resources_pb2,
    tasks_pb2,
    tasks_pb2_grpc,
)
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_chassis.wire import money as wire_money
from crm_console.adapters import grpc_mapping_deals as mapping
from crm_console.adapters.grpc_errors import refusals
from crm_console.domain.deals import (
    Account,
    Activity,
    Board,
    Contact,
    Deal,
    DealDocuments,
    DueTask,
    Invoice,
    LineRequest,
    LostReason,
    Order,
    PipelineRef,
    Quote,
)
from crm_console.domain.errors import Refused
from crm_console.domain.organisation import (
    AutomationRule,
    NewAutomationRule,
    Pipeline,
    PipelineStage,
)

QUOTE_ACTIONS = {
    "activate": ("ActivateQuote", billing_pb2.ActivateQuoteRequest),
    "revise": ("ReviseQuote", billing_pb2.ReviseQuoteRequest),
    "accept": ("AcceptQuote", billing_pb2.AcceptQuoteRequest),
    "reject": ("RejectQuote", billing_pb2.RejectQuoteRequest),
    "withdraw": ("WithdrawQuote", billing_pb2.WithdrawQuoteRequest),
}
PAGE = pagination_pb2.PageRequest(page_size=100)


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


class DealsGateway:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stubs: dict[str, Any] = {
            "deals": deals_pb2_grpc.DealServiceStub(channel),
            "pipelines": pipelines_pb2_grpc.PipelineServiceStub(channel),
            "automation": pipelines_pb2_grpc.AutomationServiceStub(channel),
            "accounts": accounts_pb2_grpc.AccountServiceStub(channel),
            "contacts": accounts_pb2_grpc.ContactServiceStub(channel),
            "activities": activities_pb2_grpc.ActivityServiceStub(channel),
            "quotes": billing_pb2_grpc.QuoteServiceStub(channel),
            "orders": billing_pb2_grpc.OrderServiceStub(channel),
            "invoices": billing_pb2_grpc.InvoiceServiceStub(channel),
            "invoicing": payments_pb2_grpc.InvoicingServiceStub(channel),
            "tasks": tasks_pb2_grpc.TaskServiceStub(channel),
        }
        self._timeout = timeout

    def _call(self, service: str, method: str, request: object, token: str) -> Any:
        with refusals():
            return getattr(self._stubs[service], method)(
                request, timeout=self._timeout, metadata=_auth(token)
            )

    # ------------------------------------------------------------ board
    def pipelines(self, token: str) -> tuple[PipelineRef, ...]:
        answer = self._call(
            "pipelines", "ListPipelines", pipelines_pb2.ListPipelinesRequest(), token
        )
        return tuple(mapping.pipeline_ref(p) for p in answer.pipelines)

    def board(self, token: str, sales_line_id: str) -> Board:
        request = deals_pb2.GetBoardRequest(sales_line_id=sales_line_id)
        return mapping.board(sales_line_id, self._call("deals", "GetBoard", request, token))

    def move(self, token: str, deal_id: str, stage_key: str, version: int) -> Deal:
        request = deals_pb2.MoveDealToStageRequest(
            id=deal_id, stage_key=stage_key, expected_version=version
        )
        return mapping.deal(self._call("deals", "MoveDealToStage", request, token))

    def close_won(self, token: str, deal_id: str, amount: Decimal, currency: str, day: str) -> Deal:
        try:
            revenue = wire_money.to_proto(amount, currency)
        except InvalidArgument as error:
            raise Refused(error.message, field="actual_revenue") from None
        request = deals_pb2.CloseDealWonRequest(
            id=deal_id, actual_revenue=revenue, actual_close_date=day
        )
        return mapping.deal(self._call("deals", "CloseDealWon", request, token))

    def close_lost(self, token: str, deal_id: str, reason: str, competitor: str, note: str) -> Deal:
        request = deals_pb2.CloseDealLostRequest(
            id=deal_id, reason=reason, competitor=competitor, note=note
        )
        return mapping.deal(self._call("deals", "CloseDealLost", request, token))

    def reopen(self, token: str, deal_id: str, reason: str) -> Deal:
        request = deals_pb2.ReopenDealRequest(id=deal_id, reason=reason)
        return mapping.deal(self._call("deals", "ReopenDeal", request, token))

    def lost_reasons(self, token: str) -> tuple[LostReason, ...]:
        answer = self._call("deals", "ListLostReasons", deals_pb2.ListLostReasonsRequest(), token)
        return tuple(LostReason(r.key, r.description) for r in answer.reasons)

    # ------------------------------------------------------------ deal page
    def get(self, token: str, deal_id: str) -> Deal:
        return mapping.deal(
            self._call("deals", "GetDeal", deals_pb2.GetDealRequest(id=deal_id), token)
        )

    def my_open_deals(self, token: str, owner_user_id: str) -> tuple[Deal, ...]:
        request = deals_pb2.ListDealsRequest(
            owner_user_id=owner_user_id,
            status=resources_pb2.DEAL_STATUS_OPEN,
            page=pagination_pb2.PageRequest(page_size=50),
        )
        answer = self._call("deals", "ListDeals", request, token)
        return tuple(mapping.deal(d) for d in answer.deals)

    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]:
        """The caller's open tasks due by the end of this week in ``time_zone``, overdue first
        (one call: the page shows the overdue and today's of them)."""
        request = tasks_pb2.ListMyTasksRequest(
            time_zone=time_zone, page=pagination_pb2.PageRequest(page_size=100)
        )
        answer = self._call("tasks", "ListMyTasks", request, token)
        return tuple(mapping.due_task(t) for t in answer.tasks)

    def account(self, token: str, account_id: str) -> Account:
        request = accounts_pb2.GetAccountRequest(id=account_id)
        return mapping.account(self._call("accounts", "GetAccount", request, token))

    def contacts(self, token: str, account_id: str) -> tuple[Contact, ...]:
        request = accounts_pb2.ListContactsRequest(account_id=account_id, page=PAGE)
        answer = self._call("contacts", "ListContacts", request, token)
        return tuple(mapping.contact(c) for c in answer.contacts)

    def timeline(self, token: str, deal_id: str) -> tuple[Activity, ...]:
        request = activities_pb2.ListTimelineRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=deal_id), page=PAGE
        )
        answer = self._call("activities", "ListTimeline", request, token)
        return tuple(mapping.activity(a) for a in answer.activities)

    def log_activity(
        self,
        token: str,
        deal_id: str,
        *,
        kind: str,
        subject: str,
        body: str,
        due_at: dt.datetime | None,
        direction: str,
        duration_minutes: int,
    ) -> Activity:
        request = activities_pb2.LogActivityRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=deal_id),
            kind=enums.number_of(resources_pb2.ActivityKind, kind, "kind"),
            subject=subject,
            body=body,
            direction=direction,
            duration_minutes=duration_minutes,
        )
        if due_at is not None:
            stamp = Timestamp()
            stamp.FromDatetime(due_at)
            request.due_at.CopyFrom(stamp)
        return mapping.activity(self._call("activities", "LogActivity", request, token))

    def complete_task(self, token: str, activity_id: str, done: bool) -> Activity:
        request = activities_pb2.CompleteTaskRequest(id=activity_id, done=done)
        return mapping.activity(self._call("activities", "CompleteTask", request, token))

    # ------------------------------------------------------------ quotes, orders, invoices
    def quotes(self, token: str, deal_id: str) -> tuple[Quote, ...]:
        request = billing_pb2.ListQuotesRequest(opportunity_id=deal_id)
        return tuple(
            mapping.quote(q) for q in self._call("quotes", "ListQuotes", request, token).quotes
        )

    def create_quote(self, token: str, deal_id: str, title: str) -> Quote:
        request = billing_pb2.CreateQuoteRequest(opportunity_id=deal_id, title=title)
        return mapping.quote(self._call("quotes", "CreateQuote", request, token))

    def price_quote(self, token: str, quote_id: str, lines: tuple[LineRequest, ...]) -> Quote:
        request = billing_pb2.PriceQuoteLinesRequest(
            id=quote_id,
            lines=[
                deals_pb2.LineInput(product_id=x.product_id, quantity=x.quantity, unit=x.unit)
                for x in lines
            ],
        )
        return mapping.quote(self._call("quotes", "PriceQuoteLines", request, token))

    def quote_action(self, token: str, quote_id: str, action: str, reason: str) -> Quote:
        method, request_type = QUOTE_ACTIONS[action]
        request = request_type(id=quote_id)
        if action in ("reject", "withdraw"):
            request.reason = reason
        return mapping.quote(self._call("quotes", method, request, token))

    def create_order(self, token: str, quote_id: str) -> Order:
        request = billing_pb2.CreateOrderRequest(quote_id=quote_id)
        return mapping.order(self._call("orders", "CreateOrder", request, token))

    def create_invoice(self, token: str, order_id: str) -> Invoice:
        request = billing_pb2.CreateInvoiceRequest(order_id=order_id)
        return mapping.invoice(self._call("invoices", "CreateInvoice", request, token))

    def documents(self, token: str, deal_id: str) -> DealDocuments:
        request = payments_pb2.ListDealDocumentsRequest(opportunity_id=deal_id)
        return mapping.documents(self._call("invoicing", "ListDealDocuments", request, token))

    def invoice_deal(self, token: str, deal_id: str) -> Invoice:
        request = payments_pb2.CreateInvoiceFromDealRequest(opportunity_id=deal_id)
        return mapping.invoice(self._call("invoicing", "CreateInvoiceFromDeal", request, token))

    def issue_invoice(self, token: str, invoice_id: str) -> Invoice:
        request = billing_pb2.IssueInvoiceRequest(id=invoice_id)
        return mapping.invoice(self._call("invoices", "IssueInvoice", request, token))

    def record_payment(
        self,
        token: str,
        invoice_id: str,
        amount: Decimal,
        currency: str,
        *,
        paid_on: str,
        method: str,
        reference: str,
    ) -> Invoice:
        try:
            paid = wire_money.to_proto(amount, currency)
        except InvalidArgument as error:
            raise Refused(error.message, field="amount") from None
        request = payments_pb2.RecordPaymentRequest(
            invoice_id=invoice_id, amount=paid, paid_on=paid_on, method=method, reference=reference
        )
        return mapping.invoice(self._call("invoicing", "RecordPayment", request, token))

    # ------------------------------------------------------------ organisation: pipelines, automation
    def pipeline_details(self, token: str) -> tuple[Pipeline, ...]:
        answer = self._call(
            "pipelines", "ListPipelines", pipelines_pb2.ListPipelinesRequest(), token
        )
        return tuple(_pipeline(p) for p in answer.pipelines)

    def automation_rules(self, token: str, pipeline_id: str) -> tuple[AutomationRule, ...]:
        request = pipelines_pb2.ListAutomationRulesRequest(pipeline_id=pipeline_id)
        answer = self._call("automation", "ListAutomationRules", request, token)
        return tuple(_automation_rule(r) for r in answer.rules)

    def set_automation_enabled(self, token: str, rule_id: str, enabled: bool) -> AutomationRule:
        request = pipelines_pb2.SetAutomationRuleEnabledRequest(id=rule_id, enabled=enabled)
        return _automation_rule(
            self._call("automation", "SetAutomationRuleEnabled", request, token)
        )

    def create_automation_rule(
        self, token: str, pipeline_id: str, rule: NewAutomationRule, webhook_secret: str
    ) -> AutomationRule:
        action = resources_pb2.AutomationAction(
            kind=enums.number_of(resources_pb2.AutomationActionKind, rule.action_kind, "kind"),
            recipients=list(rule.recipients),
            subject=rule.subject,
            body=rule.body,
            url=rule.url,
        )
        request = pipelines_pb2.CreateAutomationRuleRequest(
            pipeline_id=pipeline_id,
            rule=resources_pb2.AutomationRule(
                name=rule.name,
                trigger=enums.number_of(resources_pb2.AutomationTrigger, rule.trigger, "trigger"),
                stage_key=rule.stage_key,
                stalled_after_days=rule.stalled_after_days,
                actions=[action],
                team_ids=list(rule.team_ids),
            ),
            webhook_secret=webhook_secret,
        )
        return _automation_rule(self._call("automation", "CreateAutomationRule", request, token))

    def revise_pipeline(
        self,
        token: str,
        pipeline_id: str,
        stages: tuple[PipelineStage, ...],
        moves: Mapping[str, str],
        version: int,
    ) -> Pipeline:
        request = pipelines_pb2.RevisePipelineRequest(
            id=pipeline_id,
            stages=[_stage_message(s) for s in stages],
            moves=dict(moves),
            expected_version=version,
        )
        return _pipeline(self._call("pipelines", "RevisePipeline", request, token))

    def create_pipeline(
        self,
        token: str,
        sales_line_id: str,
        name: str,
        stages: tuple[PipelineStage, ...],
        additional: bool,
    ) -> Pipeline:
        request = pipelines_pb2.CreatePipelineRequest(
            sales_line_id=sales_line_id,
            name=name,
            stages=[_stage_message(s) for s in stages],
            additional=additional,
        )
        return _pipeline(self._call("pipelines", "CreatePipeline", request, token))


def _stage_message(stage: PipelineStage) -> resources_pb2.Stage:
    return resources_pb2.Stage(
        key=stage.key,
        name=stage.name,
        default_probability=stage.probability,
        forecast_category=enums.number_of(
            resources_pb2.ForecastCategory, stage.forecast_category, "forecast_category"
        ),
        expected_days=stage.expected_days,
    )


def _pipeline(message: resources_pb2.Pipeline) -> Pipeline:
    return Pipeline(
        id=message.id,
        sales_line_id=message.sales_line_id,
        name=message.name,
        stages=tuple(
            PipelineStage(
                key=s.key,
                name=s.name,
                probability=s.default_probability,
                forecast_category=enums.word_of(
                    resources_pb2.ForecastCategory, s.forecast_category, "forecast_category"
                ),
                expected_days=s.expected_days,
            )
            for s in message.stages
        ),
        version=message.version,
        line_default=message.line_default,
    )


def _automation_rule(message: resources_pb2.AutomationRule) -> AutomationRule:
    def action(a: resources_pb2.AutomationAction) -> str:
        kind = enums.word_of(resources_pb2.AutomationActionKind, a.kind, "kind")
        return f"{kind}: {', '.join(a.recipients)}" if a.recipients else f"{kind}: {a.url}"

    return AutomationRule(
        id=message.id,
        pipeline_id=message.pipeline_id,
        name=message.name,
        trigger=enums.word_of(resources_pb2.AutomationTrigger, message.trigger, "trigger"),
        stage_key=message.stage_key,
        stalled_after_days=message.stalled_after_days,
        actions=tuple(action(a) for a in message.actions),
        enabled=message.enabled,
        team_ids=tuple(message.team_ids),
        disabled_reason=message.disabled_reason,
    )
