"""Pure domain rules that the use-case tests do not reach directly."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.billing import Invoice, InvoiceNumber, Order
from crm_deals.domain.handover import least_loaded
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest, check_line_requests
from crm_deals.domain.quotes import Quote

ACTOR = Actor("u1")
T = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
EUR = lambda a: Money(Decimal(a), "EUR")  # noqa: E731


def _quote(status="active") -> Quote:
    return Quote(
        id="q1",
        number="Q-1",
        revision=1,
        opportunity_id="d1",
        account_id="a1",
        team_id="t1",
        currency="EUR",
        created_at=T,
        updated_at=T,
        status=status,
        total=EUR("10.00"),
    )


@pytest.mark.parametrize("status", ["won", "lost", "closed"])
def test_final_quotes_accept_no_decision_or_withdrawal(status):
    quote = _quote(status)
    with pytest.raises(FailedPrecondition, match=f"is {status}: only an active quote"):
        quote.accept(ACTOR, T)
    with pytest.raises(FailedPrecondition, match=f"already {status}"):
        quote.withdraw(ACTOR, T, "x")
    with pytest.raises(FailedPrecondition, match="create a new quote"):
        quote.ensure_draft()


def test_each_change_bumps_the_version_and_keeps_one_history_entry():
    quote = _quote()
    quote.accept(ACTOR, T)
    (entry,) = quote.drain_history()
    assert (entry.action, entry.version, quote.version) == ("won", 1, 1)
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("status", "active", "won")]
    assert quote.drain_history() == []


def test_an_invoice_number_must_be_of_the_issue_year():
    order = Order(
        id="o1",
        quote_id="q1",
        opportunity_id="d1",
        account_id="a1",
        team_id="t1",
        currency="EUR",
        lines=(),
        total=EUR("10.00"),
        created_at=T,
        updated_at=T,
    )
    invoice = Invoice.from_order(id="i1", order=order, actor=ACTOR, at=T)
    with pytest.raises(ValueError):
        invoice.issue(ACTOR, T, InvoiceNumber(2025, 1))
    with pytest.raises(ValueError):
        InvoiceNumber(2026, 0)


def test_least_loaded_is_fair_and_reproducible():
    deals = [SimpleNamespace(id=f"d{i}", estimated_revenue=None) for i in range(5)]
    plan = least_loaded(deals, ["u2", "u1"], {"u1": 2})
    assert list(plan.values()).count("u2") == 3 and list(plan.values()).count("u1") == 2
    assert least_loaded(deals, [], {}) == {}


def test_line_requests_are_checked():
    assert check_line_requests([LineRequest("p", Decimal("1.2345"))])
    for quantity in (Decimal("-1"), Decimal("1.23456"), Decimal("NaN"), Decimal("1e9")):
        with pytest.raises(InvalidArgument, match="quantity must be a positive decimal"):
            check_line_requests([LineRequest("p", quantity)])
    with pytest.raises(InvalidArgument, match="at most 200 lines"):
        check_line_requests([LineRequest("p", Decimal(1))] * 201)
