"""Line workflows: a contract line's deals close by signed contract (and renew once), a
pro-forma line's deals go quote -> pro-forma -> order -> invoice; each refuses the other's steps.
Invoices straight from won deals, and payments in parts."""

import datetime as dt
from decimal import Decimal

import pytest
from deals_testkit import T0, eur

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain.pricing import LineRequest
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer import (
    billing,
    closing,
    contracts,
    deals,
    payments,
    proformas,
    quotes,
    sales_lines,
)
from crm_deals.service_layer.access import Caller

WORKER = Caller.system("deals-worker")
LINES = [LineRequest("p-gadget", Decimal("3"), "piece"), LineRequest("p-widget", Decimal("1.5"))]


def _workflow(world, workflow: str) -> None:
    """territory's newer snapshot of line-1 (the world's pipeline) with ``workflow``."""
    sales_lines.record_sales_line(
        world.deps, WORKER, SalesLine("line-1", "Enterprise", workflow, True, 2)
    )


def _contract(world, deal, **kwargs):
    kwargs.setdefault("parties", ["Acme GmbH", "Our Company Ltd"])
    kwargs.setdefault("terms", "12 months of support")
    kwargs.setdefault("value", eur("12000.00"))
    kwargs.setdefault("start_date", dt.date(2026, 4, 1))
    kwargs.setdefault("end_date", dt.date(2027, 3, 31))
    kwargs.setdefault("notice_days", 60)
    return world.call(contracts.create_contract, world.alice, deal_id=deal.id, **kwargs)


def test_a_contract_lines_deal_is_won_by_signing_its_contract(world):
    _workflow(world, "contract")
    deal = world.deal()
    contract = _contract(world, deal)
    assert (contract.status, contract.renewal_date, contract.renewal_due_on) == (
        "draft",
        dt.date(2027, 3, 31),
        dt.date(2027, 1, 30),
    )
    with pytest.raises(FailedPrecondition, match="already has contract"):
        _contract(world, deal)
    signed = world.call(contracts.sign_contract, world.alice, contract.id, signed_by="Dr. Vogel")
    assert (signed.status, signed.signed_on, signed.signed_by) == ("signed", T0.date(), "Dr. Vogel")
    won = world.get("opportunities", deal.id)
    assert (won.status, won.actual_revenue, won.actual_close_date) == (
        "won",
        eur("12000.00"),
        T0.date(),
    )
    assert world.get("accounts", deal.account_id).relationship == "customer"
    types = world.types()
    assert types[types.index("contract_signed") + 1] == "deal_won"
    with pytest.raises(FailedPrecondition, match="only a draft can be signed"):
        world.call(contracts.sign_contract, world.alice, contract.id, signed_by="x")


def test_the_renewal_opportunity_is_opened_once_when_the_notice_deadline_comes(world):
    _workflow(world, "contract")
    deal = world.deal()
    contract = _contract(world, deal)
    world.call(contracts.sign_contract, world.alice, contract.id, signed_by="Dr. Vogel")
    world.clock.set(dt.datetime(2027, 1, 29, 23, 0, tzinfo=dt.UTC))  # a day before it is due
    assert contracts.open_due_renewals(world.deps, WORKER) == (0, {})
    world.clock.set(dt.datetime(2027, 1, 30, 6, 0, tzinfo=dt.UTC))
    assert contracts.open_due_renewals(world.deps, WORKER) == (1, {})
    assert contracts.open_due_renewals(world.deps, WORKER) == (0, {})  # once
    renewed = world.get("contracts", contract.id)
    renewal = world.get("opportunities", renewed.renewal_opportunity_id)
    assert (renewal.name, renewal.status, renewal.account_id, renewal.owner_user_id) == (
        "Renewal: Acme rollout",
        "open",
        deal.account_id,
        deal.owner_user_id,
    )
    assert (renewal.estimated_revenue, renewal.estimated_close_date) == (
        eur("12000.00"),
        dt.date(2027, 3, 31),
    )
    assert world.uow.events("contract_renewal_opened")[-1].renewal_opportunity_id == renewal.id
    assert len(world.uow.events("contract_renewal_opened")) == 1


