"""The organisation as the Organisation pages show it: units in levels, sales lines with their
targets, territories with their ordered routing rules and rule versions, and a route preview's
answer (teams and their members are ``domain.team``'s, shared with the Team pages). Plain values read from territory; nothing here decides access
(territory does, and the pages show its refusals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crm_console.domain.errors import T_, ConsoleError, Text, Tn_

ROUTING_STRATEGIES = ("round_robin", "load_balanced")
WORKFLOW_KINDS = ("contract", "quote")
# The lead attributes a route preview sends (territory's LeadAttributes, by their names).
PREVIEW_FIELDS = (
    "country",
    "region",
    "city",
    "postal_code",
    "industry",
    "company_size",
    "annual_revenue",
    "currency",
    "product_interests",
    "lead_source",
    "campaign",
    "sales_line_id",
)


@dataclass(frozen=True)
class OrgUnit:
    id: str
    name: str
    level: int
    level_name: str
    department: str
    parent_id: str
    manager_user_ids: tuple[str, ...]
    active: bool
    version: int


@dataclass(frozen=True)
class SalesLine:
    id: str
    name: str
    description: str
    workflow_kind: str
    pipeline_id: str
    team_ids: tuple[str, ...]
    active: bool


@dataclass(frozen=True)
class DirectoryPerson:
    """A person of identity's directory, as a name or e-mail typed in a form finds them."""

    user_id: str
    email: str
    display_name: str


PEOPLE_SHOWN = 5  # of several people a typed text matches, how many the message names


def person_meant(found: tuple[DirectoryPerson, ...], typed: str, field: str, more: bool) -> str:
    """The user id of the one person ``typed`` (a name or an e-mail, or part of one) means among
    those identity ``found`` for it (``more``: identity had more than it sent): the one whose
    e-mail is exactly the text, else the one whose whole name is, else the only one found. No
    one, or several with none exact, is a message at ``field`` saying what to type."""
    wanted = typed.strip().casefold()
    by_email = [p for p in found if p.email.casefold() == wanted]
    by_name = [p for p in found if p.display_name.casefold() == wanted]
    for exact in (by_email, by_name):
        if len(exact) == 1:
            return exact[0].user_id
    if len(found) == 1 and not more:
        return found[0].user_id
    if not found:
        raise ConsoleError(
            T_(
                "no one's name or e-mail contains %(typed)s: check the spelling",
                typed=repr(typed.strip()),
            ),
            field=field,
        )
    named = [f"{p.display_name} <{p.email}>" for p in found[:PEOPLE_SHOWN]]
    if more or len(found) > PEOPLE_SHOWN:
        named.append("…")
    params = {"typed": repr(typed.strip()), "people": ", ".join(named)}
    if more:
        raise ConsoleError(
            Tn_(
                "more than %(num)s person matches %(typed)s (%(people)s): "
                "enter more of the name, or the e-mail",
                "more than %(num)s people match %(typed)s (%(people)s): "
                "enter more of the name, or the e-mail",
                len(found),
                **params,
            ),
            field=field,
        )
    raise ConsoleError(
        Tn_(
            "%(num)s person matches %(typed)s (%(people)s): enter more of the name, or the e-mail",
            "%(num)s people match %(typed)s (%(people)s): enter more of the name, or the e-mail",
            len(found),
            **params,
        ),
        field=field,
    )


@dataclass(frozen=True)
class Target:
    sales_line_id: str
    team_id: str
    period: str
    amount: Decimal | None
    currency: str
    deal_count: int


@dataclass(frozen=True)
class Condition:
    attribute: str
    values: tuple[str, ...] = ()
    ranges: tuple[tuple[str, str], ...] = ()  # [min, max) bounds, "" = open
    currency: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    conditions: tuple[Condition, ...]
    description: str = ""  # territory's own words for the rule


@dataclass(frozen=True)
class Territory:
    id: str
    name: str
    sales_line_id: str
    team_id: str
    priority: int
    rules_version: int
    rules: tuple[Rule, ...]
    active: bool
    version: int
    pipeline_id: str = ""  # deals' pipeline of the line for the territory's deals; "" = the line's


@dataclass(frozen=True)
class RuleVersion:
    rules_version: int
    rules: tuple[Rule, ...]
    changed_at: dt.datetime | None
    changed_by: str
    comment: str


