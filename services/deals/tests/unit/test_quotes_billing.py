"""Quotes with revisions, orders, invoices and their gap-free numbering."""

import datetime as dt
from decimal import Decimal

import pytest
from deals_testkit import T0, eur

from crm_chassis.errors import (
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    ValidationErrors,
)
from crm_deals.domain.billing import InvoiceNumber
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer import billing, closing, payments, quotes

LINES = [LineRequest("p-gadget", Decimal("3"), "piece"), LineRequest("p-widget", Decimal("1.5"))]


def _active_quote(world, deal=None):
    deal = deal or world.deal()
    quote = world.call(
        quotes.create_quote,
        world.alice,
        deal_id=deal.id,
        valid_until=world.clock.now().date() + dt.timedelta(days=30),
    )
    world.call(quotes.price_quote_lines, world.alice, quote.id, LINES)
    return world.call(quotes.activate_quote, world.alice, quote.id), deal


def test_a_quote_is_priced_by_catalog_to_the_cent(world):
    deal = world.deal()
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    assert quote.display_number == f"Q-{deal.id[:8].upper()}-1-R1" and quote.status == "draft"
    quote = world.call(quotes.price_quote_lines, world.alice, quote.id, LINES)
    # 3 x 250.00 - 3 x 12.50 = 712.50; 1.5 x 19.99 = 29.985 -> 29.99 (catalog's rounding)
    assert [line.line_total for line in quote.lines] == [eur("712.50"), eur("29.99")]
    assert quote.total == eur("742.49") and quote.price_list_id == "pl-1"
    _, context = world.pricing.calls[-1]
    assert (context.currency, context.sales_line_id, context.account_id) == (
        "EUR",
        "line-1",
        deal.account_id,
    )
    with pytest.raises(ValidationErrors, match="lines\\[0\\].product_id"):
        world.call(
            quotes.price_quote_lines, world.alice, quote.id, [LineRequest("ghost", Decimal(1))]
        )


def test_an_active_quote_is_read_only_and_changes_by_numbered_revision(world):
    quote, deal = _active_quote(world)
    with pytest.raises(FailedPrecondition, match="is active and read-only; create a new revision"):
        world.call(quotes.price_quote_lines, world.alice, quote.id, LINES[:1])
    with pytest.raises(FailedPrecondition):
        world.call(quotes.update_quote, world.alice, quote.id, title="new")
    revision = world.call(quotes.revise_quote, world.alice, quote.id)
    assert (revision.revision, revision.status, revision.replaces_quote_id) == (
        2,
        "draft",
        quote.id,
    )
    assert revision.lines == world.get("quotes", quote.id).lines
    assert world.get("quotes", quote.id).status == "active"  # until the revision is activated
    with pytest.raises(FailedPrecondition, match="already has revision .*-R2"):
        world.call(quotes.revise_quote, world.alice, quote.id)
    world.call(quotes.price_quote_lines, world.alice, revision.id, LINES[:1])
    world.call(quotes.activate_quote, world.alice, revision.id)
    old = world.get("quotes", quote.id)
    assert old.status == "closed" and "superseded by" in old.close_reason
    assert world.uow.events("quote_activated")[-1].superseded_quote_id == quote.id
    with pytest.raises(FailedPrecondition, match="a draft can be edited directly"):
        world.call(
            quotes.revise_quote,
            world.alice,
            world.call(quotes.create_quote, world.alice, deal_id=deal.id).id,
        )


def test_activation_needs_lines_and_a_valid_date(world):
    deal = world.deal()
    quote = world.call(
        quotes.create_quote,
        world.alice,
        deal_id=deal.id,
        valid_until=T0.date() - dt.timedelta(days=1),
    )
    with pytest.raises(FailedPrecondition, match="has no lines"):
        world.call(quotes.activate_quote, world.alice, quote.id)
    world.call(quotes.price_quote_lines, world.alice, quote.id, LINES)
    with pytest.raises(FailedPrecondition, match="expired on"):
        world.call(quotes.activate_quote, world.alice, quote.id)


def test_winning_a_quote_closes_the_other_open_quotes_and_makes_an_order(world):
    quote, deal = _active_quote(world)
    other = world.call(quotes.create_quote, world.alice, deal_id=deal.id, title="alt")
    assert other.number.endswith("-2")
    world.call(quotes.accept_quote, world.alice, quote.id)
    assert world.get("quotes", other.id).status == "closed"
    with pytest.raises(FailedPrecondition, match="only an active quote can be lost"):
        world.call(quotes.reject_quote, world.alice, quote.id)
    order = world.call(billing.create_order, world.alice, quote.id)
    assert (order.total, order.status, order.lines) == (quote.total, "open", quote.lines)
    with pytest.raises(FailedPrecondition, match="already has an order"):
        world.call(billing.create_order, world.alice, quote.id)
    with pytest.raises(FailedPrecondition, match="only a won quote becomes an order"):
        world.call(billing.create_order, world.alice, other.id)


