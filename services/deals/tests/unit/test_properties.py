"""Properties over many random runs: invoice numbers stay gap-free and unique whatever mix of
issues, cancellations and failed (rolled-back) issues happens; every event round-trips on the
wire."""

import datetime as dt
from decimal import Decimal

import pytest
from deals_testkit import World
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm.deals.v1 import events_pb2
from crm_chassis import events
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer import billing, quotes

OPS = st.lists(
    st.sampled_from(["issue", "cancel_draft", "cancel_issued", "fail_issue", "new_year"]),
    min_size=1,
    max_size=25,
)


def _draft_invoice(world):
    deal = world.deal()
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    world.call(
        quotes.price_quote_lines, world.alice, quote.id, [LineRequest("p-widget", Decimal(1))]
    )
    world.call(quotes.activate_quote, world.alice, quote.id)
    world.call(quotes.accept_quote, world.alice, quote.id)
    order = world.call(billing.create_order, world.alice, quote.id)
    return world.call(billing.create_invoice, world.sam, order.id)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_invoice_numbers_are_gap_free_and_unique(ops):
    world = World()
    issued = []
    for op in ops:
        if op == "new_year":
            world.clock.set(dt.datetime(world.clock.current.year + 1, 1, 1, 8, tzinfo=dt.UTC))
            continue
        invoice = _draft_invoice(world)
        if op == "cancel_draft":
            world.call(billing.cancel_invoice, world.sam, invoice.id, "not needed")
        elif op == "fail_issue":
            real = world.uow.emit
            world.uow.emit = lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash"))
            with pytest.raises(RuntimeError):
                world.call(billing.issue_invoice, world.sam, invoice.id)
            world.uow.emit = real
        else:
            issued.append(world.call(billing.issue_invoice, world.sam, invoice.id).number)
            if op == "cancel_issued":
                invoice_id = world.uow.events("invoice_issued")[-1].invoice.id
                world.call(billing.cancel_invoice, world.sam, invoice_id, "error")
    by_year: dict[str, list[int]] = {}
    for number in issued:
        _, year, sequence = number.split("-")
        by_year.setdefault(year, []).append(int(sequence))
    for year, sequences in by_year.items():
        assert sequences == list(range(1, len(sequences) + 1)), (year, sequences)


def test_every_emitted_event_round_trips_on_the_wire(world):
    _draft_invoice(world)
    invoice = world.uow.events("invoice_created")[-1].invoice
    world.call(billing.issue_invoice, world.sam, invoice.id)
    names = {m.DESCRIPTOR.name for _, m in world.uow.emitted}
    assert {"DealCreated", "QuoteActivated", "OrderCreated", "InvoiceIssued"} <= names
    for event_type, message in world.uow.emitted:
        cls = getattr(events_pb2, message.DESCRIPTOR.name)
        decoded = events.decode(events.encode(message), cls)
        assert decoded == message and decoded.meta.event_type == event_type
