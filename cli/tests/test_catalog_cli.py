"""crmctl unit-groups|products|price-lists|discount-lists|pricing against a recording fake
catalog on a real gRPC server: what crmctl sends, and the priced table (or JSON) it prints."""

from __future__ import annotations

import json

import grpc
import pytest
from google.protobuf import message_factory

from crm.catalog.v1 import (
    discount_lists_pb2,
    exchange_rates_pb2,
    price_lists_pb2,
    pricing_pb2,
    products_pb2,
    units_pb2,
)
from crm.common.v1 import money_pb2

MODULES = (
    units_pb2,
    products_pb2,
    price_lists_pb2,
    discount_lists_pb2,
    pricing_pb2,
    exchange_rates_pb2,
)
PRODUCT_ID = "a" * 32


class FakeCatalog:
    """Answers every catalog method with ``replies[method]`` (a message or a function of the
    request), else an empty response; records the requests; wants the fake identity's token."""

    def __init__(self, identity):
        self.identity, self.requests, self.replies = identity, [], {}

    def sent(self, method: str) -> list:
        return [request for name, request in self.requests if name == method]

    def generic_handlers(self):
        handlers = []
        for module in MODULES:
            for service in module.DESCRIPTOR.services_by_name.values():
                handlers.append(
                    grpc.method_handlers_generic_handler(
                        service.full_name,
                        {
                            method.name: grpc.unary_unary_rpc_method_handler(
                                self._handler(
                                    method.name, message_factory.GetMessageClass(method.output_type)
                                ),
                                request_deserializer=message_factory.GetMessageClass(
                                    method.input_type
                                ).FromString,
                                response_serializer=lambda message: message.SerializeToString(),
                            )
                            for method in service.methods
                        },
                    )
                )
        return handlers

    def _handler(self, name, response_class):
        def handle(request, context):
            bearer = dict(context.invocation_metadata()).get("authorization", "")
            if bearer.removeprefix("Bearer ") not in self.identity.valid_access:
                context.abort(grpc.StatusCode.UNAUTHENTICATED, "invalid token")
            self.requests.append((name, request))
            reply = self.replies.get(name)
            return reply(request) if callable(reply) else reply or response_class()

        return handle


@pytest.fixture
def catalog(identity, serve_fake):
    fake = FakeCatalog(identity)
    fake.address = serve_fake(fake.generic_handlers())
    return fake


@pytest.fixture
def run(logged_in, catalog):
    logged_in.env["CRM_CATALOG_ADDRESS"] = catalog.address
    return logged_in


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def priced(request: pricing_pb2.PriceQuoteRequest) -> pricing_pb2.PriceQuoteResponse:
    """Line 1 priced 10.00 a unit with 5 % off; any further line refused as unknown."""
    first = request.lines[0]
    response = pricing_pb2.PriceQuoteResponse(
        currency="EUR",
        pricing_date="2026-03-02",
        complete=len(request.lines) == 1,
        lines=[
            pricing_pb2.QuoteLineResult(
                index=0,
                sku=first.sku,
                product_id=PRODUCT_ID,
                unit=first.unit,
                quantity=first.quantity,
                list_price=eur("12.00"),
                unit_price=eur("10.00"),
                gross_amount=eur("120.00"),
                discount=eur("6.00"),
                extended_amount=eur("114.00"),
                price_list_name="Standard",
                price_list_version=3,
                discount_list_id="d" * 32,
                discount_tier_index=1,
                explanation=["unit price 10.00 EUR [amount]"],
            )
        ],
        totals=pricing_pb2.QuoteTotals(
            gross_amount=eur("120.00"),
            discount=eur("6.00"),
            net_amount=eur("114.00"),
            priced_lines=1,
            failed_lines=len(request.lines) - 1,
        ),
    )
    for index, line in enumerate(request.lines[1:], start=1):
        response.lines.add(
            index=index,
            sku=line.sku,
            unit=line.unit,
            quantity=line.quantity,
            error=pricing_pb2.LineError(
                code=pricing_pb2.LINE_ERROR_CODE_PRODUCT_NOT_FOUND,
                message=f"no product '{line.sku}' existed as of now",
            ),
        )
    response.as_of.FromJsonString("2026-03-02T09:00:00.123456Z")
    return response


