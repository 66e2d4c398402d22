"""The Iranian rial through deals: a deal in IRR quoted, ordered and invoiced with amounts of
hundreds of billions of rials, exact to ISO 4217's two minor digits on every step and event."""

from decimal import Decimal

from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer import billing, quotes

TURBINE = ("Turbine", "41352500000.00", "5169062500.00")  # unit price, discount a unit


def irr(amount: str) -> Money:
    return Money(Decimal(amount), "IRR")


def test_a_rial_deal_is_quoted_and_invoiced_exactly(world):
    world.pricing.prices["p-turbine"] = TURBINE
    world.pricing.prices["p-seal"] = ("Seal", "1250000.50", "0")
    deal = world.deal(currency="IRR", estimated_revenue=irr("253284062500.00"))
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    quote = world.call(
        quotes.price_quote_lines,
        world.alice,
        quote.id,
        [LineRequest("p-turbine", Decimal("7")), LineRequest("p-seal", Decimal("3"))],
    )
    assert world.pricing.calls[-1][1].currency == "IRR"
    assert [line.line_total for line in quote.lines] == [
        irr("253284062500.00"),  # 7 x 41,352,500,000.00 - 7 x 5,169,062,500.00
        irr("3750001.50"),
    ]
    assert quote.total == irr("253287812501.50")
    world.call(quotes.activate_quote, world.alice, quote.id)
    world.call(quotes.accept_quote, world.alice, quote.id)
    order = world.call(billing.create_order, world.alice, quote.id)
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    invoice = world.call(billing.issue_invoice, world.sam, invoice.id)
    assert invoice.total == order.total == quote.total
    assert invoice.total.wire == "253287812501.50"  # two ISO digits on the wire, never a float
    issued = world.uow.events("invoice_issued")[-1]
    assert (issued.invoice.total.amount, issued.invoice.total.currency) == (
        "253287812501.50",
        "IRR",
    )
    paid = world.call(billing.mark_invoice_paid, world.sam, invoice.id, amount=invoice.total)
    assert paid.status == "paid"
