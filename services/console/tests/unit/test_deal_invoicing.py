"""The deal page's orders and invoices on fakes: listed after a reload (deals'
ListDealDocuments), an invoice straight from a won deal's priced lines, issued, paid in parts
with the balance and paid status shown, refusals with deals' own message, and a deal of another
team answering with the not-found page."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from crm_console.domain.deals import DealDocuments, Invoice, Money, Order

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def documents(page: str) -> str:
    return page[
        page.index('id="documents"') : page.index("</section>", page.index('id="documents"'))
    ]


def sign_in(client, identity, email: str, name: str):
    person = identity.add(email, name)
    form = client.get("/sign-in")
    client.post(
        "/sign-in", data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD}
    )
    return person


@pytest.fixture
def sue(world):
    """Sue, a supervisor of team-1, signed in; d1 is won."""
    client, identity, _, _ = world
    person = sign_in(client, identity, "sue@example.com", "Sue")
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {person.user_id}
    deals.supervisors.add(person.user_id)
    deals.add("d1", "proposal", "742.49")
    deals.statuses["d1"] = "won"
    return client, deals


def post(client, path: str, **data: str):
    token = csrf(client.get("/deals/d1").text)
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def test_a_won_deal_is_invoiced_issued_and_paid_in_parts(sue):
    client, deals = sue
    page = client.get("/deals/d1")
    assert "No orders or invoices yet." in documents(page.text)
    assert "Invoice the deal's priced lines" in page.text
    made = post(client, "/deals/d1/invoice")
    assert made.status_code == 303 and made.headers["location"] == "/deals/d1?notice=invoiced"
    drafted = documents(client.get("/deals/d1").text)
    assert "(draft, no number yet)" in drafted and "€742.49" in drafted
    assert "Invoice the deal" not in drafted  # one live invoice per deal
    post(client, "/deals/d1/invoices/inv-d1/issue")
    issued = documents(client.get("/deals/d1").text)
    assert "INV-2026-000001" in issued and "Record a payment" in issued
    assert 'name="amount" inputmode="decimal" required value="742.49"' in issued  # the balance
    assert 'name="paid_on" type="date" value="2026-12-07"' in issued
    answer = post(
        client,
        "/deals/d1/invoices/inv-d1/payments",
        amount="500.00",
        currency="EUR",
        paid_on="2026-12-05",
        method="cheque",
        reference="CHQ-7",
    )
    assert answer.headers["location"] == "/deals/d1?notice=payment_recorded"
    assert deals.payments_sent == [
        ("inv-d1", Decimal("500.00"), "EUR", "2026-12-05", "cheque", "CHQ-7")
    ]
    part = client.get("/deals/d1?notice=payment_recorded").text
    assert "Payment recorded." in part
    shown = documents(part)
    assert '<dd class="invoice-paid">€500.00</dd>' in shown
    assert '<dd class="invoice-balance">€242.49</dd>' in shown
    assert "<td>Cheque</td><td>CHQ-7</td>" in shown and "Dec 5, 2026" in shown
    assert ">issued</span>" in shown
    post(
        client,
        "/deals/d1/invoices/inv-d1/payments",
        amount="242.49",
        currency="EUR",
        method="card",
    )
    paid = documents(client.get("/deals/d1").text)
    assert ">paid</span>" in paid and '<dd class="invoice-balance">€0.00</dd>' in paid
    assert "Record a payment" not in paid


def test_refusals_show_deals_message_and_bad_entries_are_named(sue):
    client, deals = sue
    post(client, "/deals/d1/invoice")
    post(client, "/deals/d1/invoices/inv-d1/issue")
    too_much = post(
        client,
        "/deals/d1/invoices/inv-d1/payments",
        amount="800",
        currency="EUR",
        method="card",
    )
    assert too_much.status_code == 409
    assert "a payment of 800 EUR is more than the balance due 742.49 EUR" in too_much.text
    not_a_number = post(
        client,
        "/deals/d1/invoices/inv-d1/payments",
        amount="lots",
        currency="EUR",
        method="card",
    )
    assert "enter the amount as a number, e.g. 250.00" in not_a_number.text
    barter = post(
        client, "/deals/d1/invoices/inv-d1/payments", amount="1", currency="EUR", method="barter"
    )
    assert "choose one of bank_transfer, card" in barter.text
    again = post(client, "/deals/d1/invoice")
    assert again.status_code == 409 and "already has an invoice" in again.text
    assert deals.payments_sent == []


def test_an_open_deal_is_not_invoiced_directly_and_a_rep_is_refused(world):
    client, identity, _, _ = world
    rep = sign_in(client, identity, "ann@example.com", "Ann")
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {rep.user_id}
    deals.add("d1", "proposal", "742.49")
    assert "Invoice the deal" not in client.get("/deals/d1").text  # open: no such button
    refused = post(client, "/deals/d1/invoice")
    assert refused.status_code == 409 and "only a supervisor or manager" in refused.text


def test_orders_and_their_invoices_are_listed_after_a_reload(sue):
    client, deals = sue
    deals.docs["d1"] = DealDocuments(
        orders=(
            Order("o-1", "q-1", "cancelled", eur("100.00")),
            Order("o-2", "q-2", "open", eur("742.49")),
        ),
        invoices=(Invoice("i-1", "INV-2026-000004", "o-1", "cancelled", eur("100.00")),),
    )
    shown = documents(client.get("/deals/d1").text)
    assert shown.index('data-order="o-1"') < shown.index('data-invoice="i-1"')
    assert shown.index('data-invoice="i-1"') < shown.index('data-order="o-2"')
    assert "INV-2026-000004" in shown and ">cancelled</span>" in shown
    # the open order without a live invoice offers its invoice; the cancelled one does not
    assert shown.count("Make the invoice") == 1
    assert 'name="order_id" value="o-2"' in shown


def test_another_teams_deal_and_its_invoices_answer_not_found(sue, world):
    client, deals = sue
    deals.teams["team-1"] = set()  # Sue is no longer a member of the deal's team
    assert client.get("/deals/d1").status_code == 404
    hidden = client.post(
        "/deals/d1/invoices/inv-d1/issue",
        data={"csrf_token": csrf(client.get("/").text)},
    )
    assert hidden.status_code == 404
