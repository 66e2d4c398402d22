"""Migrations, revisioned repositories, optimistic concurrency and "as of" reads on PostgreSQL."""

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import inspect, select

from crm_catalog import migrate
from crm_catalog.adapters import orm
from crm_catalog.domain.discounts import DiscountType
from crm_catalog.domain.price_lists import ScopeKind
from crm_catalog.domain.pricing_methods import PricingMethod
from crm_catalog.domain.products import ProductStatus
from crm_catalog.domain.rounding import RoundingMode, RoundingOption
from crm_catalog.service_layer import (
    discount_lists,
    event_messages,
    price_lists,
    products,
    unit_groups,
)
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines
from crm_catalog.service_layer.repositories import ProductFilter
from crm_chassis.errors import AlreadyExists, FailedPrecondition, InvalidArgument
from crm_testkit.migrations import migration_round_trip_tests

from .conftest import MANAGER, unique

pytestmark = pytest.mark.integration
TABLES = {
    "unit_groups",
    "products",
    "price_lists",
    "price_list_products",
    "discount_lists",
    "unit_group_revisions",
    "product_revisions",
    "price_list_revisions",
    "discount_list_revisions",
    "exchange_rates",
    "outbox",
    "inbox",
}


def _exactly_the_catalog_tables(connection, dialect: str) -> None:
    assert set(inspect(connection).get_table_names()) == TABLES | {migrate.VERSION_TABLE}


# Upgrade gives exactly the ORM's schema, downgrade removes everything, upgrade works again.
test_migration_round_trip_on_postgres, test_migration_round_trip_on_sqlite = (
    migration_round_trip_tests(
        migrate, orm.metadata, "catalog", after_upgrade=_exactly_the_catalog_tables
    )
)


def test_every_aggregate_reads_back_exactly_as_written(deps, catalog):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(
        group,
        list_price="12.30",
        family="Wine",
        quantity_decimals=2,
        valid_from="2026-01-01",
        valid_to="2027-12-31",
    )
    volume = catalog.discounts(
        [{"low": "1", "high": "9", "value": "0"}, {"low": "10", "high": "", "value": "5.5"}]
    )
    amounts = catalog.discounts(
        [{"low": "0.5", "high": "", "value": "0.25"}],
        type=DiscountType.AMOUNT,
        currency="EUR",
        quantity_decimals=1,
    )
    price_list = catalog.price_list(
        valid_from="2026-01-01", scope_kind=ScopeKind.ACCOUNTS, scope_ids=["acct-1", "acct-2"]
    )
    catalog.item(
        price_list,
        product,
        unit="case",
        method=PricingMethod.PERCENT_OF_LIST,
        value="90",
        rounding_mode=RoundingMode.UP,
        rounding_option=RoundingOption.ENDING,
        rounding_amount="0.99",
        discount_list_id=volume.id,
    )
    price_list = catalog.item(price_list, product, value="1.05", discount_list_id=amounts.id)
    uow = deps.uow()
    with uow:
        pairs = [
            (event_messages.unit_group_message, group, uow.unit_groups.get(group.id)),
            (event_messages.product_message, product, uow.products.get(product.id)),
            (event_messages.price_list_message, price_list, uow.price_lists.get(price_list.id)),
            (event_messages.discount_list_message, volume, uow.discount_lists.get(volume.id)),
            (event_messages.discount_list_message, amounts, uow.discount_lists.get(amounts.id)),
        ]
        for as_message, written, read in pairs:
            assert as_message(read) == as_message(written)
        read_list = uow.price_lists.get(price_list.id)
        assert read_list.items == price_list.items and read_list.scope == price_list.scope
        assert uow.unit_groups.get(group.id).units == group.units
        read_product = uow.products.get(product.id)
        assert (read_product.list_price, str(read_product.list_price)) == (
            product.list_price,
            "12.30",
        )
        assert uow.products.get_by_sku(product.sku).id == product.id
        assert uow.products.ids_by_sku({product.sku, "NO-SUCH-SKU"}) == {product.sku: product.id}
        assert uow.products.get("missing") is None and uow.products.get_by_sku("NOPE") is None


