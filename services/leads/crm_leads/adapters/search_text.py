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

The teams' answers are merged in sort order and cut to n+1; then only those rows are read.
"""

from __future__ import annotations

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from crm_leads.adapters import orm, search_sql
from crm_leads.domain.search import LeadQuery

L = orm.leads
HEAD = 4000  # index tuples a team's first step filters (~2 ms)
# What the first step's filters read: the columns of the sort indexes (search_text included).
_HEAD_COLUMNS = (
    "status",
    "team_id",
    "owner_user_id",
    "grade",
    "score",
    "country",
    "industry",
    "company_size",
    "channel",
    "campaign_id",
    "sales_line_id",
    "created_at",
    "updated_at",
    "search_text",
)


def _bounded_branch(query: LeadQuery, team: str, index: int, limit: int):
    names = list(dict.fromkeys(("id",) + _HEAD_COLUMNS))
    if query.filter.custom_attributes:
        names.append("custom_attributes")
    head = (
        select(*(L.c[name] for name in names))
        .where(L.c.scope_team_id == team, *search_sql.keyset_condition(query))
        .order_by(*search_sql.order(query, L))
        .limit(HEAD)
        .subquery(f"head{index}")
    )
    sort = head.c[search_sql.sort_column(query).name]
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
    branches = [_bounded_branch(query, team, i, limit) for i, team in enumerate(teams)]
    found: dict[int, list] = {i: [] for i in range(len(teams))}
    statement = branches[0] if len(branches) == 1 else union_all(*branches)
    for row in session.execute(statement):
        found[row.branch].append((row.sort, row.id))
    candidates = [key for i in found if len(found[i]) >= limit for key in found[i]]
    # Fewer than n+1 in a team's first HEAD tuples: search those teams in full, in one statement.
    rare = [
        _full_branch(query, team, limit) for i, team in enumerate(teams) if len(found[i]) < limit
    ]
    if rare:
        statement = rare[0] if len(rare) == 1 else union_all(*rare)
        candidates.extend((row.sort, row.id) for row in session.execute(statement))
    candidates.sort(reverse=not query.ascending)
    ids = [lead_id for _, lead_id in candidates[:limit]]
    if not ids:
        return []
    rows = {row.id: dict(row._mapping) for row in session.execute(select(L).where(L.c.id.in_(ids)))}
    return [rows[lead_id] for lead_id in ids]