def test_no_quote_work_on_a_closed_deal(world):
    deal = world.deal()
    world.call(closing.close_lost, world.alice, deal.id, reason="price")
    with pytest.raises(FailedPrecondition, match="read-only"):
        world.call(quotes.create_quote, world.alice, deal_id=deal.id)


def _order(world):
    quote, _ = _active_quote(world)
    world.call(quotes.accept_quote, world.alice, quote.id)
    return world.call(billing.create_order, world.alice, quote.id)


def test_invoice_lifecycle_and_numbering(world):
    order = _order(world)
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        world.call(billing.create_invoice, world.alice, order.id)
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    assert (invoice.status, invoice.number, invoice.total) == ("draft", "", order.total)
    with pytest.raises(FailedPrecondition, match="already has an invoice"):
        world.call(billing.create_invoice, world.sam, order.id)
    invoice = world.call(billing.issue_invoice, world.sam, invoice.id)
    assert (invoice.number, invoice.issue_date, invoice.due_date) == (
        "INV-2026-000001",
        T0.date(),
        T0.date() + dt.timedelta(days=30),
    )
    assert world.get("orders", order.id).status == "invoiced"
    with pytest.raises(FailedPrecondition, match="only a draft can be issued"):
        world.call(billing.issue_invoice, world.sam, invoice.id)
    with pytest.raises(InvalidArgument, match="does not equal the balance due"):
        world.call(billing.mark_invoice_paid, world.sam, invoice.id, amount=eur("1.00"))
    invoice = world.call(
        billing.mark_invoice_paid, world.sam, invoice.id, amount=invoice.total, reference="bank 42"
    )
    assert invoice.status == "paid"
    with pytest.raises(FailedPrecondition, match="cannot be cancelled"):
        world.call(billing.cancel_invoice, world.sam, invoice.id, "oops")
    assert world.types()[-1] == "invoice_paid"


def test_numbers_are_gap_free_per_year_cancelled_drafts_take_none(world):
    numbers = []
    for i in range(3):
        order = _order(world)
        draft = world.call(billing.create_invoice, world.sam, order.id)
        if i == 1:  # a cancelled draft never had a number: no gap
            world.call(billing.cancel_invoice, world.sam, draft.id, "wrong address")
            draft = world.call(billing.create_invoice, world.sam, order.id)
        numbers.append(world.call(billing.issue_invoice, world.sam, draft.id).number)
    assert numbers == ["INV-2026-000001", "INV-2026-000002", "INV-2026-000003"]
    # An issued invoice that is cancelled keeps its number; the order is invoiced again.
    issued = next(
        i for i in world.uow.state.table("invoices").values() if i.number == "INV-2026-000003"
    )
    world.call(billing.cancel_invoice, world.sam, issued.id, "price error")
    assert world.get("invoices", issued.id).number == "INV-2026-000003"
    assert world.get("orders", issued.order_id).status == "open"
    again = world.call(billing.create_invoice, world.sam, issued.order_id)
    assert world.call(billing.issue_invoice, world.sam, again.id).number == "INV-2026-000004"
    world.clock.set(dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=dt.UTC))
    order = _order(world)
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    assert world.call(billing.issue_invoice, world.sam, invoice.id).number == "INV-2027-000001"


