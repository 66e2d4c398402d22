"""End to end over the real processes of identity, territory, catalog and deals: each sales line
closes its deals its own way (territory's workflow_kind, kept by deals from sales_line_changed).
A contract line's deal is won by signing its contract and the worker's renewal timer opens its
renewal opportunity once; a pro-forma line's deal goes quote (priced by catalog) -> pro-forma ->
order -> invoice, paid in two parts; each line refuses the other's steps. Accounts form a
hierarchy without cycles, and the roll-up of deal value over it is exact."""

from __future__ import annotations

import datetime as dt

import grpc
import pytest
from e2e_platform import PASSWORD, As, Stubs, create_pipeline, small_company, unique

from crm.catalog.v1 import (
    price_lists_pb2,
    price_lists_pb2_grpc,
    products_pb2,
    products_pb2_grpc,
    units_pb2,
    units_pb2_grpc,
)
from crm.common.v1 import money_pb2
from crm.deals.v1 import (
    account_profiles_pb2,
    account_profiles_pb2_grpc,
    accounts_pb2,
    billing_pb2,
    billing_pb2_grpc,
    contracts_pb2,
    contracts_pb2_grpc,
    deals_pb2,
    payments_pb2,
    payments_pb2_grpc,
    resources_pb2,
)
from crm.identity.v1 import users_pb2
from crm.territory.v1 import sales_lines_pb2
from crm_devrun.bed import PlatformBed

pytestmark = pytest.mark.integration


def eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def _line(stubs, admin, company, kind):
    return admin(
        stubs.lines.CreateSalesLine,
        sales_lines_pb2.CreateSalesLineRequest(
            name=unique("Line"), workflow_kind=kind, team_ids=[company["berlin"].id]
        ),
    ).sales_line


def _catalog(bed, stubs, admin):
    """One active product, 250.00 EUR a piece in a default price list; returns its id."""
    email = f"{unique('carl')}@example.com"
    admin(
        stubs.users.CreateUser,
        users_pb2.CreateUserRequest(
            email=email, display_name="Carl", password=PASSWORD, roles=["catalog_manager"]
        ),
    )
    manager = As(bed.login(email, PASSWORD))
    channel = bed.channel("catalog")
    units = units_pb2_grpc.UnitGroupServiceStub(channel)
    products = products_pb2_grpc.ProductServiceStub(channel)
    lists = price_lists_pb2_grpc.PriceListServiceStub(channel)
    group = manager(
        units.CreateUnitGroup,
        units_pb2.CreateUnitGroupRequest(name=unique("Pieces"), base_unit="piece"),
    ).unit_group
    product = manager(
        products.CreateProduct,
        products_pb2.CreateProductRequest(
            sku=unique("GADGET"),
            name="Gadget",
            unit_group_id=group.id,
            default_unit="piece",
            currency="EUR",
            list_price="250.00",
        ),
    ).product
    manager(products.ActivateProduct, products_pb2.ActivateProductRequest(id=product.id))
    price_list = manager(
        lists.CreatePriceList,
        price_lists_pb2.CreatePriceListRequest(
            name=unique("Standard"),
            currency="EUR",
            scope=price_lists_pb2.PriceListScope(kind=price_lists_pb2.SCOPE_KIND_DEFAULT),
        ),
    ).price_list
    manager(
        lists.SetPriceListItem,
        price_lists_pb2.SetPriceListItemRequest(
            price_list_id=price_list.id,
            item=price_lists_pb2.PriceListItem(
                product_id=product.id,
                unit="piece",
                method=price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT,
                value="250.00",
            ),
        ),
    )
    return product.id


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    services = ["identity", "territory", "catalog", "deals"]
    env = {"CRM_DEALS_RENEWAL_SCAN_SECONDS": "1"}
    with PlatformBed(services, tmp_path_factory.mktemp("bed"), env=env) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        contract_line = _line(stubs, admin, company, sales_lines_pb2.WORKFLOW_KIND_CONTRACT)
        proforma_line = _line(stubs, admin, company, sales_lines_pb2.WORKFLOW_KIND_QUOTE)
        for line in (contract_line, proforma_line):
            create_pipeline(bed, admin, line.id)
        channel = bed.channel("deals")
        yield dict(
            bed=bed,
            stubs=stubs,
            admin=admin,
            contract_line=contract_line,
            proforma_line=proforma_line,
            product_id=_catalog(bed, stubs, admin),
            contracts=contracts_pb2_grpc.ContractServiceStub(channel),
            proformas=contracts_pb2_grpc.ProFormaServiceStub(channel),
            quotes=billing_pb2_grpc.QuoteServiceStub(channel),
            orders=billing_pb2_grpc.OrderServiceStub(channel),
            invoices=billing_pb2_grpc.InvoiceServiceStub(channel),
            invoicing=payments_pb2_grpc.InvoicingServiceStub(channel),
            profiles=account_profiles_pb2_grpc.AccountProfileServiceStub(channel),
            **company,
        )


