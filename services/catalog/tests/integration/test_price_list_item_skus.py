"""Price list items carry their product's SKU on a real server and database: every gRPC response
that shows items, the price_list_changed event in the outbox, and migration 0002, which fills
the SKU into snapshots written before it was stored (and takes it out again on downgrade)."""

import contextlib
import json

import pytest
from google.protobuf import field_mask_pb2
from sqlalchemy import create_engine, select

from crm.catalog.v1 import price_lists_pb2
from crm_catalog import migrate
from crm_catalog.adapters import orm
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.entrypoints.wiring import build_dependencies
from crm_testkit import temporary_postgres_database

from .conftest import Catalog, unique

pytestmark = pytest.mark.integration
AMOUNT = price_lists_pb2.PRICING_METHOD_CURRENCY_AMOUNT


def _skus(price_list) -> list[tuple[str, str]]:
    return [(item.product_id, item.sku) for item in price_list.items]


def test_every_response_and_the_event_show_item_skus(client, tokens, catalog, engine):
    token, call = tokens["pricing_manager"], client.call
    group = catalog.bottles(unique("Group"))
    red, white = catalog.product(group), catalog.product(group)
    expected = sorted([(red.id, red.sku), (white.id, white.sku)], key=lambda pair: pair[1])
    made = call(
        client.price_lists.CreatePriceList,
        price_lists_pb2.CreatePriceListRequest(name=unique("Standard"), currency="EUR"),
        token,
    ).price_list
    for product in (red, white):
        response = call(
            client.price_lists.SetPriceListItem,
            price_lists_pb2.SetPriceListItemRequest(
                price_list_id=made.id,
                item=price_lists_pb2.PriceListItem(
                    product_id=product.id, unit="bottle", method=AMOUNT, value="10.00"
                ),
            ),
            token,
        ).price_list
    assert _skus(response) == expected
    got = call(
        client.price_lists.GetPriceList,
        price_lists_pb2.GetPriceListRequest(id=made.id),
        tokens["sales"],
    ).price_list
    assert _skus(got) == expected
    updated = call(
        client.price_lists.UpdatePriceList,
        price_lists_pb2.UpdatePriceListRequest(
            id=made.id,
            price_list=price_lists_pb2.PriceList(name=unique("Renamed")),
            update_mask=field_mask_pb2.FieldMask(paths=["name"]),
        ),
        token,
    ).price_list
    assert _skus(updated) == expected
    removed = call(
        client.price_lists.RemovePriceListItem,
        price_lists_pb2.RemovePriceListItemRequest(
            price_list_id=made.id, product_id=red.id, unit="bottle"
        ),
        token,
    ).price_list
    assert _skus(removed) == [(white.id, white.sku)]
    with engine.connect() as conn:
        payloads = (
            conn.execute(
                select(orm.outbox.c.payload)
                .where(orm.outbox.c.aggregate_id == made.id)
                .order_by(orm.outbox.c.id)
            )
            .scalars()
            .all()
        )
    events = [json.loads(payload)["price_list"].get("items", []) for payload in payloads]
    assert [[(i["product_id"], i["sku"]) for i in items] for items in events] == [
        [],
        [(red.id, red.sku)],
        expected,
        expected,
        [(white.id, white.sku)],
    ]


@contextlib.contextmanager
def _database(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'catalog.db'}"
    else:
        with temporary_postgres_database("catalog_skus") as url:
            yield url


def _items_by_table(url: str) -> dict[str, list[list]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    item
                    for snapshot in conn.execute(select(table.c.snapshot)).scalars()
                    for item in json.loads(snapshot)["items"]
                ]
                for table in (orm.price_lists, orm.price_list_revisions)
            }
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_migration_0002_fills_in_the_sku_of_items_stored_without_it(kind, tmp_path):
    with _database(kind, tmp_path) as url:
        migrate.upgrade(url)
        deps = build_dependencies(CatalogSettings.load("catalog", env={}, database_url=url))
        try:
            catalog = Catalog(deps)
            group = catalog.bottles()
            red, white = catalog.product(group), catalog.product(group)
            standard = catalog.price_list()
            catalog.item(standard, red)
            catalog.item(standard, white, value="8.00")
            catalog.item(catalog.price_list(), white, unit="case")
        finally:
            deps.close()
        skus = {red.id: red.sku, white.id: white.sku}

        migrate.downgrade(url, "0001_initial")  # the format before the SKU was stored
        old = _items_by_table(url)
        assert len(old["price_lists"]) == 3 and len(old["price_list_revisions"]) == 4
        assert {len(item) for items in old.values() for item in items} == {6}

        migrate.upgrade(url)
        new = _items_by_table(url)
        for table, items in new.items():
            assert [item[:6] for item in items] == old[table]
            assert [item[6] for item in items] == [skus[item[0]] for item in items]
        deps = build_dependencies(CatalogSettings.load("catalog", env={}, database_url=url))
        try:
            with deps.uow() as uow:
                read = uow.price_lists.get(standard.id)
            assert {item.product_id: item.sku for item in read.items.values()} == skus
        finally:
            deps.close()
