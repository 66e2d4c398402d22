"""``crmctl rates ...``: the currencies the platform accepts and dated exchange rates (set and
import: pricing_manager or catalog_manager; list, convert: catalog readers)."""

from __future__ import annotations

import csv
from pathlib import Path

import click

from crm.catalog.v1 import exchange_rates_pb2 as X
from crm.catalog.v1 import snapshots_pb2
from crmctl.commands.catalog.stubs import Stubs
from crmctl.errors import CliError
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.snapshots import snapshots_group
from crmctl.wire import money, money_text

#: Rates sent per ImportExchangeRates call (the service takes at most 5,000).
CHUNK = 5000
#: The columns of a rates file, in the order a file without a header gives them.
COLUMNS = ("base", "quote", "date", "rate", "source")
RATE_FIELDS = [
    ("base", "base"),
    ("quote", "quote"),
    ("effective_on", "from"),
    ("rate", "rate"),
    ("source", "source"),
    ("set_by", "set by"),
]


def rate_row(rate: X.ExchangeRate) -> dict:
    return {
        "base": rate.base,
        "quote": rate.quote,
        "effective_on": rate.effective_on,
        "rate": rate.rate,
        "source": rate.source,
        "set_by": rate.set_by,
    }


@click.group("rates")
def rates() -> None:
    """Currencies and dated exchange rates: 1 BASE = RATE QUOTE from a date on."""


@rates.command("currencies")
@output_option
@pass_session
def rates_currencies(session):
    """List every accepted currency with its ISO 4217 minor units."""
    found = session.call(Stubs(session).rates.ListCurrencies, X.ListCurrenciesRequest())
    rows = [
        {"code": c.code, "minor_units": c.minor_units, "withdrawn": "yes" if c.withdrawn else ""}
        for c in found.currencies
    ]
    fields = [("code", "code"), ("minor_units", "minor units"), ("withdrawn", "withdrawn")]
    print_rows(session.output, rows, fields)


@rates.command("set")
@click.argument("base")
@click.argument("quote")
@click.argument("rate")
@click.option("--on", "on", required=True, metavar="YYYY-MM-DD", help="First day the rate applies.")
@click.option("--source", default="", help="Where the rate comes from, e.g. ECB.")
@output_option
@pass_session
def rates_set(session, base, quote, rate, on, source):
    """Set 1 BASE = RATE QUOTE from --on (a rate of the same pair and day is replaced)."""
    result = session.call(
        Stubs(session).rates.SetExchangeRate,
        X.SetExchangeRateRequest(
            rate=X.ExchangeRate(base=base, quote=quote, effective_on=on, rate=rate, source=source)
        ),
    )
    row = rate_row(result.rate) | {"changed": "yes" if result.changed else "no (already set)"}
    print_record(session.output, row, fields=[*RATE_FIELDS, ("changed", "changed")])


def read_rates(path: Path, source: str) -> list[X.ExchangeRate]:
    """Rows of ``base,quote,date,rate[,source]`` (a header line naming them is optional)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        lines = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    if lines and [cell.strip().casefold() for cell in lines[0][:4]] == list(COLUMNS[:4]):
        lines = lines[1:]
    found = []
    for number, row in enumerate(lines, start=1):
        if len(row) < 4:
            raise CliError(
                f"{path}: row {number} has {len(row)} columns; write {','.join(COLUMNS)}"
            )
        cells = [cell.strip() for cell in row] + [""]
        found.append(
            X.ExchangeRate(
                base=cells[0],
                quote=cells[1],
                effective_on=cells[2],
                rate=cells[3],
                source=cells[4] or source,
            )
        )
    if not found:
        raise CliError(f"{path} holds no rates; write rows of {','.join(COLUMNS)}")
    return found


@rates.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="", help="Source of rows that name none, e.g. ECB.")
@output_option
@pass_session
def rates_import(session, file, source):
    """Import FILE.csv of base,quote,date,rate[,source]; each call all or none, a re-run
    changes nothing."""
    found = read_rates(file, source)
    changed = unchanged = 0
    for start in range(0, len(found), CHUNK):
        result = session.call(
            Stubs(session).rates.ImportExchangeRates,
            X.ImportExchangeRatesRequest(rates=found[start : start + CHUNK]),
        )
        changed, unchanged = changed + result.changed, unchanged + result.unchanged
    print_record(
        session.output,
        {"rates": len(found), "changed": changed, "unchanged": unchanged},
        fields=[("rates", "rates"), ("changed", "changed"), ("unchanged", "unchanged")],
    )


@rates.command("list")
@click.option("--base", default="", help="Only rates of this currency.")
@click.option("--quote", default="", help="Only rates in this currency.")
@click.option(
    "--from", "from_date", default="", metavar="YYYY-MM-DD", help="Effective on or after."
)
@click.option("--to", "to_date", default="", metavar="YYYY-MM-DD", help="Effective on or before.")
@output_option
@pass_session
def rates_list(session, base, quote, from_date, to_date):
    """List rates by pair and date."""
    request = X.ListExchangeRatesRequest(
        base=base, quote=quote, from_date=from_date, to_date=to_date
    )
    rows = [rate_row(r) for r in pages(session, Stubs(session).rates.ListExchangeRates, request)]
    print_rows(session.output, rows, RATE_FIELDS, empty="no exchange rates match")


@rates.command("convert")
@click.argument("amount")
@click.option("--to", "to_currency", required=True, help="Currency to convert to.")
@click.option("--on", "on", default="", metavar="YYYY-MM-DD", help="Date whose rate applies.")
@output_option
@pass_session
def rates_convert(session, amount, to_currency, on):
    """Convert AMOUNT (e.g. '1200.50 EUR') at the rate of --on (default: today), showing the
    rate used."""
    result = session.call(
        Stubs(session).rates.ConvertAmount,
        X.ConvertAmountRequest(amount=money(amount), to_currency=to_currency, on=on),
    )
    print_record(
        session.output,
        {
            "converted": money_text(result.converted),
            "rate": result.rate,
            "rate_date": result.rate_date,
            "explanation": result.explanation,
        },
        fields=[
            ("converted", "converted"),
            ("rate", "rate"),
            ("rate_date", "rate of"),
            ("explanation", "rate used"),
        ],
    )


rates.add_command(
    snapshots_group(
        "catalog's exchange rates",
        {"exchange_rates": snapshots_pb2.SNAPSHOT_KIND_EXCHANGE_RATES},
        snapshots_pb2.PublishSnapshotsRequest,
        lambda session: Stubs(session).snapshots.PublishSnapshots,
        """Re-publish every stored exchange rate (exchange_rate_snapshot), the backfill of a
consumer that joins a running platform (reporting). For catalog_manager or pricing_manager;
safe to repeat (each snapshot carries the rate's current version).""",
    )
)
