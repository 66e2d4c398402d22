"""Which version of everything a quote needs was valid at one instant, in one round trip.

PriceQuote asks the repositories in turn for the products, their unit groups, the price lists
and the discount lists "as of" an instant; one query each would be four round trips. The first
ask (products) instead runs one UNION ALL that answers all four: the products asked for, the
unit groups of those products (a product's group is fixed for life, so the current table says
which), and every price list and discount list (there are few; the price lists are filtered by
product afterwards). Later asks for the same instant are answered from it; anything it does not
cover falls back to the repository's own query.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session

from crm_catalog.adapters import orm

PRODUCT, UNIT_GROUP, PRICE_LIST, DISCOUNT_LIST = ("product", "unit_group", "price_list",
                                                  "discount_list")


def _latest(kind: str, revisions: Table, *where):
    return (select(literal_column(f"'{kind}'").label("kind"), revisions.c.id,
                   func.max(revisions.c.version).label("version"))
            .where(revisions.c.valid_from <= bindparam("when"), *where)
            .group_by(revisions.c.id))


_ALL_AS_OF = union_all(
    _latest(PRODUCT, orm.product_revisions,
            orm.product_revisions.c.id.in_(bindparam("product_ids", expanding=True))),
    _latest(UNIT_GROUP, orm.unit_group_revisions, orm.unit_group_revisions.c.id.in_(
        select(orm.products.c.unit_group_id).where(
            orm.products.c.id.in_(bindparam("group_product_ids", expanding=True))))),
    _latest(PRICE_LIST, orm.price_list_revisions),
    _latest(DISCOUNT_LIST, orm.discount_list_revisions))

#: Kinds the prefetch covers completely (every aggregate of the kind is in it).
_COMPLETE = (PRICE_LIST, DISCOUNT_LIST)


class AsOfVersions:
    """One per unit of work."""

    def __init__(self, session: Session):
        self._session = session
        self._when: dt.datetime | None = None
        self._versions: dict[str, dict[str, int]] = {}

    def prefetch(self, product_ids: set[str], when: dt.datetime) -> None:
        ids = sorted(product_ids)
        rows = self._session.execute(_ALL_AS_OF, {"when": when, "product_ids": ids,
                                                  "group_product_ids": ids}).all()
        versions: dict[str, dict[str, int]] = {PRODUCT: {}, UNIT_GROUP: {}, PRICE_LIST: {},
                                               DISCOUNT_LIST: {}}
        for kind, id, version in rows:
            versions[kind][id] = version
        self._when, self._versions = when, versions
        self._covered_products = set(ids)

    def versions(self, kind: str, ids: set[str] | None,
                 when: dt.datetime) -> list[tuple[str, int]] | None:
        """(id, version) of ``ids`` (None: every aggregate of the kind) valid at ``when``, or
        None when the prefetch does not answer that question."""
        if when != self._when:
            return None
        known = self._versions[kind]
        if ids is None:
            return list(known.items()) if kind in _COMPLETE else None
        if kind in _COMPLETE or (kind == PRODUCT and ids <= self._covered_products):
            return [(id, known[id]) for id in ids if id in known]
        if ids <= known.keys():  # unit groups: covered when every one asked for is there
            return [(id, known[id]) for id in ids]
        return None
