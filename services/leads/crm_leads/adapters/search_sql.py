"""SearchLeads in SQL: domain/search.py ``LeadQuery`` (its ``matches`` and ``sort_key`` are the
specification) translated into one statement.

The scope is a short list of teams, and each team's leads are an index range in sort order
(``ix_leads_scope_{score,created,updated}``: scope_team_id, sort value, id). On PostgreSQL the
page is one branch per scope team -- ``(SELECT id, sort FROM leads WHERE scope_team_id =
'<team>' AND <filters> ORDER BY sort, id LIMIT n+1)`` -- joined by UNION ALL (a merge append),
cut to n+1, and only those rows are read whole. The sort indexes include every filtered column
but custom attributes, so a branch is an index-only scan that filters index tuples and stops
after n+1 matches: a common filter costs a few dozen tuples, the rarest one the team's range,
never the table, however many leads other teams hold. The team is a constant per branch so the
planner estimates each branch for its own team. SQLite (make run) gets the same conditions
with ``scope_team_id IN (...)``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from sqlalchemy import event, func, literal_column, select, tuple_, type_coerce, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from crm_leads.adapters import orm
from crm_leads.domain.lead import LeadStatus
from crm_leads.domain.search import LeadQuery, SortField

L = orm.leads
_SIMPLE = literal_column("'simple'::regconfig")
_SORT_COLUMNS = {
    SortField.SCORE: L.c.score,
    SortField.CREATED_AT: L.c.created_at,
    SortField.UPDATED_AT: L.c.updated_at,
}


def _values(items) -> list:
    return sorted(getattr(item, "value", item) for item in items)


def conditions(
    query: LeadQuery, *, postgres: bool, c=L.c, keyset: bool = True, text_index: bool = True
) -> list:
    """Every condition of ``LeadQuery.matches`` except the scope (the caller adds it), on the
    columns ``c`` (the table's, or a subquery's carrying the same names)."""
    f = query.filter
    where = [
        c.status.in_(_values(f.statuses)) if f.statuses else c.status != LeadStatus.MERGED.value
    ]
    if f.unassigned_only:
        where.append(c.team_id.is_(None))
    if f.min_score > 0:
        where.append(c.score >= f.min_score)
    if f.max_score < 100:
        where.append(c.score <= f.max_score)
    # By name, read only when filtered on: ``c`` may carry only the columns the query reads.
    for wanted, name in (
        (f.grades, "grade"),
        (f.channels, "channel"),
        (f.campaign_ids, "campaign_id"),
        (f.owner_user_ids, "owner_user_id"),
        (f.team_ids, "team_id"),
        (f.sales_line_ids, "sales_line_id"),
        (f.countries, "country"),
        (f.industries, "industry"),
        (f.company_sizes, "company_size"),
    ):
        if wanted:
            where.append(c[name].in_(_values(wanted)))
    for bounds, name in ((f.created, "created_at"), (f.updated, "updated_at")):
        if bounds.start is not None:
            where.append(c[name] >= bounds.start)
        if bounds.end is not None:
            where.append(c[name] < bounds.end)
    if f.custom_attributes:
        if postgres:
            where.append(
                type_coerce(c.custom_attributes, JSONB).contains(dict(f.custom_attributes))
            )
        else:
            for key, value in sorted(f.custom_attributes.items()):
                path = '$."' + key.replace('"', '""') + '"'
                where.append(func.json_extract(c.custom_attributes, path) == value)
    # Every term prefixes a word: search_text is the folded words, space-separated, and the
    # terms are [a-z0-9]+ only (safe in a LIKE pattern). On PostgreSQL this is evaluated on the
    # sort index's tuples (search_text is included), not on the table.
    for term in f.text_terms:
        where.append((" " + c.search_text).like(f"% {term}%"))
    if f.text_terms and postgres and text_index:
        # The same condition again, in the form the free-text GIN answers (spelled exactly as
        # its expression), for a word too rare to be found along the sort order.
        tsquery = " & ".join(f"{term}:*" for term in f.text_terms)
        where.append(
            func.to_tsvector(_SIMPLE, c.search_text).op("@@")(func.to_tsquery(_SIMPLE, tsquery))
        )
    if keyset:
        where.extend(keyset_condition(query, c))
    return where


def keyset_condition(query: LeadQuery, c=L.c) -> list:
    """After the cursor's (sort value, id), in the query's direction."""
    if query.after is None:
        return []
    value, lead_id = query.after
    if query.sort is not SortField.SCORE:
        value = dt.datetime.fromisoformat(value)
    key = tuple_(c[_SORT_COLUMNS[query.sort].name], c.id)
    return [key > tuple_(value, lead_id) if query.ascending else key < tuple_(value, lead_id)]


def sort_column(query: LeadQuery):
    return _SORT_COLUMNS[query.sort]


def order(query: LeadQuery, table) -> list:
    column = table.c[_SORT_COLUMNS[query.sort].name]
    if query.ascending:
        return [column.asc(), table.c.id.asc()]
    return [column.desc(), table.c.id.desc()]


def scope_teams(query: LeadQuery) -> list[str]:
    teams = set(query.scope.teams)
    if query.filter.team_ids:
        # team_ids filters on the lead's team, which is always a scope team when set.
        teams &= set(query.filter.team_ids)
    return sorted(teams)


def statement(query: LeadQuery, *, postgres: bool):
    teams = scope_teams(query)
    limit = query.page_size + 1
    where = conditions(query, postgres=postgres)
    if not postgres:
        return (
            select(L)
            .where(L.c.scope_team_id.in_(teams), *where)
            .order_by(*order(query, L))
            .limit(limit)
        )
    sort_column = _SORT_COLUMNS[query.sort]
    if query.filter.owner_user_ids:
        # "My leads": the owner's own range of ix_leads_owner_score, within the scope teams,
        # rather than every scope team's range filtered for the owner.
        branches = [
            select(L.c.id, sort_column)
            .where(L.c.owner_user_id == owner, L.c.scope_team_id.in_(teams), *where)
            .order_by(*order(query, L))
            .limit(limit)
            for owner in sorted(query.filter.owner_user_ids)
        ]
    else:
        branches = [
            select(L.c.id, sort_column)
            .where(L.c.scope_team_id == team, *where)
            .order_by(*order(query, L))
            .limit(limit)
            for team in teams
        ]
    page = (branches[0] if len(branches) == 1 else union_all(*branches)).subquery("page")
    ids = select(page.c.id).order_by(*order(query, page)).limit(limit)
    return select(L).where(L.c.id.in_(ids)).order_by(*order(query, L))


def search(session: Session, query: LeadQuery, *, postgres: bool) -> list[dict]:
    if not scope_teams(query):
        return []
    if not postgres:
        return [dict(row._mapping) for row in session.execute(statement(query, postgres=False))]
    return [dict(row._mapping) for row in session.execute(statement(query, postgres=True))]


@contextlib.contextmanager
def without_transaction(session: Session, *, postgres: bool) -> Iterator[None]:
    """A search that is the unit of work's first statement runs in autocommit: one round trip
    to PostgreSQL for the page instead of three (BEGIN, the page, ROLLBACK). Under a loaded
    host every round trip is a wake-up of both processes and cost more than the plan itself.
    Each SELECT sees one snapshot, as under READ COMMITTED. A session already in a transaction
    (its own writes to see) keeps it; afterwards the session starts a fresh transaction, so
    nothing the unit of work does later runs in autocommit."""
    if not postgres or session.in_transaction():
        yield
        return
    # Set on psycopg2 directly: its autocommit switch is client-side only, whereas SQLAlchemy's
    # AUTOCOMMIT isolation level is reset on check-in by a SET (a round trip of its own).
    dbapi_connection = session.connection().connection.dbapi_connection
    dbapi_connection.autocommit = True
    try:
        yield
    finally:
        if not dbapi_connection.closed:  # a broken connection is discarded by the pool
            dbapi_connection.autocommit = False
        session.rollback()  # no transaction is open: nothing is sent


def configure_engine(engine) -> None:
    """Per connection of leads' PostgreSQL pool: no parallel query. Parallel workers only add
    start-up time (milliseconds, more on a busy host) to pages of n+1 rows and to the small
    keyset batches of the worker; nothing leads runs scans enough rows to gain from them."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _no_parallel(dbapi_connection, _record):  # pragma: no cover - runs on every connect
        cursor = dbapi_connection.cursor()
        cursor.execute("SET max_parallel_workers_per_gather = 0")
        cursor.close()
        # psycopg2 began a transaction for the SET: committed, the setting outlives a first
        # unit of work that rolls back, and the connection is handed out idle (the one-call
        # capture switches an idle connection to autocommit).
        dbapi_connection.commit()