def test_revisions_are_read_as_of_an_instant(deps, catalog):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group, list_price="10.00")
    first = product.updated_at
    changed = products.update_product(deps, MANAGER, id=product.id, changes={"list_price": "11.00"})
    assert changed.version == product.version + 1 and changed.updated_at > first
    uow = deps.uow()
    with uow:
        assert uow.products.get_as_of(product.id, first).list_price == 10
        assert uow.products.get_as_of(product.id, changed.updated_at).list_price == 11
        assert (
            uow.products.get_as_of(product.id, first - dt.timedelta(microseconds=1)).status
            is ProductStatus.DRAFT
        )  # before activation: the created draft
        assert (
            uow.products.get_as_of(product.id, product.created_at - dt.timedelta(seconds=1)) is None
        )
        assert set(uow.products.get_many_as_of({product.id, "missing"}, first)) == {product.id}
        revisions = uow.session.execute(
            select(
                orm.product_revisions.c.version,
                orm.product_revisions.c.valid_from,
                orm.product_revisions.c.snapshot,
            )
            .where(orm.product_revisions.c.id == product.id)
            .order_by(orm.product_revisions.c.version)
        ).all()
    assert [r.version for r in revisions] == [1, 2, 3]
    assert [r.valid_from for r in revisions] == sorted(r.valid_from for r in revisions)
    assert json.loads(revisions[-1].snapshot)["list_price"] == "11.00"


def test_stale_expected_version_and_concurrent_writers_fail_precondition(deps, catalog):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group)
    with pytest.raises(FailedPrecondition, match="reload it"):
        products.update_product(
            deps,
            MANAGER,
            id=product.id,
            changes={"name": "X"},
            expected_version=product.version - 1,
        )
    # Two writers load the same version; the second to write must not overwrite the first.
    first, second = deps.uow(), deps.uow()
    with first, second:
        a, b = first.products.get(product.id), second.products.get(product.id)
        a.update({"name": "First"}, unit_group=group, now=a.updated_at)
        first.products.update(a)
        first.commit()
        b.update({"name": "Second"}, unit_group=group, now=b.updated_at)
        with pytest.raises(FailedPrecondition, match="changed by someone else"):
            second.products.update(b)
    assert products.get_product(deps, MANAGER, id=product.id).name == "First"


def test_duplicate_sku_is_already_exists_and_leaves_nothing_behind(deps, catalog, engine):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group)
    with pytest.raises(AlreadyExists, match=product.sku):
        catalog.product(group, sku=product.sku.lower())
    with engine.connect() as conn:
        rows = conn.execute(
            select(orm.products.c.id).where(orm.products.c.sku == product.sku)
        ).all()
    assert len(rows) == 1


def test_lists_page_by_cursor_and_filter(deps, catalog):
    tag = unique("Page")
    group = catalog.bottles(f"{tag} 100% group")
    made = [
        catalog.product(group, sku=f"{tag}-{n}", family="Sparkling " + tag, activate=n % 2 == 0)
        for n in range(5)
    ]
    seen, cursor = [], ""
    while True:
        page = products.list_products(deps, MANAGER, query=tag.lower(), page_size=2, cursor=cursor)
        seen += [p.sku for p in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == sorted(p.sku for p in made)
    active = products.list_products(
        deps, MANAGER, status=ProductStatus.ACTIVE, family=f"sparkling {tag}".lower()
    )
    assert [p.sku for p in active.items] == [made[0].sku, made[2].sku, made[4].sku]
    uow = deps.uow()
    with uow:
        assert uow.products.ids_in_unit_group(group.id) == {p.id for p in made}
        assert [
            p.sku
            for p in uow.products.list_page(
                ProductFilter(unit_group_id=group.id), after=(made[3].sku,), limit=10
            )
        ] == [made[4].sku]
    # '%' is searched literally, not as a wildcard
    assert [
        g.id for g in unit_groups.list_unit_groups(deps, MANAGER, query=f"{tag} 100%").items
    ] == [group.id]
    assert unit_groups.list_unit_groups(deps, MANAGER, query=f"{tag} 1%0").items == []
    euro = catalog.price_list(f"{tag} Dated", valid_from="2026-01-01", valid_to="2026-01-31")
    catalog.price_list(f"{tag} Dollars", currency="USD")
    dated = price_lists.list_price_lists(
        deps, MANAGER, currency="EUR", valid_on="2026-01-15", query=tag
    )
    assert [pl.id for pl in dated.items] == [euro.id]
    assert (
        price_lists.list_price_lists(
            deps, MANAGER, valid_on="2026-02-01", currency="EUR", query=tag
        ).items
        == []
    )
    with pytest.raises(InvalidArgument, match="cursor"):
        products.list_products(deps, MANAGER, cursor="not-a-cursor")


def test_price_list_product_index_follows_items(deps, catalog):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group)
    price_list = catalog.price_list()
    catalog.item(price_list, product, unit="case", value="100.00")
    with pytest.raises(FailedPrecondition, match="priced in price lists"):
        unit_groups.remove_unit(deps, MANAGER, unit_group_id=group.id, name="case")
    price_lists.remove_price_list_item(
        deps, MANAGER, price_list_id=price_list.id, product_id=product.id, unit="case"
    )
    uow = deps.uow()
    with uow:
        assert uow.price_lists.pricing_any_of({product.id}) == []
    group = unit_groups.remove_unit(deps, MANAGER, unit_group_id=group.id, name="case")
    assert "case" not in group.units