def test_pricing_quote_prints_every_line_and_the_totals(run, catalog):
    catalog.replies["PriceQuote"] = priced
    catalog.replies["GetProduct"] = products_pb2.GetProductResponse(
        product=products_pb2.Product(id=PRODUCT_ID, sku="NOPE", default_unit="piece")
    )
    result = run(
        "pricing",
        "quote",
        "WINE-RED:12:case",
        "NOPE:1",
        "--currency",
        "EUR",
        "--account",
        "acct-7",
        "--as-of",
        "2026-03-02T10:00:00+01:00",
        "--explain",
    )

    assert result.exit_code == 2, result.output  # 2: not every line could be priced
    (request,) = catalog.sent("PriceQuote")
    assert [(line.sku, line.quantity, line.unit) for line in request.lines] == [
        ("WINE-RED", "12", "case"),
        ("NOPE", "1", "piece"),
    ]  # default unit looked up
    assert (
        request.context.currency,
        request.context.account_id,
        request.context.as_of.ToJsonString(),
    ) == ("EUR", "acct-7", "2026-03-02T09:00:00Z")
    lines = result.stdout.splitlines()
    first = next(line for line in lines if "WINE-RED" in line)
    for figure in ("12.00", "10.00", "120.00", "6.00", "114.00", "Standard v3, tier 2"):
        assert figure in first
    assert any("product_not_found: no product 'NOPE'" in line for line in lines)
    total = next(line for line in lines if "total" in line)
    assert "114.00" in total and "1 priced, 1 not priced" in total
    assert "unit price 10.00 EUR [amount]" in result.stdout  # explanations printed verbatim
    assert "as of 2026-03-02 09:00:00.123456 UTC" in result.stdout


def test_pricing_quote_as_json_is_the_whole_response(run, catalog):
    catalog.replies["PriceQuote"] = priced
    result = run(
        "pricing",
        "quote",
        f"{PRODUCT_ID}:3:bottle",
        "--price-list",
        "e" * 32,
        "--existing",
        "-o",
        "json",
    )

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["totals"]["net_amount"] == {"amount": "114.00", "currency": "EUR"}
    assert body["complete"] is True and body["lines"][0]["extended_amount"]["amount"] == "114.00"
    (request,) = catalog.sent("PriceQuote")
    assert request.lines[0].product_id == PRODUCT_ID and request.lines[0].existing_line
    assert request.context.price_list_id == "e" * 32


@pytest.mark.parametrize(
    "args, words",
    [
        (["WINE"], "is not PRODUCT:QUANTITY[:UNIT]"),
        (["WINE:1:case", "--as-of", "yesterday"], "not an ISO 8601"),
        (["WINE:1:case", "--as-of", "2026-03-02T10:00:00"], "needs a time zone"),
    ],
)
def test_pricing_quote_refuses_malformed_input_before_calling(run, catalog, args, words):
    result = run("pricing", "quote", *args)
    assert result.exit_code == 1 and words in result.stderr
    assert catalog.sent("PriceQuote") == []


def test_administration_sends_what_was_asked(run, catalog):
    catalog.replies["GetProduct"] = products_pb2.GetProductResponse(
        product=products_pb2.Product(
            id=PRODUCT_ID, sku="WINE-RED", list_price=eur("12.00"), version=4
        )
    )
    catalog.replies["UpdateProduct"] = lambda request: products_pb2.UpdateProductResponse(
        product=products_pb2.Product(
            id=request.id,
            sku="WINE-RED",
            version=5,
            list_price=request.product.list_price,
            status=products_pb2.PRODUCT_STATUS_ACTIVE,
        )
    )
    result = run(
        "products", "update", "WINE-RED", "--list-price", "13.00", "--expected-version", "4"
    )
    assert result.exit_code == 0, result.output
    (update,) = catalog.sent("UpdateProduct")
    assert list(update.update_mask.paths) == ["list_price"] and update.expected_version == 4
    assert update.product.list_price == eur("13.00")
    assert "13.00 EUR" in result.stdout and "active" in result.stdout

    assert (
        run(
            "price-lists",
            "set-item",
            "e" * 32,
            PRODUCT_ID,
            "case",
            "--method",
            "percent-of-list",
            "--value",
            "90",
            "--rounding",
            "up",
            "--rounding-option",
            "ending",
            "--rounding-amount",
            "0.99",
        ).exit_code
        == 0
    )
    (item,) = catalog.sent("SetPriceListItem")
    assert (
        item.item.product_id,
        item.item.unit,
        item.item.method,
        item.item.rounding.mode,
        item.item.rounding.option,
        item.item.rounding.amount,
    ) == (
        PRODUCT_ID,
        "case",
        price_lists_pb2.PRICING_METHOD_PERCENT_OF_LIST,
        price_lists_pb2.ROUNDING_MODE_UP,
        price_lists_pb2.ROUNDING_OPTION_ENDING,
        "0.99",
    )

    assert (
        run("discount-lists", "create", "Volume", "--tier", "1:9:0", "--tier", "10::5").exit_code
        == 0
    )
    (created,) = catalog.sent("CreateDiscountList")
    assert [(t.low, t.high, t.value) for t in created.tiers] == [("1", "9", "0"), ("10", "", "5")]
    assert run("discount-lists", "create", "Bad", "--tier", "1-9").exit_code == 1

    catalog.replies["ListUnitGroups"] = units_pb2.ListUnitGroupsResponse(
        unit_groups=[
            units_pb2.UnitGroup(
                id="g" * 32,
                name="Bottles",
                base_unit="bottle",
                units=[
                    units_pb2.Unit(name="bottle", quantity="1", of_unit="bottle"),
                    units_pb2.Unit(name="case", quantity="24", of_unit="bottle"),
                ],
            )
        ]
    )
    listed = run("unit-groups", "list", "-o", "json")
    assert json.loads(listed.stdout)[0]["units"] == ["bottle (base)", "case = 24 bottle"]


