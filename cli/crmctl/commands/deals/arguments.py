"""Option texts as deals' request parts: product lines (and their options), record
references, the field mask of an update."""

from __future__ import annotations

import click
from google.protobuf import field_mask_pb2

from crm.deals.v1 import deals_pb2, resources_pb2
from crmctl.commands.catalog.lookup import price_list_id, product_ref
from crmctl.session import CliError, Session

RECORD_TYPES = ("account", "contact", "opportunity", "activity", "quote", "order", "invoice")


def line_inputs(session: Session, specs) -> list[deals_pb2.LineInput]:
    """PRODUCT:QUANTITY[:UNIT] items, e.g. SKU-1:12:case or p-cable:2.5:metre; PRODUCT is a
    catalog SKU or a product id."""
    lines = []
    for spec in specs:
        parts = spec.split(":")
        if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
            raise CliError(f"a line is PRODUCT:QUANTITY[:UNIT], e.g. SKU-1:12:case; got {spec!r}")
        lines.append(
            deals_pb2.LineInput(
                product_id=product_ref(session, parts[0]),
                quantity=parts[1],
                unit=parts[2] if len(parts) == 3 else "",
            )
        )
    return lines


def lines_options(line_help: str, *, required: bool = False):
    """``--line`` (repeatable) and ``--price-list`` of a command that has product lines priced."""

    def decorate(func):
        func = click.option(
            "--price-list", "price_list", default="", help="Price with this list only (id or name)."
        )(func)
        return click.option("--line", "lines", multiple=True, required=required, help=line_help)(
            func
        )

    return decorate


def priced_lines(session: Session, lines, price_list: str) -> dict:
    """The ``lines`` and ``price_list_id`` of a request that has lines priced (no price list:
    catalog's choice)."""
    return {
        "lines": line_inputs(session, lines),
        "price_list_id": price_list_id(session, price_list) if price_list else "",
    }


def record_ref(text: str) -> resources_pb2.RecordRef:
    """TYPE:ID with TYPE account, contact or deal (= opportunity)."""
    kind, _, record_id = text.partition(":")
    kind = {"deal": "opportunity"}.get(kind, kind)
    if not record_id or kind not in RECORD_TYPES:
        raise CliError(f"a record is TYPE:ID, e.g. deal:1f2e...; got {text!r}")
    return resources_pb2.RecordRef(type=kind, id=record_id)


def masked(fields: dict, what: str) -> tuple[dict, field_mask_pb2.FieldMask]:
    given = {name: value for name, value in fields.items() if value is not None}
    if not given:
        raise CliError(
            f"nothing to change: give at least one option (see `crmctl {what} update --help`)"
        )
    return given, field_mask_pb2.FieldMask(paths=sorted(given))
