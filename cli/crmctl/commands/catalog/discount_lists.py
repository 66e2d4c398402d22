"""``crmctl discount-lists ...``: volume tiers giving a percentage or an amount off each unit
(changes: pricing_manager or catalog_manager)."""

from __future__ import annotations

import click

from crm.catalog.v1 import discount_lists_pb2
from crmctl.commands.catalog.arguments import tier
from crmctl.commands.catalog.rows import discount_row
from crmctl.commands.catalog.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_record, print_rows
from crmctl.paging import pages
from crmctl.wire import enum_words

DISCOUNT_TYPES = enum_words(discount_lists_pb2.DiscountType)
DISCOUNT_FIELDS = [
    ("id", "id"),
    ("name", "name"),
    ("type", "type"),
    ("currency", "currency"),
    ("quantity_decimals", "quantity decimals"),
    ("tiers", "tiers"),
    ("version", "version"),
]


_TIER_HELP = "A tier LOW:HIGH:VALUE, e.g. 1:9:0, 10:49:5, 50::10 (repeatable, contiguous)."


@click.group("discount-lists")
def discount_lists() -> None:
    """Discount lists: volume tiers giving a percentage or an amount off each unit."""


@discount_lists.command("create")
@click.argument("name")
@click.option(
    "--type",
    "kind",
    type=click.Choice(sorted(DISCOUNT_TYPES)),
    default="percentage",
    show_default=True,
    help="Percent off, or amount per unit.",
)
@click.option("--currency", default="", help="Currency of an amount list.")
@click.option(
    "--quantity-decimals", type=click.IntRange(0, 6), default=0, help="Decimals of the tier bounds."
)
@click.option("--tier", "tiers", multiple=True, required=True, help=_TIER_HELP)
@output_option
@pass_session
def discount_lists_create(session, name, kind, currency, quantity_decimals, tiers):
    """Create a discount list NAME."""
    created = session.call(
        Stubs(session).discount_lists.CreateDiscountList,
        discount_lists_pb2.CreateDiscountListRequest(
            name=name,
            type=DISCOUNT_TYPES[kind],
            currency=currency,
            quantity_decimals=quantity_decimals,
            tiers=[tier(t) for t in tiers],
        ),
    )
    print_record(session.output, discount_row(created.discount_list), fields=DISCOUNT_FIELDS)


@discount_lists.command("update")
@click.argument("discount_list_id")
@click.option("--name", default="", help="New name.")
@click.option("--tier", "tiers", multiple=True, help=_TIER_HELP + " Replaces every tier.")
@click.option(
    "--quantity-decimals",
    type=click.IntRange(0, 6),
    default=0,
    help="Decimals of the new tier bounds.",
)
@click.option("--expected-version", type=int, default=0, help="Refuse if it changed since.")
@output_option
@pass_session
def discount_lists_update(
    session, discount_list_id, name, tiers, quantity_decimals, expected_version
):
    """Rename DISCOUNT_LIST_ID and/or replace its tiers."""
    updated = session.call(
        Stubs(session).discount_lists.UpdateDiscountList,
        discount_lists_pb2.UpdateDiscountListRequest(
            id=discount_list_id,
            name=name,
            replace_tiers=bool(tiers),
            tiers=[tier(t) for t in tiers],
            quantity_decimals=quantity_decimals,
            expected_version=expected_version,
        ),
    )
    print_record(session.output, discount_row(updated.discount_list), fields=DISCOUNT_FIELDS)


@discount_lists.command("list")
@click.option("--query", "-q", default="", help="Text the name contains.")
@output_option
@pass_session
def discount_lists_list(session, query):
    """List discount lists by name."""
    rows = [
        discount_row(d)
        for d in pages(
            session,
            Stubs(session).discount_lists.ListDiscountLists,
            discount_lists_pb2.ListDiscountListsRequest(query=query),
        )
    ]
    print_rows(session.output, rows, DISCOUNT_FIELDS, empty="no discount lists match")


@discount_lists.command("show")
@click.argument("discount_list_id")
@output_option
@pass_session
def discount_lists_show(session, discount_list_id):
    """Show one discount list."""
    found = session.call(
        Stubs(session).discount_lists.GetDiscountList,
        discount_lists_pb2.GetDiscountListRequest(id=discount_list_id),
    )
    print_record(session.output, discount_row(found.discount_list), fields=DISCOUNT_FIELDS)