def test_a_contract_line_refuses_the_pro_forma_steps_and_a_hand_made_win(world):
    _workflow(world, "contract")
    deal = world.deal()
    with pytest.raises(FailedPrecondition, match="'Enterprise' is a contract line") as refused:
        world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    assert "crmctl contracts sign" in str(refused.value)
    with pytest.raises(FailedPrecondition, match="cannot close as won by hand"):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("10.00"),
            actual_close_date=T0.date(),
        )


def _active_quote(world, deal):
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    world.call(quotes.price_quote_lines, world.alice, quote.id, LINES)
    return world.call(quotes.activate_quote, world.alice, quote.id)


def test_a_pro_forma_line_goes_quote_pro_forma_order_invoice_paid_in_parts(world):
    _workflow(world, "quote")
    deal = world.deal()
    with pytest.raises(FailedPrecondition, match="is a pro-forma line") as refused:
        _contract(world, deal)
    assert "crmctl proformas accept" in str(refused.value)
    quote = _active_quote(world, deal)
    valid = T0.date() + dt.timedelta(days=14)
    proforma = world.call(
        proformas.issue_proforma, world.alice, quote_id=quote.id, valid_until=valid
    )
    assert (proforma.number, proforma.status, proforma.total) == (
        f"PF-{deal.id[:8].upper()}-1",
        "issued",
        eur("742.49"),
    )
    with pytest.raises(FailedPrecondition, match="already has pro-forma"):
        world.call(proformas.issue_proforma, world.alice, quote_id=quote.id, valid_until=valid)
    accepted = world.call(proformas.accept_proforma, world.alice, proforma.id)
    assert accepted.status == "accepted" and accepted.order_id
    assert world.get("quotes", quote.id).status == "won"
    order = world.get("orders", accepted.order_id)
    assert (order.quote_id, order.total) == (quote.id, eur("742.49"))
    won = world.get("opportunities", deal.id)
    assert (won.status, won.actual_revenue) == ("won", eur("742.49"))
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    invoice = world.call(billing.issue_invoice, world.sam, invoice.id)
    part = world.call(
        payments.record_payment,
        world.sam,
        invoice.id,
        amount=eur("500.00"),
        method="bank_transfer",
        reference="TX-1",
    )
    assert (part.status, part.paid_amount, part.balance) == ("issued", eur("500.00"), eur("242.49"))
    with pytest.raises(InvalidArgument, match="more than the balance due 242.49 EUR"):
        world.call(
            payments.record_payment, world.sam, invoice.id, amount=eur("300.00"), method="card"
        )
    with pytest.raises(InvalidArgument, match="payment method must be one of"):
        world.call(
            payments.record_payment, world.sam, invoice.id, amount=eur("1.00"), method="barter"
        )
    with pytest.raises(PermissionDenied):
        world.call(
            payments.record_payment, world.alice, invoice.id, amount=eur("1.00"), method="card"
        )
    paid = world.call(
        payments.record_payment,
        world.sam,
        invoice.id,
        amount=eur("242.49"),
        paid_on=T0.date() - dt.timedelta(days=1),
        method="card",
        reference="TX-2",
    )
    assert (paid.status, paid.balance, [p.reference for p in paid.payments]) == (
        "paid",
        eur("0.00"),
        ["TX-1", "TX-2"],
    )
    assert world.types()[-2:] == ["invoice_payment_recorded", "invoice_paid"]
    assert [e.payment.amount.amount for e in world.uow.events("invoice_payment_recorded")] == [
        "500.00",
        "242.49",
    ]


def test_an_expired_pro_forma_cannot_be_accepted(world):
    deal = world.deal()
    quote = _active_quote(world, deal)
    proforma = world.call(
        proformas.issue_proforma, world.alice, quote_id=quote.id, valid_until=T0.date()
    )
    world.clock.set(T0 + dt.timedelta(days=1))
    assert proforma.status_on(world.clock.now().date()) == "expired"
    with pytest.raises(FailedPrecondition, match="expired on 2026-03-02: issue a new pro-forma"):
        world.call(proformas.accept_proforma, world.alice, proforma.id)
    assert world.get("quotes", quote.id).status == "active"  # nothing changed
    again = world.call(
        proformas.issue_proforma,
        world.alice,
        quote_id=quote.id,
        valid_until=T0.date() + dt.timedelta(days=10),
    )
    assert again.number.endswith("-2")


