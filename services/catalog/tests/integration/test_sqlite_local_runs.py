"""The same adapters on SQLite, the embedded database of local runs (`make run`): migrations,
writes with optimistic concurrency, paging, and a quote re-priced "as of" its instant."""

import pytest

from crm_catalog import migrate
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.entrypoints.wiring import build_dependencies
from crm_catalog.service_layer import products, unit_groups
from crm_catalog.service_layer.pricing import LineInput, price_quote_lines
from crm_chassis.errors import AlreadyExists, FailedPrecondition

from .conftest import MANAGER, Catalog

pytestmark = pytest.mark.integration


def test_the_catalog_works_on_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    migrate.upgrade(url)
    deps = build_dependencies(CatalogSettings.load("catalog", env={}, database_url=url))
    try:
        catalog = Catalog(deps)
        group = catalog.bottles()
        product = catalog.product(group)
        price_list = catalog.price_list()
        catalog.item(price_list, product, value="10.00")
        catalog.item(price_list, product, unit="case", value="200.00")
        lines = [
            LineInput(product_id=product.id, unit="case", quantity="2"),
            LineInput(sku=product.sku, unit="bottle", quantity="3"),
        ]
        first = price_quote_lines(deps, MANAGER, lines=lines, currency="EUR")
        assert first.totals.net == 430 and first.complete
        products.update_product(deps, MANAGER, id=product.id, changes={"list_price": "99.00"})
        catalog.item(price_list, product, unit="case", value="300.00")
        again = price_quote_lines(
            deps, MANAGER, lines=lines, currency="EUR", as_of=first.context.as_of
        )
        assert again.totals.net == 430 and again.lines[0].product.list_price == 12
        with pytest.raises(FailedPrecondition):
            products.update_product(
                deps, MANAGER, id=product.id, changes={"name": "X"}, expected_version=1
            )
        with pytest.raises(AlreadyExists):
            catalog.product(group, sku=product.sku)
        catalog.bottles("Cans")
        page = unit_groups.list_unit_groups(deps, MANAGER, page_size=1)
        rest = unit_groups.list_unit_groups(deps, MANAGER, cursor=page.next_cursor)
        assert [g.name for g in page.items + rest.items] == ["Bottles", "Cans"]
    finally:
        deps.close()
