"""``crmctl contracts|proformas ...``, ``crmctl invoices create-from-deal|record-payment|list``
and ``crmctl orders list``:
the two ways a sales line's deals close (a contract line: a signed contract wins the deal; a
pro-forma line: quote -> pro-forma invoice -> order -> invoice), invoices straight from won
deals, payments in parts, and a deal's orders and invoices."""

from __future__ import annotations

import click

from crm.deals.v1 import billing_pb2, contracts_pb2, payments_pb2, resources_pb2
from crmctl.commands.deals.billing import invoices, orders, show_invoice
from crmctl.commands.deals.rows import invoice_row, order_row, row
from crmctl.commands.deals.stubs import Stubs
from crmctl.options import limit_option, output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.shapes import id_command
from crmctl.wire import enum_choice, enum_value, money

CONTRACT_COLUMNS = [
    ("id", "id"),
    ("status", "status"),
    ("value", "value"),
    ("start_date", "start"),
    ("end_date", "end"),
    ("renewal_due_on", "renewal due"),
]
CONTRACT_FIELDS = [
    *CONTRACT_COLUMNS,
    ("opportunity_id", "deal"),
    ("parties", "parties"),
    ("terms", "terms"),
    ("renewal_date", "renews on"),
    ("notice_days", "notice days"),
    ("signed_on", "signed on"),
    ("signed_by", "signed by"),
    ("renewal_opportunity_id", "renewal deal"),
    ("cancel_reason", "cancel reason"),
    ("version", "version"),
]
PROFORMA_COLUMNS = [
    ("id", "id"),
    ("number", "number"),
    ("status", "status"),
    ("total", "total"),
    ("valid_until", "valid until"),
]
PROFORMA_FIELDS = [
    *PROFORMA_COLUMNS,
    ("opportunity_id", "deal"),
    ("quote_id", "quote"),
    ("order_id", "order"),
    ("lines", "lines"),
    ("withdraw_reason", "withdraw reason"),
    ("version", "version"),
]


def contract_row(contract) -> dict:
    return row(contract, {"status": contracts_pb2.ContractStatus}, ("value",))


def proforma_row(proforma) -> dict:
    return row(proforma, {"status": contracts_pb2.ProFormaStatus}, ("total",))


def _contract(session, contract) -> None:
    print_record(session.output, contract_row(contract), fields=CONTRACT_FIELDS)


def _proforma(session, proforma) -> None:
    print_record(session.output, proforma_row(proforma), fields=PROFORMA_FIELDS)


@click.group()
def contracts() -> None:
    """Contracts of contract lines' deals: signing one wins its deal."""


@contracts.command("create")
@click.option("--deal", "opportunity_id", required=True, help="The open deal.")
@click.option("--party", "parties", multiple=True, required=True, help="A party (repeatable).")
@click.option("--terms", default="", help="Terms (free text).")
@click.option("--value", required=True, help="Contract value, e.g. '12000.00 EUR'.")
@click.option("--start", "start_date", required=True, help="First day YYYY-MM-DD.")
@click.option("--end", "end_date", required=True, help="Last day YYYY-MM-DD.")
@click.option("--renewal-date", default="", help="Day it renews (default: the end date).")
@click.option("--notice-days", type=int, default=0, help="Days of notice before renewal.")
@output_option
@pass_session
def create_contract(session, opportunity_id, parties, value, **fields):
    """Draft the contract of a deal."""
    _contract(
        session,
        session.call(
            Stubs(session).contracts.CreateContract,
            contracts_pb2.CreateContractRequest(
                opportunity_id=opportunity_id, parties=parties, value=money(value), **fields
            ),
        ),
    )


@contracts.command("list")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@output_option
@pass_session
def list_contracts(session, opportunity_id):
    """The contracts of a deal."""
    response = session.call(
        Stubs(session).contracts.ListContracts,
        contracts_pb2.ListContractsRequest(opportunity_id=opportunity_id),
    )
    print_rows(
        session.output,
        [contract_row(c) for c in response.contracts],
        CONTRACT_COLUMNS,
        empty="no contracts",
    )


@contracts.command("sign")
@click.argument("contract_id")
@click.option("--signed-by", required=True, help="Who signed for the customer.")
@click.option("--signed-on", default="", help="Day of signature YYYY-MM-DD (default: today).")
@output_option
@pass_session
def sign_contract(session, contract_id, signed_by, signed_on):
    """Sign a draft: the deal is won for the contract's value."""
    _contract(
        session,
        session.call(
            Stubs(session).contracts.SignContract,
            contracts_pb2.SignContractRequest(
                id=contract_id, signed_by=signed_by, signed_on=signed_on
            ),
        ),
    )


@click.group()
def proformas() -> None:
    """Pro-forma invoices of pro-forma lines' deals: accepting one orders it and wins the deal."""


@proformas.command("issue")
@click.option("--quote", "quote_id", required=True, help="The active quote revision.")
@click.option("--valid-until", required=True, help="Last day to accept YYYY-MM-DD.")
@output_option
@pass_session
def issue(session, quote_id, valid_until):
    """Issue a pro-forma invoice of an active quote."""
    _proforma(
        session,
        session.call(
            Stubs(session).proformas.IssueProForma,
            contracts_pb2.IssueProFormaRequest(quote_id=quote_id, valid_until=valid_until),
        ),
    )