@dataclass(frozen=True)
class Candidate:
    user_id: str
    eligible: bool
    skip_reason: str
    open_items: int
    assigned_today: int


@dataclass(frozen=True)
class RoutePreview:
    """Where a lead with these attributes would go now, and why (nothing is routed)."""

    outcome: str  # routed / unroutable
    summary: str
    territory_id: str
    territory_name: str
    team_id: str
    owner_user_id: str
    rule: Rule | None
    rule_position: int
    rules_version: int
    rules_tried: int
    unroutable_reason: str
    owner_reason: str
    candidates: tuple[Candidate, ...]
    team_name: str = ""  # filled by the console (territory's decision names the team by id)


@dataclass(frozen=True)
class LeadAttributes:
    country: str = ""
    region: str = ""
    city: str = ""
    postal_code: str = ""
    industry: str = ""
    company_size: int | None = None
    annual_revenue: Decimal | None = None
    currency: str = ""
    product_interests: tuple[str, ...] = ()
    lead_source: str = ""
    campaign: str = ""
    sales_line_id: str = ""

    @property
    def empty(self) -> bool:
        return self == LeadAttributes(sales_line_id=self.sales_line_id)


def split_values(text: str) -> tuple[str, ...]:
    """ "DE, AT;CH" -> ("DE", "AT", "CH"): people type lists with commas or semicolons."""
    return tuple(v.strip() for v in text.replace(";", ",").split(",") if v.strip())


def lead_attributes(values: dict[str, str]) -> LeadAttributes:
    """The preview form's text -> attributes; a size or revenue that is no number is named."""
    size_text = values.get("company_size", "").strip()
    revenue_text = values.get("annual_revenue", "").strip()
    size: int | None = None
    if size_text:
        if not size_text.isdigit():
            raise ConsoleError(
                T_("the company size is a whole number of employees"), field="company_size"
            )
        size = int(size_text)
    revenue: Decimal | None = None
    currency = values.get("currency", "").strip().upper()
    if revenue_text:
        try:
            revenue = Decimal(revenue_text.replace(",", ""))
        except InvalidOperation:
            raise ConsoleError(
                T_("the annual revenue is a number, e.g. 250000"), field="annual_revenue"
            ) from None
        if len(currency) != 3:
            raise ConsoleError(T_("give the revenue's currency, e.g. EUR"), field="currency")
    return LeadAttributes(
        country=values.get("country", "").strip().upper(),
        region=values.get("region", "").strip(),
        city=values.get("city", "").strip(),
        postal_code=values.get("postal_code", "").strip(),
        industry=values.get("industry", "").strip(),
        company_size=size,
        annual_revenue=revenue,
        currency=currency if revenue is not None else "",
        product_interests=split_values(values.get("product_interests", "")),
        lead_source=values.get("lead_source", "").strip(),
        campaign=values.get("campaign", "").strip(),
        sales_line_id=values.get("sales_line_id", "").strip(),
    )


def condition_of(attribute: str, text: str, currency: str = "") -> Condition:
    """A rule condition typed as text: values ("DE, AT") or ranges ("50-250, 1000-")."""
    attribute = attribute.strip()
    if not attribute:
        raise ConsoleError(T_("choose the attribute the rule tests"), field="attribute")
    if not text.strip():
        raise ConsoleError(T_("enter the values the attribute must have"), field="values")
    if attribute in ("company_size", "annual_revenue"):
        ranges = []
        for part in split_values(text):
            low, sep, high = part.partition("-")
            if not sep:
                raise ConsoleError(
                    T_("write a range as min-max, e.g. 50-250 or 1000-"), field="values"
                )
            ranges.append((low.strip(), high.strip()))
        return Condition(attribute, ranges=tuple(ranges), currency=currency.strip().upper())
    return Condition(attribute, values=split_values(text))


def decimal_of(text: str, field: str, message: Text) -> Decimal:
    """``text`` as a number; else ``message`` at ``field``."""
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ConsoleError(message, field=field) from None


def levels(units: tuple[OrgUnit, ...]) -> tuple[tuple[OrgUnit, int], ...]:
    """Units in tree order (each parent before its children), with their depth."""
    children: dict[str, list[OrgUnit]] = {}
    ids = {u.id for u in units}
    for unit in sorted(units, key=lambda u: u.name.casefold()):
        parent = unit.parent_id if unit.parent_id in ids else ""
        children.setdefault(parent, []).append(unit)
    ordered: list[tuple[OrgUnit, int]] = []

    def walk(parent: str, depth: int) -> None:
        for unit in children.get(parent, ()):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)

    walk("", 0)
    return tuple(ordered)


