"""The search query model ("lead provider"): filters, sort and keyset cursor.

:meth:`LeadQuery.matches` and :meth:`LeadQuery.sort_key` are the specification; the in-memory
repository uses them directly and the SQL repository translates them (see
docs/services/leads.md for the indexes). The caller's scope is always part of the query, so no
search can return a lead the caller may not see.

The cursor is keyset-based (sort value, id) and bound to the query it came from: using a cursor
with other filters or another sort is refused instead of returning a wrong page.
"""

from __future__ import annotations

import base64
import datetime as dt
import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_chassis import paging
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_leads.domain.access import Scope
from crm_leads.domain.lead import Lead, LeadStatus
from crm_leads.domain.normalise import fold
from crm_leads.domain.scoring.engine import Grade
from crm_leads.domain.values import Channel, CompanySize

MAX_TEXT = 200


class SortField(enum.Enum):
    SCORE = "score"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True)
class TimeRange:
    """Half-open [start, end); a missing bound is open."""

    start: dt.datetime | None = None
    end: dt.datetime | None = None

    def contains(self, moment: dt.datetime) -> bool:
        return (self.start is None or moment >= self.start) and (
            self.end is None or moment < self.end
        )


@dataclass(frozen=True)
class LeadFilter:
    statuses: frozenset[LeadStatus] = frozenset()
    grades: frozenset[Grade] = frozenset()
    min_score: int = 0
    max_score: int = 100
    channels: frozenset[Channel] = frozenset()
    campaign_ids: frozenset[str] = frozenset()
    owner_user_ids: frozenset[str] = frozenset()
    team_ids: frozenset[str] = frozenset()
    sales_line_ids: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()
    industries: frozenset[str] = frozenset()
    company_sizes: frozenset[CompanySize] = frozenset()
    created: TimeRange = field(default_factory=TimeRange)
    updated: TimeRange = field(default_factory=TimeRange)
    text: str = ""
    unassigned_only: bool = False
    custom_attributes: Mapping[str, str] = field(default_factory=dict)

    @property
    def text_terms(self) -> tuple[str, ...]:
        return tuple(re.findall(r"[a-z0-9]+", fold(self.text)))

    def fingerprint(self, sort: SortField, ascending: bool) -> str:
        canonical = {name: _canonical(getattr(self, name)) for name in self.__dataclass_fields__}
        canonical["__sort"] = [sort.value, ascending]
        raw = json.dumps(canonical, sort_keys=True, default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(getattr(item, "value", item) for item in value)
    if isinstance(value, TimeRange):
        return [
            value.start.isoformat() if value.start else None,
            value.end.isoformat() if value.end else None,
        ]
    if isinstance(value, Mapping):
        return sorted(value.items())
    return value


def search_words(lead: Lead) -> list[str]:
    person, company = lead.data.person, lead.data.company
    return re.findall(
        r"[a-z0-9]+",
        fold(" ".join((person.first_name, person.last_name, company.name, person.email))),
    )


@dataclass(frozen=True)
class LeadQuery:
    scope: Scope
    filter: LeadFilter = field(default_factory=LeadFilter)
    sort: SortField = SortField.SCORE
    ascending: bool = False
    page_size: int = paging.DEFAULT_PAGE_SIZE
    after: tuple[Any, ...] | None = None  # keyset position (sort value, id) from the cursor

    def matches(self, lead: Lead) -> bool:
        f = self.filter
        if not self.scope.can_see(lead):
            return False
        if f.unassigned_only and lead.assignment.team_id:
            return False
        if f.statuses:
            if lead.status not in f.statuses:
                return False
        elif lead.status is LeadStatus.MERGED:
            return False  # merged leads only when asked for by status
        score = lead.score.value if lead.score else 0
        if not f.min_score <= score <= f.max_score:
            return False
        if f.grades and (lead.score is None or lead.score.grade not in f.grades):
            return False
        data = lead.data
        checks = (
            (f.channels, data.source.channel),
            (f.campaign_ids, data.source.campaign_id),
            (f.owner_user_ids, lead.assignment.owner_user_id),
            (f.team_ids, lead.assignment.team_id),
            (f.sales_line_ids, data.sales_line_id),
            (f.countries, data.location.country),
            (f.industries, data.company.industry),
            (f.company_sizes, data.company.size),
        )
        if any(wanted and value not in wanted for wanted, value in checks):
            return False
        if not (f.created.contains(lead.created_at) and f.updated.contains(lead.updated_at)):
            return False
        if any(data.custom_attributes.get(k) != v for k, v in f.custom_attributes.items()):
            return False
        if f.text_terms:
            words = search_words(lead)
            if not all(any(word.startswith(term) for word in words) for term in f.text_terms):
                return False
        return self.after is None or self._is_after(lead)

    def sort_key(self, lead: Lead) -> tuple[Any, ...]:
        if self.sort is SortField.SCORE:
            return (lead.score.value if lead.score else 0, lead.id)
        moment = lead.created_at if self.sort is SortField.CREATED_AT else lead.updated_at
        return (moment.isoformat(), lead.id)

    def _is_after(self, lead: Lead) -> bool:
        key, after = self.sort_key(lead), self.after
        if after is None:
            return True
        return key > after if self.ascending else key < after

    def cursor_after(self, lead: Lead) -> str:
        payload = {
            "k": list(self.sort_key(lead)),
            "q": self.filter.fingerprint(self.sort, self.ascending),
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def build_query(
    scope: Scope,
    lead_filter: LeadFilter,
    *,
    sort: SortField | None = None,
    ascending: bool | None = None,
    page_size: int = 0,
    cursor: str = "",
) -> LeadQuery:
    problems: list[tuple[str, str]] = []
    if not 0 <= lead_filter.min_score <= 100 or not 0 <= lead_filter.max_score <= 100:
        problems.append(("filter.min_score", "scores range from 0 to 100"))
    elif lead_filter.min_score > lead_filter.max_score:
        problems.append(
            (
                "filter.min_score",
                f"{lead_filter.min_score} is above max_score {lead_filter.max_score}",
            )
        )
    if len(lead_filter.text) > MAX_TEXT:
        problems.append(("filter.text", f"has more than {MAX_TEXT} characters"))
    for name in ("created", "updated"):
        bounds = getattr(lead_filter, name)
        if bounds.start and bounds.end and bounds.start >= bounds.end:
            problems.append((f"filter.{name}", "start must be before end"))
    try:
        page_size = paging.page_size(page_size)
    except InvalidArgument as exc:  # reported with the filter's problems
        problems.append((exc.field or paging.PAGE_SIZE_FIELD, exc.message))
    if problems:
        raise ValidationErrors(problems)
    sort = sort or SortField.SCORE
    if ascending is None:
        ascending = sort is not SortField.SCORE
    after = _decode_cursor(cursor, lead_filter.fingerprint(sort, ascending)) if cursor else None
    return LeadQuery(scope, lead_filter, sort, ascending, page_size, after)


def _decode_cursor(cursor: str, fingerprint: str) -> tuple[Any, ...]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        key, query = payload["k"], payload["q"]
        if not (isinstance(key, list) and len(key) == 2):
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise paging.bad_cursor() from None
    if query != fingerprint:
        raise InvalidArgument(
            "page.cursor belongs to a search with other filters or sort; "
            "use it with the same filters, or start again without a cursor",
            field="page.cursor",
        )
    return tuple(key)
