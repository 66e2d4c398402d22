"""Free-text pages on PostgreSQL, in two steps, so neither a common nor a rare word is slow.

A common word ("mar") is best found along a team's sort index: the first n+1 matches come after
a few hundred index tuples. A rare one ("u123456") would make that scan read the team's whole
range, and is best looked up in the free-text GIN, which for a common word returns a large part
of the table. The planner cannot tell them apart for prefixes (its word statistics know whole
words only), so the adapter does:

1. per scope team, filter only the first HEAD index tuples in sort order (index-only, bounded);
   a team yielding n+1 matches there is complete;
2. a team that did not (the word is rare there) is searched again in full, with the GIN form of
   the condition available to the planner.

The first step is one statement that also reads the whole rows of the page (the first n+1 of
the teams' matches) and says how many each team found: for a common word the page is one round
trip. Only a rare word's teams cost a second statement (and a third for the rows it adds).
"""

from __future__ import annotations

from sqlalchemy import Column, func, literal, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql.visitors import iterate

from crm_leads.adapters import orm, search_sql
from crm_leads.domain.search import LeadQuery

L = orm.leads
HEAD = 4000  # index tuples a team's first step filters (~2 ms)


def _head_columns(query: LeadQuery) -> list[str]:
    """id, the sort value and the columns the query's filters read (all in the sort indexes
    but custom attributes): SQLAlchemy builds an object per column of each team's subquery,
    so carrying only these costs a fraction of carrying every filterable column."""
    used = {
        column.name
        for condition in search_sql.conditions(query, postgres=True, keyset=False, text_index=False)
        for column in iterate(condition)
        if isinstance(column, Column)
    }
    sort = search_sql.sort_column(query).name
    return ["id", sort, *sorted(used - {"id", sort})]


def _bounded_branch(query: LeadQuery, names: list[str], team: str, index: int, limit: int):
    head = (
        select(*(L.c[name] for name in names))
        .where(L.c.scope_team_id == team, *search_sql.keyset_condition(query))
        .order_by(*search_sql.order(query, L))
        .limit(HEAD)
        .subquery(f"head{index}")
    )
    sort = head.c[names[1]]
    return (
        select(head.c.id, sort.label("sort"), literal(index).label("branch"))
        .where(
            *search_sql.conditions(query, postgres=True, c=head.c, keyset=False, text_index=False)
        )
        .order_by(*search_sql.order(query, head))
        .limit(limit)
    )


def _full_branch(query: LeadQuery, team: str, limit: int):
    return (
        select(L.c.id, search_sql.sort_column(query).label("sort"))
        .where(L.c.scope_team_id == team, *search_sql.conditions(query, postgres=True))
        .order_by(*search_sql.order(query, L))
        .limit(limit)
    )


def page(session: Session, query: LeadQuery) -> list[dict]:
    teams = search_sql.scope_teams(query)
    if not teams:
        return []
    limit = query.page_size + 1
    sort_name = search_sql.sort_column(query).name
    rows, found = _first_step(session, query, teams, limit)
    counted = list(zip(teams, found, strict=True))
    rare = [_full_branch(query, team, limit) for team, n in counted if n < limit]
    if not rare:
        return rows  # every team complete in its first HEAD tuples: the page is these rows
    # A rare word in some team: the complete teams' rows of the first step (every one of them
    # that can be on the page is among its n+1) beside those teams' full searches.
    complete = {team for team, n in counted if n >= limit}
    candidates = [(row[sort_name], row["id"]) for row in rows if row["scope_team_id"] in complete]
    statement = rare[0] if len(rare) == 1 else union_all(*rare)
    candidates.extend((row.sort, row.id) for row in session.execute(statement))
    candidates.sort(reverse=not query.ascending)
    ids = [lead_id for _, lead_id in candidates[:limit]]
    held = {row["id"]: row for row in rows}
    missing = [lead_id for lead_id in ids if lead_id not in held]
    if missing:
        held.update(
            (row.id, dict(row._mapping))
            for row in session.execute(select(L).where(L.c.id.in_(missing)))
        )
    return [held[lead_id] for lead_id in ids]


def _first_step(
    session: Session, query: LeadQuery, teams: list[str], limit: int
) -> tuple[list[dict], list[int]]:
    """One statement: the whole rows of the first n+1 matches over every team's first HEAD
    tuples, in page order, and how many matches each team had there (0 for all when none)."""
    names = _head_columns(query)
    branches = [_bounded_branch(query, names, team, i, limit) for i, team in enumerate(teams)]
    head = (branches[0] if len(branches) == 1 else union_all(*branches)).cte("head")
    top = select(head.c.id).order_by(*_order(query, head)).limit(limit)
    found = [
        select(func.count()).select_from(head).where(head.c.branch == i).scalar_subquery()
        for i in range(len(teams))
    ]
    statement = (
        select(L, *(count.label(f"found_{i}") for i, count in enumerate(found)))
        .where(L.c.id.in_(top))
        .order_by(*search_sql.order(query, L))
    )
    rows, counts = [], [0] * len(teams)
    for row in session.execute(statement):
        values = dict(row._mapping)
        counts = [values.pop(f"found_{i}") for i in range(len(teams))]
        rows.append(values)
    return rows, counts


def _order(query: LeadQuery, head) -> list:
    if query.ascending:
        return [head.c.sort.asc(), head.c.id.asc()]
    return [head.c.sort.desc(), head.c.id.desc()]
