"""SQLAlchemy implementations of the revisioned repositories (Core statements on the uow session).

Every write updates the current row **only if it still holds the version that was loaded**
(optimistic concurrency: a concurrent change makes it FAILED_PRECONDITION, never a lost update)
and appends the new version to ``<aggregate>_revisions``, stamped by the unit of work's
:class:`~crm_catalog.adapters.revision_clock.RevisionClock`. "As of" reads find the version valid
at an instant with one small query per kind of aggregate and take the aggregate itself from the
process-wide :class:`~crm_catalog.adapters.revision_cache.RevisionCache`, parsing a snapshot only
the first time a revision is read. The hot statements are built once, at import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import Table, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_catalog.adapters import codec, orm
from crm_catalog.adapters.as_of_versions import AsOfVersions
from crm_catalog.adapters.revision_cache import RevisionCache
from crm_catalog.adapters.revision_clock import RevisionClock
from crm_catalog.domain.discounts import DiscountList
from crm_catalog.domain.price_lists import PriceList
from crm_catalog.domain.products import Product
from crm_catalog.domain.units import UnitGroup
from crm_catalog.service_layer import repositories as ports
from crm_chassis.errors import AlreadyExists, FailedPrecondition

ONE_MICROSECOND = dt.timedelta(microseconds=1)


class _Statements:
    """The statements of one aggregate kind, built once."""

    def __init__(self, current: Table, revisions: Table):
        self.by_id = select(current.c.snapshot).where(current.c.id == bindparam("id"))
        self.revision_as_of = (
            select(revisions.c.snapshot)
            .where(revisions.c.id == bindparam("id"), revisions.c.valid_from <= bindparam("when"))
            .order_by(revisions.c.version.desc())
            .limit(1)
        )
        self.versions_as_of = (
            select(revisions.c.id, func.max(revisions.c.version))
            .where(
                revisions.c.id.in_(bindparam("ids", expanding=True)),
                revisions.c.valid_from <= bindparam("when"),
            )
            .group_by(revisions.c.id)
        )
        self.all_versions_as_of = (
            select(revisions.c.id, func.max(revisions.c.version))
            .where(revisions.c.valid_from <= bindparam("when"))
            .group_by(revisions.c.id)
        )
        self.snapshots = select(revisions.c.id, revisions.c.version, revisions.c.snapshot).where(
            tuple_(revisions.c.id, revisions.c.version).in_(bindparam("keys", expanding=True))
        )


class _RevisionedRepository:
    """Shared by the four repositories; subclasses name their tables, codec and columns."""

    kind: str
    current: Table
    revisions: Table
    dump: Callable[[object], str]
    load: Callable[[str], object]
    statements: _Statements

    def __init__(
        self, session: Session, clock: RevisionClock, cache: RevisionCache, as_of: AsOfVersions
    ):
        self.session = session
        self._clock = clock
        self._cache = cache
        self._as_of = as_of
        self._loaded: dict[str, tuple[int, dt.datetime]] = {}  # id -> (version, updated_at)

    def _columns(self, aggregate) -> dict:
        """The current table's own filter/sort columns for ``aggregate``."""
        raise NotImplementedError

    # ------------------------------------------------------------------ writes
    def add(self, aggregate) -> None:
        aggregate.created_at = aggregate.updated_at = self._clock.write_stamp()
        snapshot = self.dump(aggregate)
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(self.current).values(
                        id=aggregate.id,
                        version=aggregate.version,
                        created_at=aggregate.created_at,
                        updated_at=aggregate.updated_at,
                        snapshot=snapshot,
                        **self._columns(aggregate),
                    )
                )
        except IntegrityError:
            raise self._duplicate(aggregate) from None
        self._append_revision(aggregate, snapshot)
        self._remember(aggregate)

    def update(self, aggregate) -> None:
        loaded_version, loaded_at = self._loaded.get(
            aggregate.id, (aggregate.version - 1, aggregate.created_at)
        )
        # Revisions of one aggregate must be valid in version order even if the clock stepped.
        aggregate.updated_at = max(self._clock.write_stamp(), loaded_at + ONE_MICROSECOND)
        snapshot = self.dump(aggregate)
        result = self.session.execute(
            update(self.current)
            .where(self.current.c.id == aggregate.id, self.current.c.version == loaded_version)
            .values(
                version=aggregate.version,
                updated_at=aggregate.updated_at,
                snapshot=snapshot,
                **self._columns(aggregate),
            )
        )
        if result.rowcount != 1:
            raise FailedPrecondition(
                f"{self.kind.replace('_', ' ')} {aggregate.id} was changed by someone else while "
                "this change was being made; reload it and apply your change again",
                field="expected_version",
            )
        self._append_revision(aggregate, snapshot)
        self._remember(aggregate)

    def _append_revision(self, aggregate, snapshot: str) -> None:
        self.session.execute(
            insert(self.revisions).values(
                id=aggregate.id,
                version=aggregate.version,
                valid_from=aggregate.updated_at,
                snapshot=snapshot,
            )
        )

    def _duplicate(self, aggregate) -> Exception:
        return AlreadyExists(
            f"{self.kind.replace('_', ' ')} {aggregate.id} already exists", field="id"
        )

    def _remember(self, aggregate) -> None:
        self._loaded[aggregate.id] = (aggregate.version, aggregate.updated_at)

    # ------------------------------------------------------------------ reads
    def _load_row(self, snapshot: str | None):
        if snapshot is None:
            return None
        aggregate = self.load(snapshot)
        self._remember(aggregate)
        return aggregate

    def get(self, id: str):
        return self._load_row(
            self.session.execute(self.statements.by_id, {"id": id}).scalar_one_or_none()
        )

    def get_as_of(self, id: str, when: dt.datetime):
        return self.get_many_as_of({id}, when).get(id)

    def get_many_as_of(self, ids: set[str], when: dt.datetime) -> dict:
        if not ids:
            return {}
        versions = self._as_of.versions(self.kind, set(ids), when)
        if versions is None:
            versions = self.session.execute(
                self.statements.versions_as_of, {"ids": sorted(ids), "when": when}
            ).all()
        return self._revisions_of(versions)

    def _revisions_of(self, versions) -> dict:
        """id -> the cached (or freshly parsed) aggregate of each (id, version)."""
        found, missing = {}, []
        kind = self.kind
        versions = list(versions)
        cached_values = self._cache.get_many([(kind, id, version) for id, version in versions])
        for (id, version), cached in zip(versions, cached_values, strict=True):
            if cached is None:
                missing.append((id, version))
            else:
                found[id] = self._from_cache(cached)
        if missing:
            rows = self.session.execute(self.statements.snapshots, {"keys": missing}).all()
            for id, version, snapshot in rows:
                value = self._to_cache(self.load(snapshot))
                self._cache.put((self.kind, id, version), value)
                found[id] = self._from_cache(value)
        return found

    def _to_cache(self, aggregate):
        return aggregate

    def _from_cache(self, value):
        return value

    def _by_name(self, statement, query: str, after: tuple | None, limit: int):
        """A page ordered by name (case-insensitive), of names containing ``query``."""
        table = self.current
        if query:
            statement = statement.where(
                table.c.name_key.contains(query.casefold(), autoescape=True)
            )
        return self._page(statement, (table.c.name_key, table.c.id), after, limit)

    def _page(self, statement, sort_columns, after: tuple | None, limit: int):
        if after is not None:
            if len(after) != len(sort_columns):
                after = None  # a cursor of another listing: start over rather than fail
            else:
                statement = statement.where(tuple_(*sort_columns) > tuple_(*after))
        statement = statement.order_by(*sort_columns).limit(limit)
        return [self._load_row(snapshot) for snapshot in self.session.execute(statement).scalars()]