# ---------------------------------------------------------------- deals' pipelines and automation
AUTOMATION_TRIGGERS = ("stage_entered", "won", "lost", "stalled")
FORECAST_CATEGORIES = ("pipeline", "best_case", "commit")
ACTION_KINDS = ("notify", "email", "webhook")
RECIPIENTS = ("owner", "team", "manager")


@dataclass(frozen=True)
class NewAutomationRule:
    """A rule as the console creates it: one trigger, one action, the teams it fires for."""

    name: str
    trigger: str
    stage_key: str
    stalled_after_days: int
    action_kind: str
    recipients: tuple[str, ...]
    subject: str
    body: str
    url: str
    team_ids: tuple[str, ...]


@dataclass(frozen=True)
class PipelineStage:
    key: str
    name: str
    probability: int
    forecast_category: str
    expected_days: int


@dataclass(frozen=True)
class Pipeline:
    id: str
    sales_line_id: str
    name: str
    stages: tuple[PipelineStage, ...]
    version: int
    line_default: bool = False  # the line's default pipeline; else one territories may name


def pipelines_of_line(pipelines: Iterable[Pipeline], line_id: str) -> tuple[Pipeline, ...]:
    """A line's pipelines: its default first (deals marks it), then the others by name."""
    mine = (p for p in pipelines if p.sales_line_id == line_id)
    return tuple(sorted(mine, key=lambda p: (not p.line_default, p.name.casefold(), p.id)))


@dataclass(frozen=True)
class AutomationRule:
    id: str
    pipeline_id: str
    name: str
    trigger: str
    stage_key: str
    stalled_after_days: int
    actions: tuple[str, ...]  # each action's kind and recipients, e.g. "notify: owner, team"
    enabled: bool
    team_ids: tuple[str, ...]
    disabled_reason: str


# ---------------------------------------------------------------- catalog's price lists
@dataclass(frozen=True)
class PriceList:
    id: str
    name: str
    currency: str
    valid_from: str
    valid_to: str
    scope: str  # default / sales_lines / accounts
    item_count: int


@dataclass(frozen=True)
class StageRow:
    """One row of the stage editor as typed: a kept, new or removed stage."""

    key: str
    name: str = ""
    probability: str = ""
    forecast_category: str = ""
    expected_days: str = ""
    position: str = ""
    remove: bool = False
    move_to: str = ""  # where a removed stage's open deals go


def revised_stages(
    rows: list[StageRow],
) -> tuple[tuple[PipelineStage, ...], dict[str, str]]:
    """The stage editor's rows -> the complete new stage list in order and the moves of removed
    stages; empty rows (a new stage not filled in) are skipped. Fields are named by row."""
    kept: list[tuple[int, int, PipelineStage]] = []
    moves: dict[str, str] = {}
    for number, row in enumerate(rows):
        if row.remove:
            if row.move_to:
                moves[row.key] = row.move_to
            continue
        if not row.key.strip() and not row.name.strip():
            continue
        field = f"stage-{number}"
        if not row.key.strip() or not row.name.strip():
            raise ConsoleError(T_("a stage needs a key and a name"), field=f"{field}-name")
        probability = row.probability.strip() or "0"
        if not probability.isdigit() or int(probability) > 100:
            raise ConsoleError(
                T_("the probability is a whole per cent, 0 to 100"), field=f"{field}-probability"
            )
        days = row.expected_days.strip() or "0"
        if not days.isdigit():
            raise ConsoleError(T_("the expected days are a whole number"), field=f"{field}-days")
        if row.forecast_category not in FORECAST_CATEGORIES:
            raise ConsoleError(
                T_("choose one of %(choices)s", choices=", ".join(FORECAST_CATEGORIES)),
                field=f"{field}-category",
            )
        position = int(row.position) if row.position.strip().isdigit() else 1000 + number
        stage = PipelineStage(
            row.key.strip(), row.name.strip(), int(probability), row.forecast_category, int(days)
        )
        kept.append((position, number, stage))
    return tuple(stage for _, _, stage in sorted(kept, key=lambda k: k[:2])), moves