def _account(platform, person, name="Acme GmbH"):
    return person(
        platform["stubs"].accounts.CreateAccount,
        accounts_pb2.CreateAccountRequest(team_id=platform["berlin"].id, name=unique(name)),
    )


def _deal(platform, person, line, account=None, amount="1000.00"):
    account = account or _account(platform, person)
    return person(
        platform["stubs"].deals.CreateDeal,
        deals_pb2.CreateDealRequest(
            name=unique("Rollout"),
            account_id=account.id,
            sales_line_id=line.id,
            currency="EUR",
            estimated_revenue=eur(amount),
        ),
    )


def test_a_contract_lines_deal_is_won_by_signing_and_renews_once(platform):
    ann, bed = platform["people"]["ann"], platform["bed"]
    deal = _deal(platform, ann, platform["contract_line"])
    refused = ann.error(
        platform["quotes"].CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id)
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is a contract line" in refused.details()
    refused = ann.error(
        platform["stubs"].deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=deal.id, actual_revenue=eur("10.00"), actual_close_date=dt.date.today().isoformat()
        ),
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    today = dt.datetime.now(dt.UTC).date()
    contract = ann(
        platform["contracts"].CreateContract,
        contracts_pb2.CreateContractRequest(
            opportunity_id=deal.id,
            parties=["Acme GmbH", "Our Company Ltd"],
            terms="support, 12 months",
            value=eur("12000.00"),
            start_date=(today - dt.timedelta(days=300)).isoformat(),
            end_date=(today + dt.timedelta(days=30)).isoformat(),
            notice_days=60,  # the notice deadline has passed: the renewal is due at once
        ),
    )
    signed = ann(
        platform["contracts"].SignContract,
        contracts_pb2.SignContractRequest(id=contract.id, signed_by="Dr. Vogel"),
    )
    assert signed.status == contracts_pb2.CONTRACT_STATUS_SIGNED
    won = ann(platform["stubs"].deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id))
    assert won.status == resources_pb2.DEAL_STATUS_WON
    assert (won.actual_revenue.amount, won.actual_revenue.currency) == ("12000.00", "EUR")

    def renewed():
        found = ann(
            platform["contracts"].GetContract, contracts_pb2.GetContractRequest(id=signed.id)
        )
        return found if found.renewal_opportunity_id else None

    renewed_contract = bed.wait_for(renewed, 60, "the renewal timer never opened the renewal")
    renewal = ann(
        platform["stubs"].deals.GetDeal,
        deals_pb2.GetDealRequest(id=renewed_contract.renewal_opportunity_id),
    )
    assert renewal.status == resources_pb2.DEAL_STATUS_OPEN
    assert renewal.name.startswith("Renewal: ") and renewal.account_id == deal.account_id
    assert renewal.estimated_revenue.amount == "12000.00"
    # Once: further runs of the timer leave it alone (a second renewal would be a second deal).
    bed.wait_for(
        lambda: len(_open_renewals(platform, ann, deal.account_id)) == 1 or None,
        10,
        "expected exactly one renewal",
    )
    stable = _open_renewals(platform, ann, deal.account_id)
    assert [d.id for d in stable] == [renewal.id]


def _open_renewals(platform, person, account_id):
    listed = person(
        platform["stubs"].deals.ListDeals,
        deals_pb2.ListDealsRequest(account_id=account_id),
    )
    return [d for d in listed.deals if d.name.startswith("Renewal: ")]


