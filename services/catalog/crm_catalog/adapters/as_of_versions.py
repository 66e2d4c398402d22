"""Which version of everything a quote needs was valid at one instant, in one round trip.

PriceQuote asks the repositories in turn for the products, their unit groups, the price lists
and the discount lists "as of" an instant; one query each would be four round trips. The first
ask (products) instead runs one UNION ALL that answers all four: the products asked for, and
every unit group, price list and discount list (there are few; the price lists are filtered by
product afterwards). Later asks for the same instant are answered from it; anything it does not
cover falls back to the repository's own query.

Most quotes are priced "now", when the current row is the version wanted: a current row whose
``updated_at`` (= its revision's ``valid_from``) is not after the instant answers directly, and
only aggregates changed since are looked up in their revisions. On PostgreSQL the statement is
prepared once per connection (planning its eight branches cost more than running them) and the
ids are one array parameter.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import String, Table, bindparam, func, literal_column, select, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from crm_catalog.adapters import orm

PRODUCT, UNIT_GROUP, PRICE_LIST, DISCOUNT_LIST = (
    "product",
    "unit_group",
    "price_list",
    "discount_list",
)


def _valid_at_instant(kind: str, current: Table, revisions: Table, wanted=None) -> list:
    """Two branches: current rows valid at the instant, and the revision valid then of rows
    changed after it. ``wanted(table)`` -> (from clause, conditions) narrows to the ids asked
    for; without it, every aggregate of the kind."""
    label = literal_column(f"'{kind}'").label("kind")
    when = bindparam("when")
    source, conditions = wanted(current) if wanted else (current, [])
    return [
        select(label, current.c.id, current.c.version)
        .select_from(source)
        .where(current.c.updated_at <= when, *conditions),
        select(label, revisions.c.id, func.max(revisions.c.version))
        .select_from(source.join(revisions, revisions.c.id == current.c.id))
        .where(current.c.updated_at > when, revisions.c.valid_from <= when, *conditions)
        .group_by(revisions.c.id),
    ]


def _statement(wanted_products):
    # Unit groups, price lists and discount lists are few: every one of them is read.
    return union_all(
        *_valid_at_instant(PRODUCT, orm.products, orm.product_revisions, wanted_products),
        *_valid_at_instant(UNIT_GROUP, orm.unit_groups, orm.unit_group_revisions),
        *_valid_at_instant(PRICE_LIST, orm.price_lists, orm.price_list_revisions),
        *_valid_at_instant(DISCOUNT_LIST, orm.discount_lists, orm.discount_list_revisions),
    )


def _joined_with_array(table: Table):
    """PostgreSQL: the ids as one array parameter, joined (a hash join, where ``= ANY`` of a
    parameter compares every row with every id)."""
    ids = (
        func.unnest(bindparam("product_ids", type_=ARRAY(String)))
        .table_valued("id")
        .render_derived(name="wanted")
    )
    return table.join(ids, ids.c.id == table.c.id), []


_PORTABLE = _statement(
    lambda table: (table, [table.c.id.in_(bindparam("product_ids", expanding=True))])
)
_POSTGRES = _statement(_joined_with_array)
_PREPARED_NAME = "catalog_versions_as_of"
_EXECUTE_PREPARED = f"EXECUTE {_PREPARED_NAME}(%(when)s, %(ids)s)"
_PREPARED_FLAG = "crm_catalog.versions_as_of_prepared"


def _prepare_statement(dialect) -> str:
    """PREPARE text of the PostgreSQL statement: its named parameters become $1 (the instant)
    and $2 (the product ids)."""
    sql = str(_POSTGRES.compile(dialect=dialect))
    numbers = {"when": "$1", "product_ids": "$2"}
    sql = re.sub(r"%\((\w+)\)s", lambda match: numbers[match.group(1)], sql)
    return f"PREPARE {_PREPARED_NAME} (timestamptz, varchar[]) AS {sql}"


#: Kinds the prefetch covers completely (every aggregate of the kind is in it).
_COMPLETE = (UNIT_GROUP, PRICE_LIST, DISCOUNT_LIST)


class AsOfVersions:
    """One per unit of work."""

    def __init__(self, session: Session):
        self._session = session
        self._dialect = session.get_bind().dialect.name
        self._when: dt.datetime | None = None
        self._versions: dict[str, dict[str, int]] = {}

    def prefetch(self, product_ids: set[str], when: dt.datetime) -> None:
        ids = sorted(product_ids)
        if self._dialect == "postgresql":
            rows = self._execute_prepared(when, ids)
        else:
            rows = self._session.execute(_PORTABLE, {"when": when, "product_ids": ids}).all()
        versions: dict[str, dict[str, int]] = {
            PRODUCT: {},
            UNIT_GROUP: {},
            PRICE_LIST: {},
            DISCOUNT_LIST: {},
        }
        for kind, id, version in rows:
            versions[kind][id] = version
        self._when, self._versions = when, versions
        self._covered_products = set(ids)

    def _execute_prepared(self, when: dt.datetime, ids: list[str]):
        connection = self._session.connection()
        # Prepared statements belong to the database connection and outlive transactions
        # (also rolled-back ones): prepare on a connection's first use, as the pool hands out
        # connections made before or after this process started pricing.
        info = connection.connection.info
        if not info.get(_PREPARED_FLAG):
            connection.exec_driver_sql(_prepare_statement(connection.dialect))
            info[_PREPARED_FLAG] = True
        # The driver's cursor directly: SQLAlchemy's statement and row handling cost more than
        # the query on this path, which every PriceQuote takes.
        cursor = connection.connection.cursor()
        try:
            cursor.execute(_EXECUTE_PREPARED, {"when": when, "ids": ids})
            return cursor.fetchall()
        finally:
            cursor.close()

    def versions(
        self, kind: str, ids: set[str] | None, when: dt.datetime
    ) -> list[tuple[str, int]] | None:
        """(id, version) of ``ids`` (None: every aggregate of the kind) valid at ``when``, or
        None when the prefetch does not answer that question."""
        if when != self._when:
            return None
        known = self._versions[kind]
        if ids is None:
            return list(known.items()) if kind in _COMPLETE else None
        if kind in _COMPLETE or ids <= self._covered_products:
            return [(id, known[id]) for id in ids if id in known]
        return None