def test_a_rolled_back_issue_gives_its_number_back(world, monkeypatch):
    first = world.call(billing.create_invoice, world.sam, _order(world).id)
    second = world.call(billing.create_invoice, world.sam, _order(world).id)
    from crm_deals.service_layer import billing as billing_module

    def broken_publish(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(billing_module, "publish", broken_publish)
    with pytest.raises(RuntimeError):
        world.call(billing.issue_invoice, world.sam, first.id)
    monkeypatch.undo()
    assert world.get("invoices", first.id).status == "draft"
    assert world.call(billing.issue_invoice, world.sam, second.id).number == "INV-2026-000001"


def test_invoice_number_format():
    assert str(InvoiceNumber(2026, 123)) == "INV-2026-000123"
    assert str(InvoiceNumber(2026, 1234567)) == "INV-2026-1234567"
    assert InvoiceNumber.parse("INV-2026-000123") == InvoiceNumber(2026, 123)
    with pytest.raises(InvalidArgument, match="looks like INV-2026-000123"):
        InvoiceNumber.parse("INV-26-1")


def test_orders_cancel_only_without_a_live_invoice(world):
    order = _order(world)
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    with pytest.raises(FailedPrecondition, match="cancel the invoice first"):
        world.call(billing.cancel_order, world.sam, order.id, "customer withdrew")
    world.call(billing.cancel_invoice, world.sam, invoice.id, "customer withdrew")
    order = world.call(billing.cancel_order, world.sam, order.id, "customer withdrew")
    assert order.status == "cancelled"
    with pytest.raises(FailedPrecondition, match="only an open order can be invoiced"):
        world.call(billing.create_invoice, world.sam, order.id)


def test_re_pricing_says_which_lines_are_already_on_the_quote(world):
    # Catalog still prices a retired product for a line already sold, never for a new one.
    deal = world.deal()
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    world.call(quotes.price_quote_lines, world.alice, quote.id, LINES[:1])
    assert [line.existing for line in world.pricing.calls[-1][0]] == [False]
    world.call(
        quotes.price_quote_lines,
        world.alice,
        quote.id,
        [LINES[0], LineRequest("p-thing", Decimal("2"))],
    )
    assert [line.existing for line in world.pricing.calls[-1][0]] == [True, False]


def _invoices_in_every_status(world):
    """One invoice of each status: draft, issued, paid, cancelled (by their ids)."""
    made = {}
    for status in ("draft", "issued", "paid", "cancelled"):
        invoice = world.call(billing.create_invoice, world.sam, _order(world).id)
        if status in ("issued", "paid"):
            invoice = world.call(billing.issue_invoice, world.sam, invoice.id)
        if status == "paid":
            world.call(billing.mark_invoice_paid, world.sam, invoice.id, amount=invoice.total)
        if status == "cancelled":
            world.call(billing.cancel_invoice, world.sam, invoice.id, "wrong address")
        made[status] = invoice.id
    return made


def test_invoices_listed_by_status_only_the_callers_and_a_bad_status_names_the_valid_ones(world):
    from crm_deals.service_layer.repositories import PageQuery

    made = _invoices_in_every_status(world)
    for status, invoice_id in made.items():
        found = world.call(billing.list_invoices, world.sam, status=status, page=PageQuery.of())
        assert [(i.id, i.status) for i in found.items] == [(invoice_id, status)]
    every = world.call(billing.list_invoices, world.sam, page=PageQuery.of())
    assert sorted(i.id for i in every.items) == sorted(made.values())
    assert [i.id for i in world.call(billing.list_invoices, world.sam, status=" Paid ").items] == [
        made["paid"]
    ]
    # another team's member sees none of them, whatever the status
    assert world.call(billing.list_invoices, world.tom, status="draft").items == []
    with pytest.raises(InvalidArgument) as refused:
        world.call(billing.list_invoices, world.sam, status="overdue")
    assert refused.value.field == "status"
    assert "draft, issued, paid, cancelled, partly_paid" in str(refused.value)


def test_partly_paid_lists_issued_invoices_with_payments_short_of_the_total(world):
    made = _invoices_in_every_status(world)
    assert world.call(billing.list_invoices, world.sam, status="partly_paid").items == []
    part = world.call(billing.issue_invoice, world.sam, _invoice(world).id)
    world.call(payments.record_payment, world.sam, part.id, amount=eur("1.00"), method="card")
    settled = world.call(billing.issue_invoice, world.sam, _invoice(world).id)
    world.call(payments.record_payment, world.sam, settled.id, amount=eur("1.00"), method="card")
    world.call(
        payments.record_payment,
        world.sam,
        settled.id,
        amount=settled.total - eur("1.00"),
        method="card",
    )
    found = world.call(billing.list_invoices, world.sam, status="partly_paid").items
    assert [(i.id, i.status, i.is_partly_paid) for i in found] == [(part.id, "issued", True)]
    # still issued: the issued filter keeps it; the settled one is paid
    issued = world.call(billing.list_invoices, world.sam, status="issued").items
    assert sorted(i.id for i in issued) == sorted([made["issued"], part.id])
    paid = world.call(billing.list_invoices, world.sam, status="paid").items
    assert sorted(i.id for i in paid) == sorted([made["paid"], settled.id])
    assert world.call(billing.list_invoices, world.tom, status="partly_paid").items == []


def _invoice(world):
    return world.call(billing.create_invoice, world.sam, _order(world).id)
