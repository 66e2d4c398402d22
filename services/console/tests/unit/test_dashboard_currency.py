"""The dashboards in a reporting currency: the currency chosen in the filter form and kept in
every link like the scope and period, sent to reporting (never to the cycle or campaign ROI,
which it does not convert), the rates reporting used listed beside the figures, reporting's
FAILED_PRECONDITION sentence shown when a rate is missing, and the gateway's translation of
reporting's CurrencyConversion."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import grpc
import pytest

from crm.reporting.v1 import reports_pb2 as pb
from crm_console.adapters.reporting_grpc import ReportingGateway
from crm_console.domain.errors import ConsoleError, Refused
from crm_console.domain.reports import (
    AppliedRate,
    Conversion,
    ReportPeriod,
    ReportScope,
    TeamScope,
    currency_from,
)

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client, identity, email: str):
    person = identity.add(email, email.split("@")[0].title(), ())
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"csrf_token": CSRF.search(form.text).group(1), "email": email, "password": PASSWORD},
    )
    return person


class Refusal(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str) -> None:
        self._code, self._details = code, details

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self):
        return ()


class Channel:
    """Answers each method with the canned message (or raises it) and records the requests."""

    def __init__(self, answers: dict[str, object]) -> None:
        self.answers, self.calls = answers, []

    def unary_unary(self, method, request_serializer=None, response_deserializer=None, **_):
        def call(request, timeout=None, metadata=None):
            self.calls.append((method.rsplit("/", 1)[-1], request))
            answer = self.answers[method.rsplit("/", 1)[-1]]
            if isinstance(answer, Exception):
                raise answer
            return answer

        return call

    def __getattr__(self, name):  # streams: not used by the gateway
        return lambda *args, **kwargs: None


def gateway(answers: dict[str, object]) -> tuple[ReportingGateway, Channel]:
    channel = Channel(answers)
    return ReportingGateway(channel, Channel({}), 5.0), channel


MISSING = (
    "no exchange rate from USD to IRR on 2026-12-01: set one with "
    "`crmctl rates set USD IRR RATE --on 2026-12-01` (or an earlier date)"
)
USD_EUR = AppliedRate(
    "USD", "EUR", "0.92", dt.date(2026, 11, 30), False, "ECB", 3, "1 USD = 0.92 EUR"
)


class ConvertingReporting:
    """The fake reporting of the pages, converting when asked for a currency: the figures as
    they are with the rates of ``rates``, or reporting's refusal for a currency without them."""

    def __init__(self, fake) -> None:
        self.fake, self.currencies = fake, []
        self.rates = {"EUR": (USD_EUR,), "USD": ()}

    def __getattr__(self, name):
        method = getattr(self.fake, name)
        if name == "scopes":
            return method

        def call(*args, currency: str = "", **kwargs):
            self.currencies.append((name, currency))
            found = method(*args, **kwargs)
            if not currency:
                return found
            if currency not in self.rates:
                raise Refused(MISSING.replace("IRR", currency))
            return dataclasses.replace(found, conversion=Conversion(currency, self.rates[currency]))

        return call


@pytest.fixture
def manager(world, figures_of, monkeypatch):
    """Mia manages unit "west"; reporting converts to EUR with one rate, USD with none."""
    client, identity, _, _ = world
    person = sign_in(client, identity, "mia@example.com")
    console = client.app.state.console
    fake = console.deps.reporting
    fake.team_scopes[person.user_id] = (
        TeamScope("team-1", "supervisor"),
        TeamScope("team-2", "manager", "west"),
    )
    fake.figures[("unit", "west")] = figures_of("2026-12")
    converting = ConvertingReporting(fake)
    monkeypatch.setattr(console, "deps", dataclasses.replace(console.deps, reporting=converting))
    return client, converting


def test_without_a_currency_the_form_offers_one_and_nothing_is_converted(manager):
    client, reporting = manager
    text = client.get("/dashboards").text
    assert reporting.currencies[-1] == ("dashboard", "")
    assert '<select id="dash-currency" name="currency"' in text
    assert '<option value="" selected>Each currency on its own</option>' in text
    assert '<option value="IRR">IRR</option>' in text and 'value="HRK"' not in text
    assert 'id="dash-rates"' not in text


def test_the_currency_is_sent_shown_with_its_rates_and_kept_in_every_link(manager):
    client, reporting = manager
    page = client.get("/dashboards?scope=unit:west&period=quarter&date=2026-12-07&currency=eur")
    assert page.status_code == 200
    assert reporting.currencies[-1] == ("dashboard", "EUR")
    text = page.text
    assert '<option value="EUR" selected>EUR</option>' in text
    rates = text[text.index('id="dash-rates"') :]
    assert "Amounts in EUR" in rates
    assert '<bdi dir="ltr">1 USD = 0.92 EUR</bdi>' in rates
    assert "Nov 30, 2026" in rates and "<td>ECB</td>" in rates and "<td>3</td>" in rates
    links = re.findall(r'href="(/dashboards[^"]*\?[^"]*)"', text)  # groups and arrows
    assert len(links) == 12 and all("currency=EUR" in link for link in links)
    assert "/dashboards/velocity?scope=unit%3Awest&amp;period=quarter" in text