def _name_key(name: str) -> str:
    return name.casefold()


class SqlUnitGroupRepository(_RevisionedRepository, ports.UnitGroupRepository):
    kind = "unit_group"
    current, revisions = orm.unit_groups, orm.unit_group_revisions
    dump, load = staticmethod(codec.dump_unit_group), staticmethod(codec.load_unit_group)
    statements = _Statements(current, revisions)

    def _columns(self, group: UnitGroup) -> dict:
        return {"name_key": _name_key(group.name)}

    def list_page(self, *, query: str, after: tuple | None, limit: int) -> list[UnitGroup]:
        return self._by_name(select(self.current.c.snapshot), query, after, limit)


_PRODUCT_BY_SKU = select(orm.products.c.snapshot).where(orm.products.c.sku == bindparam("sku"))
_PRODUCT_IDS_BY_SKU = select(orm.products.c.sku, orm.products.c.id).where(
    orm.products.c.sku.in_(bindparam("skus", expanding=True))
)


class SqlProductRepository(_RevisionedRepository, ports.ProductRepository):
    kind = "product"
    current, revisions = orm.products, orm.product_revisions
    dump, load = staticmethod(codec.dump_product), staticmethod(codec.load_product)
    statements = _Statements(current, revisions)

    def _columns(self, product: Product) -> dict:
        return {
            "sku": product.sku,
            "search_key": f"{product.sku} {product.name}".casefold(),
            "family_key": product.family.casefold(),
            "unit_group_id": product.unit_group_id,
            "status": product.status.value,
        }

    def _duplicate(self, product: Product) -> Exception:
        return AlreadyExists(f"SKU {product.sku} is already used by another product", field="sku")

    def get_by_sku(self, sku: str) -> Product | None:
        return self._load_row(
            self.session.execute(_PRODUCT_BY_SKU, {"sku": sku}).scalar_one_or_none()
        )

    def get_many_as_of(self, ids: set[str], when: dt.datetime) -> dict[str, Product]:
        """Also reads, in the same round trip, which versions of their unit groups and of every
        price and discount list were valid then (see adapters/as_of_versions.py)."""
        if ids and self._as_of.versions(self.kind, set(ids), when) is None:
            self._as_of.prefetch(set(ids), when)
        return super().get_many_as_of(ids, when)

    def ids_by_sku(self, skus: set[str]) -> dict[str, str]:
        if not skus:
            return {}
        return dict(self.session.execute(_PRODUCT_IDS_BY_SKU, {"skus": sorted(skus)}).all())

    def list_page(
        self, filter: ports.ProductFilter, *, after: tuple | None, limit: int
    ) -> list[Product]:
        table = self.current
        statement = select(table.c.snapshot)
        if filter.status is not None:
            statement = statement.where(table.c.status == filter.status.value)
        if filter.family:
            statement = statement.where(table.c.family_key == filter.family.casefold())
        if filter.unit_group_id:
            statement = statement.where(table.c.unit_group_id == filter.unit_group_id)
        if filter.query:
            statement = statement.where(
                table.c.search_key.contains(filter.query.casefold(), autoescape=True)
            )
        return self._page(statement, (table.c.sku,), after, limit)

    def ids_in_unit_group(self, unit_group_id: str) -> set[str]:
        return set(
            self.session.execute(
                select(self.current.c.id).where(self.current.c.unit_group_id == unit_group_id)
            ).scalars()
        )


