"""SearchLeads in SQL: domain/search.py ``LeadQuery`` (its ``matches`` and ``sort_key`` are the
specification) translated into one statement.

The scope is a short list of teams, and each team's leads are an index range in sort order
(``ix_leads_scope_*``, leading with scope_team_id). On PostgreSQL the page is therefore
``unnest(teams)`` + ``LATERAL (one team's rows ... ORDER BY sort LIMIT n+1)``, merged and cut to
n+1: each team costs one short index scan that stops after n+1 matching rows, however many
leads the other teams hold. SQLite (make run) gets the same conditions with
``scope_team_id IN (...)``, which is correct and fast enough for a local database.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (ARRAY, String, bindparam, func, literal_column, select, true, tuple_,
                        type_coerce)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from crm_leads.adapters import orm
from crm_leads.domain.lead import LeadStatus
from crm_leads.domain.search import LeadQuery, SortField

L = orm.leads
_SIMPLE = literal_column("'simple'::regconfig")
_SORT_COLUMNS = {SortField.SCORE: L.c.score, SortField.CREATED_AT: L.c.created_at,
                 SortField.UPDATED_AT: L.c.updated_at}


def _values(items) -> list:
    return sorted(getattr(item, "value", item) for item in items)


def conditions(query: LeadQuery, *, postgres: bool) -> list:
    """Every condition of ``LeadQuery.matches`` except the scope (the caller adds it)."""
    f = query.filter
    where = [L.c.status.in_(_values(f.statuses)) if f.statuses
             else L.c.status != LeadStatus.MERGED.value]
    if f.unassigned_only:
        where.append(L.c.team_id.is_(None))
    if f.min_score > 0:
        where.append(L.c.score >= f.min_score)
    if f.max_score < 100:
        where.append(L.c.score <= f.max_score)
    for wanted, column in ((f.grades, L.c.grade), (f.channels, L.c.channel),
                           (f.campaign_ids, L.c.campaign_id),
                           (f.owner_user_ids, L.c.owner_user_id), (f.team_ids, L.c.team_id),
                           (f.sales_line_ids, L.c.sales_line_id), (f.countries, L.c.country),
                           (f.industries, L.c.industry), (f.company_sizes, L.c.company_size)):
        if wanted:
            where.append(column.in_(_values(wanted)))
    for bounds, column in ((f.created, L.c.created_at), (f.updated, L.c.updated_at)):
        if bounds.start is not None:
            where.append(column >= bounds.start)
        if bounds.end is not None:
            where.append(column < bounds.end)
    if f.custom_attributes:
        if postgres:
            where.append(type_coerce(L.c.custom_attributes, JSONB)
                         .contains(dict(f.custom_attributes)))
        else:
            for key, value in sorted(f.custom_attributes.items()):
                path = '$."' + key.replace('"', '""') + '"'
                where.append(func.json_extract(L.c.custom_attributes, path) == value)
    terms = f.text_terms  # [a-z0-9]+ only: safe inside a tsquery and a LIKE pattern
    if terms:
        if postgres:
            tsquery = " & ".join(f"{term}:*" for term in terms)
            # Spelled exactly as the GIN index expression, so the planner can use it.
            where.append(func.to_tsvector(_SIMPLE, L.c.search_text)
                         .op("@@")(func.to_tsquery(_SIMPLE, tsquery)))
        else:
            for term in terms:
                where.append((" " + L.c.search_text).like(f"% {term}%"))
    if query.after is not None:
        value, lead_id = query.after
        if query.sort is not SortField.SCORE:
            value = dt.datetime.fromisoformat(value)
        key = tuple_(_SORT_COLUMNS[query.sort], L.c.id)
        where.append(key > tuple_(value, lead_id) if query.ascending
                     else key < tuple_(value, lead_id))
    return where


def _order(query: LeadQuery, table) -> list:
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
        return (select(L).where(L.c.scope_team_id.in_(teams), *where)
                .order_by(*_order(query, L)).limit(limit))
    team = (func.unnest(bindparam("teams", teams, type_=ARRAY(String)))
            .table_valued("team").render_derived(name="scope"))
    per_team = (select(L).where(L.c.scope_team_id == team.c.team, *where)
                .order_by(*_order(query, L)).limit(limit).lateral("page"))
    return (select(per_team).select_from(team).join(per_team, true())
            .order_by(*_order(query, per_team)).limit(limit))


def search(session: Session, query: LeadQuery, *, postgres: bool) -> list[dict]:
    if not scope_teams(query):
        return []
    return [dict(row._mapping) for row in session.execute(statement(query, postgres=postgres))]