def test_each_converting_page_sends_the_currency_the_cycle_and_campaigns_do_not(manager):
    client, reporting = manager
    for group in ("funnel", "win-rate", "lost-reasons", "velocity", "forecast", "leaderboard"):
        client.get(f"/dashboards/{group}?currency=EUR")
    assert {currency for _, currency in reporting.currencies} == {"EUR"}
    for group in ("cycle", "campaigns"):
        text = client.get(f"/dashboards/{group}?currency=EUR").text
        assert reporting.currencies[-1] == (reporting.currencies[-1][0], "")
        assert '<select id="dash-currency"' not in text
        assert '<input type="hidden" name="currency" value="EUR">' in text  # kept for the next
        assert "are not converted to EUR" in text


def test_a_currency_already_everywhere_needs_no_rate(manager):
    client, _ = manager
    text = client.get("/dashboards?currency=USD").text
    assert "Every amount was already in USD: no rate was needed." in text


def test_a_missing_rate_shows_reportings_sentence_and_keeps_the_form(manager):
    client, reporting = manager
    page = client.get("/dashboards?currency=IRR")
    assert page.status_code == 200
    assert reporting.currencies[-1] == ("dashboard", "IRR")
    text = page.text
    assert 'id="dash-empty"' in text
    assert "crmctl rates set USD IRR RATE --on 2026-12-01" in text
    assert '<option value="IRR" selected>IRR</option>' in text


def test_a_currency_that_is_not_three_letters_is_a_bad_link(manager):
    client, reporting = manager
    asked = len(reporting.currencies)
    page = client.get("/dashboards?currency=euro")
    assert page.status_code == 400
    assert "ISO 4217 code of three letters" in page.text
    assert len(reporting.currencies) == asked


def test_the_form_and_the_rates_are_translated(manager):
    client, _ = manager
    client.cookies.set("crm_lang", "fa", domain="console.test")
    text = client.get("/dashboards?currency=EUR").text
    assert "Reporting currency" not in text and "Amounts in EUR" not in text


def test_currency_from_normalises_and_refuses_what_is_not_a_code():
    assert currency_from(" eur ") == "EUR" and currency_from("") == ""
    for bad in ("EU", "EURO", "€UR", "E1R"):
        with pytest.raises(ConsoleError, match="three letters") as refused:
            currency_from(bad)
        assert refused.value.field == "currency"


# ---------------------------------------------------------------- the gateway
SCOPE = ReportScope("team", "team-1")
PERIOD = ReportPeriod("month", dt.date(2026, 12, 7))


def conversion(currency: str, *rates: pb.AppliedRate) -> pb.CurrencyConversion:
    return pb.CurrencyConversion(currency=currency, rates=list(rates))


def test_the_gateway_sends_the_currency_and_reads_the_rates_used():
    used = pb.AppliedRate(
        currency="USD",
        to="EUR",
        rate="0.92",
        rate_date="2026-11-30",
        inverse=True,
        source="ECB",
        amounts=4,
        explanation="1 USD = 0.92 EUR (rate of 2026-11-30)",
    )
    answers = {
        "WinRate": pb.WinRateResponse(conversion=conversion("EUR", used)),
        "Dashboard": pb.DashboardResponse(conversion=conversion("EUR")),
        "SalesVelocity": pb.SalesVelocityResponse(),
    }
    port, channel = gateway(answers)
    report = port.win_rate("t", SCOPE, PERIOD, currency="EUR")
    assert channel.calls[-1][1].currency == "EUR"
    assert report.conversion == Conversion(
        "EUR",
        (
            AppliedRate(
                "USD",
                "EUR",
                "0.92",
                dt.date(2026, 11, 30),
                True,
                "ECB",
                4,
                "1 USD = 0.92 EUR (rate of 2026-11-30)",
            ),
        ),
    )
    assert port.dashboard("t", SCOPE, PERIOD, currency="EUR").conversion == Conversion("EUR", ())
    assert port.velocity("t", SCOPE, PERIOD).conversion is None  # one total per currency
    assert channel.calls[-1][1].currency == ""


def test_a_missing_rate_is_reportings_refusal_with_its_sentence():
    port, _ = gateway({"Forecast": Refusal(grpc.StatusCode.FAILED_PRECONDITION, MISSING)})
    with pytest.raises(Refused, match=re.escape("crmctl rates set USD IRR RATE")):
        port.forecast("t", SCOPE, PERIOD, "month", currency="IRR")