def test_a_pro_forma_lines_deal_goes_to_an_invoice_paid_in_two_parts(platform):
    ann, sue = platform["people"]["ann"], platform["people"]["sue"]
    deal = _deal(platform, ann, platform["proforma_line"])
    refused = ann.error(
        platform["contracts"].CreateContract,
        contracts_pb2.CreateContractRequest(opportunity_id=deal.id, value=eur("1.00")),
    )
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "is a pro-forma line" in refused.details()
    quote = ann(
        platform["quotes"].CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal.id)
    )
    ann(
        platform["quotes"].PriceQuoteLines,
        billing_pb2.PriceQuoteLinesRequest(
            id=quote.id,
            lines=[
                deals_pb2.LineInput(product_id=platform["product_id"], quantity="3", unit="piece")
            ],
        ),
    )
    quote = ann(platform["quotes"].ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    assert quote.total.amount == "750.00"
    valid = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat()
    proforma = ann(
        platform["proformas"].IssueProForma,
        contracts_pb2.IssueProFormaRequest(quote_id=quote.id, valid_until=valid),
    )
    assert proforma.number.startswith("PF-") and proforma.total.amount == "750.00"
    accepted = ann(
        platform["proformas"].AcceptProForma, contracts_pb2.AcceptProFormaRequest(id=proforma.id)
    )
    assert accepted.status == contracts_pb2.PRO_FORMA_STATUS_ACCEPTED
    won = ann(platform["stubs"].deals.GetDeal, deals_pb2.GetDealRequest(id=deal.id))
    assert (won.status, won.actual_revenue.amount) == (resources_pb2.DEAL_STATUS_WON, "750.00")
    invoice = sue(
        platform["invoices"].CreateInvoice,
        billing_pb2.CreateInvoiceRequest(order_id=accepted.order_id),
    )
    invoice = sue(platform["invoices"].IssueInvoice, billing_pb2.IssueInvoiceRequest(id=invoice.id))
    part = sue(
        platform["invoicing"].RecordPayment,
        payments_pb2.RecordPaymentRequest(
            invoice_id=invoice.id, amount=eur("500.00"), method="bank_transfer", reference="TX-1"
        ),
    )
    assert part.status == resources_pb2.INVOICE_STATUS_ISSUED
    assert (part.paid_amount.amount, part.balance.amount) == ("500.00", "250.00")
    too_much = sue.error(
        platform["invoicing"].RecordPayment,
        payments_pb2.RecordPaymentRequest(
            invoice_id=invoice.id, amount=eur("250.01"), method="card"
        ),
    )
    assert too_much.code() == grpc.StatusCode.INVALID_ARGUMENT
    paid = sue(
        platform["invoicing"].RecordPayment,
        payments_pb2.RecordPaymentRequest(
            invoice_id=invoice.id, amount=eur("250.00"), method="card", reference="TX-2"
        ),
    )
    assert paid.status == resources_pb2.INVOICE_STATUS_PAID
    assert paid.balance.amount in ("0.00", "0")
    assert [p.reference for p in paid.payments] == ["TX-1", "TX-2"]


def test_account_hierarchies_refuse_cycles_and_roll_up_exactly(platform):
    ann = platform["people"]["ann"]
    line = platform["proforma_line"]
    group, de, berlin = (_account(platform, ann, n) for n in ("Group", "DE", "Berlin"))
    for child, parent in ((de, group), (berlin, de)):
        ann(
            platform["profiles"].SetParentAccount,
            account_profiles_pb2.SetParentAccountRequest(
                account_id=child.id, parent_account_id=parent.id
            ),
        )
    loop = ann.error(
        platform["profiles"].SetParentAccount,
        account_profiles_pb2.SetParentAccountRequest(
            account_id=group.id, parent_account_id=berlin.id
        ),
    )
    assert loop.code() == grpc.StatusCode.FAILED_PRECONDITION and "may not loop" in loop.details()
    _deal(platform, ann, line, group, "100.10")
    _deal(platform, ann, line, de, "200.20")
    won = _deal(platform, ann, line, berlin, "0.01")
    ann(
        platform["stubs"].deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=won.id,
            actual_revenue=eur("999.99"),
            actual_close_date=dt.datetime.now(dt.UTC).date().isoformat(),
        ),
    )
    _deal(platform, ann, line, berlin, "0.01")
    rollup = ann(
        platform["profiles"].GetAccountRollup,
        account_profiles_pb2.GetAccountRollupRequest(account_id=group.id),
    )
    assert list(rollup.account_ids) == [group.id, de.id, berlin.id]
    assert (rollup.open_deals, rollup.won_deals) == (3, 1)
    assert [(m.amount, m.currency) for m in rollup.open_value] == [("300.31", "EUR")]
    assert [(m.amount, m.currency) for m in rollup.won_value] == [("999.99", "EUR")]
    # another team's person sees none of it
    cid = platform["people"]["cid"]
    hidden = cid.error(
        platform["profiles"].GetAccountRollup,
        account_profiles_pb2.GetAccountRollupRequest(account_id=group.id),
    )
    assert hidden.code() == grpc.StatusCode.NOT_FOUND