_LISTS_PRICING = select(orm.price_lists.c.snapshot).where(
    orm.price_lists.c.id.in_(
        select(orm.price_list_products.c.price_list_id).where(
            orm.price_list_products.c.product_id.in_(bindparam("product_ids", expanding=True))
        )
    )
)


class SqlPriceListRepository(_RevisionedRepository, ports.PriceListRepository):
    kind = "price_list"
    current, revisions = orm.price_lists, orm.price_list_revisions
    dump, load = staticmethod(codec.dump_price_list), staticmethod(codec.load_price_list)
    statements = _Statements(current, revisions)

    def __init__(self, *args):
        super().__init__(*args)
        self._loaded_products: dict[str, frozenset[str]] = {}

    def _columns(self, price_list: PriceList) -> dict:
        return {
            "name_key": _name_key(price_list.name),
            "currency": price_list.currency,
            "valid_from": price_list.valid_from,
            "valid_to": price_list.valid_to,
        }

    def _remember(self, price_list: PriceList) -> None:
        super()._remember(price_list)
        self._loaded_products[price_list.id] = _product_ids(price_list)

    def add(self, price_list: PriceList) -> None:
        super().add(price_list)
        self._index_products(price_list.id, frozenset(), _product_ids(price_list))

    def update(self, price_list: PriceList) -> None:
        before = self._loaded_products.get(price_list.id)
        super().update(price_list)
        if before is None:  # not loaded through this repository: rewrite the whole index
            self.session.execute(
                delete(orm.price_list_products).where(
                    orm.price_list_products.c.price_list_id == price_list.id
                )
            )
            before = frozenset()
        self._index_products(price_list.id, before, _product_ids(price_list))

    def _index_products(
        self, price_list_id: str, before: frozenset[str], after: frozenset[str]
    ) -> None:
        table = orm.price_list_products
        if before - after:
            self.session.execute(
                delete(table).where(
                    table.c.price_list_id == price_list_id,
                    table.c.product_id.in_(sorted(before - after)),
                )
            )
        if after - before:
            self.session.execute(
                insert(table),
                [
                    {"price_list_id": price_list_id, "product_id": product_id}
                    for product_id in sorted(after - before)
                ],
            )

    def list_page(
        self, filter: ports.PriceListFilter, *, after: tuple | None, limit: int
    ) -> list[PriceList]:
        table = self.current
        statement = select(table.c.snapshot)
        if filter.currency:
            statement = statement.where(table.c.currency == filter.currency)
        if filter.valid_on is not None:
            statement = statement.where(
                or_(table.c.valid_from.is_(None), table.c.valid_from <= filter.valid_on),
                or_(table.c.valid_to.is_(None), table.c.valid_to >= filter.valid_on),
            )
        return self._by_name(statement, filter.query, after, limit)

    def pricing_any_of(self, product_ids: set[str]) -> list[PriceList]:
        if not product_ids:
            return []
        return [
            self._load_row(snapshot)
            for snapshot in self.session.execute(
                _LISTS_PRICING, {"product_ids": sorted(product_ids)}
            ).scalars()
        ]

    def pricing_any_of_as_of(self, product_ids: set[str], when: dt.datetime) -> list[PriceList]:
        """Every list that existed at ``when`` is looked at (lists are few; their product sets
        are cached with them), so no per-revision item index is needed."""
        if not product_ids:
            return []
        versions = self._as_of.versions(self.kind, None, when)
        if versions is None:
            versions = self.session.execute(
                self.statements.all_versions_as_of, {"when": when}
            ).all()
        lists = self._revisions_of(versions)
        return [
            price_list
            for price_list, products in lists.values()
            if not products.isdisjoint(product_ids)
        ]

    def _to_cache(self, price_list: PriceList):
        return price_list, _product_ids(price_list)  # the product set, computed once

    def get_many_as_of(self, ids: set[str], when: dt.datetime) -> dict[str, PriceList]:
        return {id: value[0] for id, value in super().get_many_as_of(ids, when).items()}


def _product_ids(price_list: PriceList) -> frozenset[str]:
    return frozenset(product_id for product_id, _ in price_list.items)


class SqlDiscountListRepository(_RevisionedRepository, ports.DiscountListRepository):
    kind = "discount_list"
    current, revisions = orm.discount_lists, orm.discount_list_revisions
    dump = staticmethod(codec.dump_discount_list)
    load = staticmethod(codec.load_discount_list)
    statements = _Statements(current, revisions)

    def _columns(self, discount_list: DiscountList) -> dict:
        return {"name_key": _name_key(discount_list.name)}

    def list_page(self, *, query: str, after: tuple | None, limit: int) -> list[DiscountList]:
        return self._by_name(select(self.current.c.snapshot), query, after, limit)