@proformas.command("list")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@output_option
@pass_session
def list_proformas(session, opportunity_id):
    """The pro-forma invoices of a deal."""
    response = session.call(
        Stubs(session).proformas.ListProFormas,
        contracts_pb2.ListProFormasRequest(opportunity_id=opportunity_id),
    )
    print_rows(
        session.output,
        [proforma_row(p) for p in response.proformas],
        PROFORMA_COLUMNS,
        empty="no pro-forma invoices",
    )


id_command(
    contracts,
    "show",
    Stubs,
    "contracts.GetContract",
    contracts_pb2.GetContractRequest,
    _contract,
    "Show one contract.",
)
id_command(
    contracts,
    "cancel",
    Stubs,
    "contracts.CancelContract",
    contracts_pb2.CancelContractRequest,
    _contract,
    "Cancel a draft contract.",
    with_reason=True,
)
id_command(
    proformas,
    "show",
    Stubs,
    "proformas.GetProForma",
    contracts_pb2.GetProFormaRequest,
    _proforma,
    "Show one pro-forma invoice.",
)
id_command(
    proformas,
    "accept",
    Stubs,
    "proformas.AcceptProForma",
    contracts_pb2.AcceptProFormaRequest,
    _proforma,
    "The customer accepted: the quote is won, ordered, and the deal won.",
)
id_command(
    proformas,
    "withdraw",
    Stubs,
    "proformas.WithdrawProForma",
    contracts_pb2.WithdrawProFormaRequest,
    _proforma,
    "Withdraw an issued pro-forma invoice.",
    with_reason=True,
)


@invoices.command("create-from-deal")
@click.option("--deal", "opportunity_id", required=True, help="The won deal.")
@output_option
@pass_session
def create_from_deal(session, opportunity_id):
    """Make a draft invoice of a won deal's priced lines (no order)."""
    show_invoice(
        session,
        session.call(
            Stubs(session).invoicing.CreateInvoiceFromDeal,
            payments_pb2.CreateInvoiceFromDealRequest(opportunity_id=opportunity_id),
        ),
    )


@invoices.command("record-payment")
@click.argument("invoice_id")
@click.option("--amount", required=True, help="Amount received (part or all of the balance).")
@click.option(
    "--method",
    default="bank_transfer",
    show_default=True,
    help="bank_transfer, card, cash, cheque, direct_debit or other.",
)
@click.option("--paid-on", default="", help="Day paid YYYY-MM-DD (default: today).")
@click.option("--reference", default="", help="Payment reference.")
@output_option
@pass_session
def record_payment(session, invoice_id, amount, method, paid_on, reference):
    """Record a payment of an issued invoice; the one settling the balance makes it paid."""
    stubs = Stubs(session)
    currency = session.call(
        stubs.invoices.GetInvoice, billing_pb2.GetInvoiceRequest(id=invoice_id)
    ).total.currency
    show_invoice(
        session,
        session.call(
            stubs.invoicing.RecordPayment,
            payments_pb2.RecordPaymentRequest(
                invoice_id=invoice_id,
                amount=money(amount, currency),
                paid_on=paid_on,
                method=method,
                reference=reference,
            ),
        ),
    )


ORDER_COLUMNS = [("id", "id"), ("status", "status"), ("quote_id", "quote"), ("total", "total")]
INVOICE_COLUMNS = [
    ("id", "id"),
    ("number", "number"),
    ("status", "status"),
    ("order_id", "order"),
    ("total", "total"),
    ("paid_amount", "paid"),
    ("balance", "balance"),
    ("due_date", "due"),
]


def _documents(session, opportunity_id):
    return session.call(
        Stubs(session).invoicing.ListDealDocuments,
        payments_pb2.ListDealDocumentsRequest(opportunity_id=opportunity_id),
    )


@orders.command("list")
@click.option("--deal", "opportunity_id", required=True, help="The deal.")
@output_option
@pass_session
def list_orders(session, opportunity_id):
    """The orders of a deal, oldest first (cancelled ones too)."""
    found = _documents(session, opportunity_id)
    print_rows(
        session.output, [order_row(o) for o in found.orders], ORDER_COLUMNS, empty="no orders"
    )


@invoices.command("list")
@click.option("--deal", "opportunity_id", default="", help="Only the invoices of this deal.")
@click.option(
    "--status",
    type=enum_choice(resources_pb2.InvoiceStatus),
    help="Only the invoices in this status (partly_paid: issued, paid in part).",
)
@limit_option(200)
@output_option
@pass_session
def list_invoices(session, opportunity_id, status, limit):
    """The invoices you may see (of one deal, in one status) with what is paid and still due,
    oldest first."""
    if opportunity_id and not status:  # one deal's documents, as the deal shows them
        found = list(_documents(session, opportunity_id).invoices)
    else:
        request = billing_pb2.ListInvoicesRequest(
            opportunity_id=opportunity_id,
            status=enum_value(resources_pb2.InvoiceStatus, status),
        )
        found = list(pages(session, Stubs(session).invoices.ListInvoices, request, limit=limit))
    print_rows(
        session.output,
        [invoice_row(i) for i in found],
        INVOICE_COLUMNS,
        empty="no invoices",
    )