def test_a_line_without_a_known_workflow_refuses_nothing(world):
    _workflow(world, "")
    deal = world.deal()
    _contract(world, deal)
    _active_quote(world, deal)


def test_a_won_deals_priced_lines_are_invoiced_directly(world):
    deal = world.deal()
    world.call(deals.set_deal_lines, world.alice, deal.id, LINES)
    with pytest.raises(FailedPrecondition, match="only a won deal is invoiced directly"):
        world.call(payments.create_invoice_from_deal, world.sam, deal.id)
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("742.49"),
        actual_close_date=T0.date(),
    )
    with pytest.raises(PermissionDenied):
        world.call(payments.create_invoice_from_deal, world.alice, deal.id)
    with pytest.raises(NotFound):
        world.call(payments.create_invoice_from_deal, world.tom, deal.id)
    invoice = world.call(payments.create_invoice_from_deal, world.sam, deal.id)
    assert (invoice.order_id, invoice.total, len(invoice.lines)) == ("", eur("742.49"), 2)
    with pytest.raises(FailedPrecondition, match="already has invoice"):
        world.call(payments.create_invoice_from_deal, world.sam, deal.id)
    issued = world.call(billing.issue_invoice, world.sam, invoice.id)
    assert issued.number == "INV-2026-000001"
    cancelled = world.call(billing.cancel_invoice, world.sam, issued.id, "wrong address")
    assert cancelled.status == "cancelled"
    again = world.call(payments.create_invoice_from_deal, world.sam, deal.id)
    assert again.id != invoice.id


def test_a_deals_orders_and_invoices_are_listed_for_whoever_sees_the_deal(world):
    deal = world.deal()
    assert world.call(payments.list_deal_documents, world.alice, deal.id) == (
        payments.DealDocuments(orders=[], invoices=[])
    )
    quote = _active_quote(world, deal)
    world.call(quotes.accept_quote, world.alice, quote.id)
    order = world.call(billing.create_order, world.alice, quote.id)
    first = world.call(billing.create_invoice, world.sam, order.id)
    world.call(billing.cancel_invoice, world.sam, first.id, "wrong address")
    world.clock.set(T0 + dt.timedelta(minutes=5))
    second = world.call(billing.create_invoice, world.sam, order.id)
    other = world.deal()
    other_quote = _active_quote(world, other)
    world.call(quotes.accept_quote, world.alice, other_quote.id)
    world.call(billing.create_order, world.alice, other_quote.id)
    found = world.call(payments.list_deal_documents, world.bob, deal.id)
    assert [o.id for o in found.orders] == [order.id]
    assert [(i.id, i.status) for i in found.invoices] == [
        (first.id, "cancelled"),
        (second.id, "draft"),
    ]
    # Another team's member and an administrator outside the team: as for an unknown deal.
    for outsider in (world.tom, world.admin):
        with pytest.raises(NotFound):
            world.call(payments.list_deal_documents, outsider, deal.id)
    with pytest.raises(NotFound):
        world.call(payments.list_deal_documents, world.alice, "no-such-deal")


def test_a_won_deal_without_lines_is_not_invoiced_directly(world):
    deal = world.deal(estimated_revenue=eur("100.00"))
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("100.00"),
        actual_close_date=T0.date(),
    )
    with pytest.raises(FailedPrecondition, match="has no priced product lines"):
        world.call(payments.create_invoice_from_deal, world.sam, deal.id)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"parties": []}, "parties"),
        ({"value": eur("0.00")}, "value"),
        ({"end_date": dt.date(2026, 3, 1)}, "end_date"),
        ({"renewal_date": dt.date(2028, 1, 1)}, "renewal_date"),
        ({"notice_days": -1}, "notice_days"),
    ],
)
def test_contract_terms_are_checked(world, changes, field):
    _workflow(world, "contract")
    deal = world.deal()
    with pytest.raises(InvalidArgument) as refused:
        _contract(world, deal, **changes)
    assert refused.value.field == field
