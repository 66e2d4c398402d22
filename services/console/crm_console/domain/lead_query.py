"""The lead search as a URL query: every filter leads' SearchLeads offers, read from and written
back to the query string, so a search can be bookmarked, shared and reloaded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from crm_console.domain.errors import T_, ConsoleError
from crm_console.domain.leads import CHANNELS, COMPANY_SIZES, GRADES, SORTS, STATUSES

MULTI = (
    "status",
    "grade",
    "channel",
    "campaign",
    "owner",
    "team",
    "line",
    "country",
    "industry",
    "size",
)
SINGLE = (
    "q",
    "min_score",
    "max_score",
    "created_from",
    "created_to",
    "updated_from",
    "updated_to",
    "sort",
    "order",
    "cursor",
)
ATTRIBUTE_PREFIX = "attr."
CHOICES = {"status": STATUSES, "grade": GRADES, "channel": CHANNELS, "size": COMPANY_SIZES}


@dataclass(frozen=True)
class LeadQuery:
    text: str = ""
    statuses: tuple[str, ...] = ()
    grades: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    campaign_ids: tuple[str, ...] = ()
    owner_user_ids: tuple[str, ...] = ()
    team_ids: tuple[str, ...] = ()
    sales_line_ids: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    company_sizes: tuple[str, ...] = ()
    min_score: int | None = None
    max_score: int | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None
    updated_from: dt.date | None = None
    updated_to: dt.date | None = None
    unassigned_only: bool = False
    custom_attributes: tuple[tuple[str, str], ...] = ()
    sort: str = "score"
    ascending: bool = False
    cursor: str = ""
    page_size: int = 50
    extra: Mapping[str, str] = field(default_factory=dict)

    def to_params(self, *, cursor: str | None = None) -> str:
        """The query string of this search (``cursor`` replaces the page)."""
        pairs: list[tuple[str, str]] = []
        if self.text:
            pairs.append(("q", self.text))
        for key, values in (
            ("status", self.statuses),
            ("grade", self.grades),
            ("channel", self.channels),
            ("campaign", self.campaign_ids),
            ("owner", self.owner_user_ids),
            ("team", self.team_ids),
            ("line", self.sales_line_ids),
            ("country", self.countries),
            ("industry", self.industries),
            ("size", self.company_sizes),
        ):
            pairs.extend((key, v) for v in values)
        for key, number in (("min_score", self.min_score), ("max_score", self.max_score)):
            if number is not None:
                pairs.append((key, str(number)))
        for key, day in (
            ("created_from", self.created_from),
            ("created_to", self.created_to),
            ("updated_from", self.updated_from),
            ("updated_to", self.updated_to),
        ):
            if day is not None:
                pairs.append((key, day.isoformat()))
        if self.unassigned_only:
            pairs.append(("unassigned", "1"))
        pairs.extend((ATTRIBUTE_PREFIX + k, v) for k, v in self.custom_attributes)
        if self.sort != "score":
            pairs.append(("sort", self.sort))
        if self.ascending:
            pairs.append(("order", "asc"))
        page = self.cursor if cursor is None else cursor
        if page:
            pairs.append(("cursor", page))
        return urlencode(pairs)

    def first_page(self) -> LeadQuery:
        return replace(self, cursor="")


def _date(name: str, raw: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ConsoleError(
            T_("%(name)s: %(raw)s is not a date (YYYY-MM-DD)", name=name, raw=repr(raw)), field=name
        ) from None


def _score(name: str, raw: str) -> int | None:
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ConsoleError(
            T_("%(name)s: %(raw)s is not a whole number", name=name, raw=repr(raw)), field=name
        ) from None
    if not 0 <= value <= 100:
        raise ConsoleError(T_("%(name)s: a score is between 0 and 100", name=name), field=name)
    return value


def parse(items: Sequence[tuple[str, str]]) -> LeadQuery:
    """A query string's pairs -> the search; ConsoleError names the parameter it cannot read."""
    multi: dict[str, list[str]] = {k: [] for k in MULTI}
    single: dict[str, str] = {}
    attributes: list[tuple[str, str]] = []
    unassigned = False
    for key, value in items:
        value = value.strip()
        if key in multi:
            if value:
                if key in CHOICES and value not in CHOICES[key]:
                    raise ConsoleError(
                        T_(
                            "%(name)s: %(value)s is not one of %(choices)s",
                            name=key,
                            value=repr(value),
                            choices=", ".join(CHOICES[key]),
                        ),
                        field=key,
                    )
                multi[key].append(value)
        elif key in SINGLE:
            single[key] = value
        elif key == "unassigned":
            unassigned = value in ("1", "on", "true")
        elif key.startswith(ATTRIBUTE_PREFIX) and value:
            attributes.append((key[len(ATTRIBUTE_PREFIX) :], value))
    sort = single.get("sort") or "score"
    if sort not in SORTS:
        raise ConsoleError(
            T_(
                "sort: %(value)s is not one of %(choices)s",
                value=repr(sort),
                choices=", ".join(SORTS),
            ),
            field="sort",
        )
    return LeadQuery(
        text=single.get("q", ""),
        statuses=tuple(multi["status"]),
        grades=tuple(multi["grade"]),
        channels=tuple(multi["channel"]),
        campaign_ids=tuple(multi["campaign"]),
        owner_user_ids=tuple(multi["owner"]),
        team_ids=tuple(multi["team"]),
        sales_line_ids=tuple(multi["line"]),
        countries=tuple(c.upper() for c in multi["country"]),
        industries=tuple(multi["industry"]),
        company_sizes=tuple(multi["size"]),
        min_score=_score("min_score", single.get("min_score", "")),
        max_score=_score("max_score", single.get("max_score", "")),
        created_from=_date("created_from", single.get("created_from", "")),
        created_to=_date("created_to", single.get("created_to", "")),
        updated_from=_date("updated_from", single.get("updated_from", "")),
        updated_to=_date("updated_to", single.get("updated_to", "")),
        unassigned_only=unassigned,
        custom_attributes=tuple(attributes),
        sort=sort,
        ascending=single.get("order") == "asc",
        cursor=single.get("cursor", ""),
    )