def _quote(deps, product, **context):
    return price_quote_lines(
        deps,
        MANAGER,
        lines=[LineInput(product_id=product.id, unit="bottle", quantity="3")],
        currency="EUR",
        **context,
    )


def test_a_change_in_flight_is_either_seen_or_stamped_after_the_quote(deps, catalog, engine):
    """The revision-clock rule (adapters/revision_clock.py), on PostgreSQL with two sessions.

    A writer holds its write lock (stamped, not committed); a quote started then waits for the
    commit and sees the change; a quote started before it and still open makes the writer
    wait, so the change is stamped after the quote's instant and re-pricing as of that instant
    still gives the old price.
    """
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group)
    price_list = catalog.price_list()
    catalog.item(price_list, product, value="10.00")

    # 1. writer first: the quote waits for its commit and sees the new price.
    writer = deps.uow()
    with writer:
        loaded = writer.price_lists.get(price_list.id)
        loaded.set_item(
            product=product,
            unit_group=group,
            unit="bottle",
            method=PricingMethod.CURRENCY_AMOUNT,
            value="20.00",
            rounding=loaded.item_for(product.id, "bottle").rounding,
            discount_list=None,
            now=loaded.updated_at,
        )
        writer.price_lists.update(loaded)
        stamp = loaded.updated_at
        results = []
        reader = threading.Thread(target=lambda: results.append(_quote(deps, product)))
        reader.start()
        _wait_for_advisory_lock_waiter(engine)
        writer.commit()
    reader.join(10)
    (quote,) = results
    assert quote.totals.net == 60 and quote.context.as_of > stamp

    # 2. quote first: the writer waits, and its change is stamped after the quote's instant.
    reading = deps.uow()
    with reading:
        instant = reading.pricing_instant(None)
        done = []
        writer_thread = threading.Thread(
            target=lambda: done.append(catalog.item(price_list, product, value="30.00"))
        )
        writer_thread.start()
        _wait_for_advisory_lock_waiter(engine)
    writer_thread.join(10)
    (changed,) = done
    assert changed.updated_at > instant
    assert _quote(deps, product, as_of=instant).totals.net == 60
    assert _quote(deps, product).totals.net == 90


def _wait_for_advisory_lock_waiter(engine):
    from sqlalchemy import text

    from crm_testkit import wait_until

    def waiting():
        with engine.connect() as conn:  # a fresh transaction each time: a fresh view
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
                )
            ).scalar_one()

    wait_until(waiting, timeout=10, message="the second session never waited for the lock")


def test_events_are_written_in_the_same_transaction_and_not_for_refused_changes(
    deps, catalog, engine
):
    group = catalog.bottles(unique("Group"))
    product = catalog.product(group)
    price_list = catalog.price_list()
    catalog.item(price_list, product)
    volume = catalog.discounts([{"low": "1", "high": "", "value": "5"}])

    def rows(aggregate_id):
        with engine.connect() as conn:
            return conn.execute(
                select(orm.outbox)
                .where(orm.outbox.c.aggregate_id == aggregate_id)
                .order_by(orm.outbox.c.id)
            ).all()

    assert [(r.event_type, r.aggregate_version, r.exchange) for r in rows(product.id)] == [
        ("product_changed", 1, "catalog.events"),
        ("product_changed", 2, "catalog.events"),
    ]
    assert [r.event_type for r in rows(price_list.id)] == ["price_list_changed"] * 2
    assert [r.event_type for r in rows(volume.id)] == ["discount_list_changed"]
    body = json.loads(rows(price_list.id)[-1].payload)
    assert body["price_list"]["items"][0]["product_id"] == product.id
    assert body["meta"]["aggregate_type"] == "price_list"
    with pytest.raises(InvalidArgument):
        discount_lists.update_discount_list(
            deps,
            MANAGER,
            id=volume.id,
            tiers=[{"low": "1", "high": "5", "value": "1"}, {"low": "9", "high": "", "value": "2"}],
        )
    assert len(rows(volume.id)) == 1
