"""Exchange rates over the real gRPC server on PostgreSQL: set, import, list by pages, convert at
the rate of a date with the rate shown, and the errors a person can act on."""

import grpc
import pytest
from sqlalchemy import select

from crm.catalog.v1 import exchange_rates_pb2 as X
from crm.common.v1 import money_pb2
from crm_catalog.adapters.orm import outbox as OUTBOX

pytestmark = pytest.mark.integration
SC = grpc.StatusCode


def rate(base, quote, on, value, source="ECB"):
    return X.ExchangeRate(base=base, quote=quote, effective_on=on, rate=value, source=source)


def test_rates_set_imported_listed_and_used_for_conversion(client, tokens, engine):
    call, rates = client.call, client.rates
    pm, sales = tokens["pricing_manager"], tokens["sales"]
    # a pair of its own: the session's database is shared with the other tests
    set_ = call(
        rates.SetExchangeRate,
        X.SetExchangeRateRequest(rate=rate("CHF", "IRR", "2024-01-01", "47000")),
        pm,
    )
    assert set_.changed and set_.rate.set_by == "user-pm"
    imported = X.ImportExchangeRatesRequest(
        rates=[
            rate("CHF", "IRR", "2024-07-01", "48500.5"),
            rate("CHF", "IRR", "2025-01-01", "60000"),
        ]
    )
    assert call(rates.ImportExchangeRates, imported, pm).changed == 2
    assert call(rates.ImportExchangeRates, imported, pm).unchanged == 2  # a re-run adds nothing

    listed = call(
        rates.ListExchangeRates,
        X.ListExchangeRatesRequest(base="CHF", quote="IRR", page={"page_size": 2}),
        sales,
    )
    assert [r.effective_on for r in listed.rates] == ["2024-01-01", "2024-07-01"]
    rest = call(
        rates.ListExchangeRates,
        X.ListExchangeRatesRequest(
            base="CHF", quote="IRR", page={"cursor": listed.page.next_cursor}
        ),
        sales,
    )
    assert [r.rate for r in rest.rates] == ["60000"]

    converted = call(
        rates.ConvertAmount,
        X.ConvertAmountRequest(
            amount=money_pb2.Money(amount="1000.00", currency="CHF"),
            to_currency="IRR",
            on="2024-12-31",
        ),
        sales,
    )
    assert converted.converted.amount == "48500500.00" and converted.converted.currency == "IRR"
    assert converted.rate_date == "2024-07-01" and converted.rate == "48500.5"
    assert converted.explanation == "1 CHF = 48500.5 IRR (rate of 2024-07-01)"
    back = call(
        rates.ConvertAmount,
        X.ConvertAmountRequest(
            amount=money_pb2.Money(amount="120000000.00", currency="IRR"),
            to_currency="CHF",
            on="2025-06-30",
        ),
        sales,
    )
    assert back.converted.amount == "2000.00" and back.inverse

    with engine.connect() as connection:
        kinds = (
            connection.execute(
                select(OUTBOX.c.event_type).where(OUTBOX.c.aggregate_id.like("CHF/IRR/%"))
            )
            .scalars()
            .all()
        )
    assert kinds == ["exchange_rate_set"] * 3


@pytest.mark.parametrize(
    "request_,token,code,words",
    [
        (
            X.ConvertAmountRequest(
                amount=money_pb2.Money(amount="1", currency="CHF"),
                to_currency="SEK",
                on="2020-01-01",
            ),
            "sales",
            SC.FAILED_PRECONDITION,
            "crmctl rates set CHF SEK",
        ),
        (
            X.ConvertAmountRequest(
                amount=money_pb2.Money(amount="1", currency="IRT"), to_currency="SEK"
            ),
            "sales",
            SC.INVALID_ARGUMENT,
            "send IRR",
        ),
        (
            X.SetExchangeRateRequest(rate=rate("EUR", "USD", "2026-01-01", "1.1")),
            "sales",
            SC.PERMISSION_DENIED,
            "pricing_manager",
        ),
        (
            X.SetExchangeRateRequest(rate=rate("EUR", "USD", "01/01/2026", "1.1")),
            "pricing_manager",
            SC.INVALID_ARGUMENT,
            "YYYY-MM-DD",
        ),
    ],
)
def test_errors_name_what_to_do(client, tokens, request_, token, code, words):
    method = (
        client.rates.ConvertAmount
        if isinstance(request_, X.ConvertAmountRequest)
        else client.rates.SetExchangeRate
    )
    with pytest.raises(grpc.RpcError) as err:
        client.call(method, request_, tokens[token])
    assert err.value.code() == code and words in err.value.details()


def test_the_rates_backfill_re_publishes_every_rate_at_its_version(client, tokens, engine):
    from crm.catalog.v1 import snapshots_pb2 as S

    call, pm = client.call, tokens["pricing_manager"]
    call(
        client.rates.SetExchangeRate,
        X.SetExchangeRateRequest(rate=rate("NOK", "IRR", "2024-01-01", "3900")),
        pm,
    )
    request = S.PublishSnapshotsRequest(
        kind=S.SNAPSHOT_KIND_EXCHANGE_RATES, page={"page_size": 500}
    )
    published, cursor = 0, ""
    while True:  # the session's database is shared: other tests' rates are published too
        request.page.cursor = cursor
        answer = call(client.snapshots.PublishSnapshots, request, pm)
        published, cursor = published + answer.published, answer.page.next_cursor
        if not cursor:
            break
    assert published >= 1
    with engine.connect() as connection:
        rows = connection.execute(
            select(OUTBOX.c.event_type, OUTBOX.c.aggregate_version).where(
                OUTBOX.c.aggregate_id == "NOK/IRR/2024-01-01"
            )
        ).all()
    assert sorted(rows) == [("exchange_rate_set", 1), ("exchange_rate_snapshot", 1)]
    for token, code in (
        ("sales", SC.PERMISSION_DENIED),
        ("service_with_roles", SC.PERMISSION_DENIED),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            call(client.snapshots.PublishSnapshots, request, tokens[token])
        assert refused.value.code() == code
    with pytest.raises(grpc.RpcError) as no_kind:
        call(client.snapshots.PublishSnapshots, S.PublishSnapshotsRequest(), pm)
    assert no_kind.value.code() == SC.INVALID_ARGUMENT
    assert "kind must be one of exchange_rates" in (no_kind.value.details() or "")