def test_price_lists_show_prints_each_item_with_its_sku(run, catalog):
    catalog.replies["GetPriceList"] = price_lists_pb2.GetPriceListResponse(
        price_list=price_lists_pb2.PriceList(
            id="e" * 32,
            name="Standard",
            currency="EUR",
            version=3,
            items=[
                price_lists_pb2.PriceListItem(
                    product_id=PRODUCT_ID,
                    sku="WINE-RED",
                    unit="case",
                    method=price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                    value="54.00",
                )
            ],
        )
    )
    result = run("price-lists", "show", "e" * 32)
    assert result.exit_code == 0, result.output
    (row,) = [line for line in result.stdout.splitlines() if "WINE-RED" in line]
    assert "case" in row and "54.00" in row and "currency_amount" in row


def test_unit_groups_and_price_lists_are_named_as_people_call_them(run, catalog):
    group_id, list_id = "b" * 32, "c" * 32
    catalog.replies["ListUnitGroups"] = units_pb2.ListUnitGroupsResponse(
        unit_groups=[units_pb2.UnitGroup(id=group_id, name="Bottles", base_unit="bottle")]
    )
    catalog.replies["ListPriceLists"] = price_lists_pb2.ListPriceListsResponse(
        price_lists=[price_lists_pb2.PriceList(id=list_id, name="Standard EUR", currency="EUR")]
    )
    catalog.replies["GetProduct"] = products_pb2.GetProductResponse(
        product=products_pb2.Product(id=PRODUCT_ID, sku="WATER-1")
    )
    assert run("unit-groups", "add", "bottles", "case", "12", "bottle").exit_code == 0
    assert catalog.sent("AddUnit")[0].unit_group_id == group_id
    assert (
        run(
            "products",
            "create",
            "--sku",
            "WATER-1",
            "--unit-group",
            "Bottles",
            "--currency",
            "EUR",
            "--name",
            "Still water",
            "--default-unit",
            "case",
            "--list-price",
            "9.00",
        ).exit_code
        == 0
    )
    assert catalog.sent("CreateProduct")[0].unit_group_id == group_id
    assert (
        run(
            "price-lists", "set-item", "Standard EUR", "WATER-1", "case", "--value", "8.50"
        ).exit_code
        == 0
    )
    (item,) = catalog.sent("SetPriceListItem")
    assert (item.price_list_id, item.item.product_id) == (list_id, PRODUCT_ID)
    missing = run("price-lists", "show", "Premium")
    assert missing.exit_code == 1
    assert "no price list named 'Premium'" in missing.stderr
    assert "`crmctl price-lists list` shows them" in missing.stderr


# --- rates -------------------------------------------------------------------------------------


def test_rates_import_sends_the_file_and_a_rerun_reports_unchanged(run, catalog, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_text(
        "base,quote,date,rate,source\nEUR,USD,2026-01-01,1.0850,ECB\nUSD,IRR,2026-01-01,420000,\n"
    )
    catalog.replies["ImportExchangeRates"] = exchange_rates_pb2.ImportExchangeRatesResponse(
        changed=0, unchanged=2
    )
    result = run("rates", "import", str(path), "--source", "CBI", "-o", "json")
    assert result.exit_code == 0, result.output
    (request,) = catalog.sent("ImportExchangeRates")
    assert [(r.base, r.quote, r.effective_on, r.rate, r.source) for r in request.rates] == [
        ("EUR", "USD", "2026-01-01", "1.0850", "ECB"),
        ("USD", "IRR", "2026-01-01", "420000", "CBI"),
    ]
    assert json.loads(result.output) == {"rates": 2, "changed": 0, "unchanged": 2}


def test_rates_convert_shows_the_rate_used(run, catalog):
    catalog.replies["ConvertAmount"] = exchange_rates_pb2.ConvertAmountResponse(
        converted=money_pb2.Money(amount="108.50", currency="USD"),
        rate="1.085",
        rate_date="2026-01-01",
        explanation="1 EUR = 1.085 USD (rate of 2026-01-01)",
    )
    result = run("rates", "convert", "100 EUR", "--to", "USD", "--on", "2026-02-01")
    assert result.exit_code == 0, result.output
    (request,) = catalog.sent("ConvertAmount")
    assert (request.amount.amount, request.amount.currency, request.to_currency, request.on) == (
        "100",
        "EUR",
        "USD",
        "2026-02-01",
    )
    assert (
        "108.50 USD" in result.output and "1 EUR = 1.085 USD (rate of 2026-01-01)" in result.output
    )


def test_rates_set_sends_the_pair_and_day(run, catalog):
    result = run("rates", "set", "eur", "usd", "1.09", "--on", "2026-03-01", "--source", "ECB")
    assert result.exit_code == 0, result.output
    (request,) = catalog.sent("SetExchangeRate")
    assert (request.rate.base, request.rate.quote, request.rate.rate) == ("eur", "usd", "1.09")
    assert request.rate.effective_on == "2026-03-01" and request.rate.source == "ECB"
