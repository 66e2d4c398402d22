"""The Organisation pages' use cases over routing and selling: territories with their ordered
rules and rule versions, the live route preview (territory's PreviewRoute: nothing is routed),
deals' pipelines and automation rules, and catalog browsing with a price lookup. Every call
carries the caller's own token; the services decide and their refusals are what the page shows."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from crm_console.domain.deals import LineRequest, Pricing, Product
from crm_console.domain.errors import T_, ConsoleError, NotFound, Refused
from crm_console.domain.organisation import (
    ACTION_KINDS,
    AUTOMATION_TRIGGERS,
    RECIPIENTS,
    AutomationRule,
    NewAutomationRule,
    Pipeline,
    PriceList,
    RoutePreview,
    Rule,
    RuleVersion,
    SalesLine,
    StageRow,
    Territory,
    condition_of,
    lead_attributes,
    pipelines_of_line,
    revised_stages,
)
from crm_console.domain.session import Session
from crm_console.domain.team import Team
from crm_console.service_layer.dependencies import Dependencies


def _token(caller: Session) -> str:
    return caller.tokens.access_token


# ---------------------------------------------------------------- territories and rules
@dataclass(frozen=True)
class TerritoriesOverview:
    territories: tuple[Territory, ...]
    lines: tuple[SalesLine, ...]
    teams: tuple[Team, ...]
    refusal: str = ""
    pipelines: tuple[Pipeline, ...] = ()  # deals' pipelines, which territories may name


def territories_overview(deps: Dependencies, caller: Session) -> TerritoriesOverview:
    token = _token(caller)
    try:
        territories = deps.organisation.territories(token)
        lines = deps.organisation.sales_lines(token)
        teams = deps.organisation.teams(token)
        pipelines = deps.deals.pipeline_details(token)
    except Refused as refused:
        return TerritoriesOverview((), (), (), refused.message)
    ordered = tuple(sorted(territories, key=lambda t: t.priority))
    return TerritoriesOverview(ordered, lines, teams, pipelines=pipelines)


def update_territory(
    deps: Dependencies,
    caller: Session,
    *,
    territory_id: str,
    name: str,
    priority: str,
    version: str,
    pipeline_id: str | None = None,
) -> Territory:
    """A new name and/or routing priority (the order territories are tried in), and the
    pipeline of the line its deals go into (``""``: the line's; ``None`` keeps it)."""
    name = name.strip()
    if not name:
        raise ConsoleError(T_("enter the territory's name"), field="name")
    order = priority.strip() or "0"
    if not order.isdigit():
        raise ConsoleError(
            T_("the priority is a whole number (1 is tried first; empty keeps it)"),
            field="priority",
        )
    expected = int(version) if version.strip().isdigit() else 0
    return deps.organisation.update_territory(
        _token(caller),
        territory_id,
        name,
        int(order),
        expected,
        pipeline_id=None if pipeline_id is None else pipeline_id.strip(),
    )


def deactivate_territory(deps: Dependencies, caller: Session, *, territory_id: str) -> Territory:
    """The territory stops routing at once."""
    return deps.organisation.deactivate_territory(_token(caller), territory_id)


def _one_rule(name: str, attribute: str, values: str, currency: str) -> Rule:
    name = name.strip()
    if not name:
        raise ConsoleError(T_("give the rule a name"), field="rule_name")
    if not attribute.strip() and not values.strip():
        return Rule(id="", name=name, conditions=())  # a catch-all: every lead
    return Rule(id="", name=name, conditions=(condition_of(attribute, values, currency),))


def create_territory(
    deps: Dependencies,
    caller: Session,
    *,
    name: str,
    sales_line_id: str,
    team_id: str,
    priority: str,
    rule_name: str,
    attribute: str,
    values: str,
    currency: str = "",
    pipeline_id: str = "",
) -> Territory:
    """A territory with its first rule; ``pipeline_id`` names a pipeline of the line for its
    deals ("" = the line's; deals and territory check it)."""
    if not name.strip():
        raise ConsoleError(T_("enter the territory's name"), field="name")
    if not sales_line_id or not team_id:
        raise ConsoleError(T_("choose the sales line and the team"), field="team_id")
    if not priority.strip().isdigit() or int(priority) < 1:
        raise ConsoleError(
            T_("the priority is a whole number from 1 (tried first)"), field="priority"
        )
    rule = _one_rule(rule_name, attribute, values, currency)
    return deps.organisation.create_territory(
        _token(caller),
        name.strip(),
        sales_line_id,
        team_id,
        int(priority),
        (rule,),
        pipeline_id=pipeline_id.strip(),
    )


@dataclass(frozen=True)
class TerritoryFile:
    territory: Territory
    versions: tuple[RuleVersion, ...]
    attributes: tuple[tuple[str, str], ...]  # (name, description) rules may test
    pipelines: tuple[Pipeline, ...] = ()  # the pipelines of its line it may name, default first


def territory_file(deps: Dependencies, caller: Session, *, territory_id: str) -> TerritoryFile:
    token = _token(caller)
    territory = deps.organisation.territory(token, territory_id)
    return TerritoryFile(
        territory=territory,
        versions=deps.organisation.rule_versions(token, territory_id),
        attributes=deps.organisation.rule_attributes(token),
        pipelines=pipelines_of_line(deps.deals.pipeline_details(token), territory.sales_line_id),
    )


def add_rule(
    deps: Dependencies,
    caller: Session,
    *,
    territory_id: str,
    rules_version: str,
    rule_name: str,
    attribute: str,
    values: str,
    currency: str,
    position: str,
    comment: str,
) -> Territory:
    """Inserts one rule at ``position`` (1-based; empty = last) and publishes a new version;
    a version that moved on meanwhile is refused by territory (reload and try again)."""
    token = _token(caller)
    current = deps.organisation.territory(token, territory_id)
    rule = _one_rule(rule_name, attribute, values, currency)
    rules = list(current.rules)
    at = int(position) - 1 if position.strip().isdigit() and int(position) > 0 else len(rules)
    rules.insert(min(at, len(rules)), rule)
    return deps.organisation.set_rules(
        token, territory_id, tuple(rules), _expected(rules_version, current), comment.strip()
    )


def remove_rule(
    deps: Dependencies,
    caller: Session,
    *,
    territory_id: str,
    rules_version: str,
    rule_id: str,
    comment: str,
) -> Territory:
    token = _token(caller)
    current = deps.organisation.territory(token, territory_id)
    rules = tuple(r for r in current.rules if r.id != rule_id)
    if len(rules) == len(current.rules):
        raise ConsoleError(T_("that rule is no longer in the territory; reload the page"))
    return deps.organisation.set_rules(
        token, territory_id, rules, _expected(rules_version, current), comment.strip()
    )


def _expected(rules_version: str, current: Territory) -> int:
    """The version the person saw (so a change made meanwhile is refused, not overwritten)."""
    return int(rules_version) if rules_version.strip().isdigit() else current.rules_version


def preview_route(
    deps: Dependencies, caller: Session, *, values: dict[str, str]
) -> RoutePreview | None:
    """Where a lead with these attributes would go now and why; None while nothing is typed."""
    lead = lead_attributes(values)
    if lead.empty:
        return None
    answer = deps.organisation.preview_route(_token(caller), lead)
    if not answer.team_id:
        return answer
    try:
        team = deps.organisation.team(_token(caller), answer.team_id)
    except (NotFound, Refused):
        return answer  # the id then stands for the team
    return dataclasses.replace(answer, team_name=team.name)


# ---------------------------------------------------------------- pipelines and automation
@dataclass(frozen=True)
class PipelineFile:
    pipeline: Pipeline
    rules: tuple[AutomationRule, ...]
    teams: tuple[Team, ...] = ()  # the teams a new rule may be for (the line's)
    refusal: str = ""


def pipelines(deps: Dependencies, caller: Session) -> tuple[Pipeline, ...]:
    return deps.deals.pipeline_details(_token(caller))


def pipeline_file(deps: Dependencies, caller: Session, *, pipeline_id: str) -> PipelineFile:
    token = _token(caller)
    found = next((p for p in deps.deals.pipeline_details(token) if p.id == pipeline_id), None)
    if found is None:
        raise NotFound(T_("pipeline %(id)s not found", id=pipeline_id))
    try:
        line = deps.organisation.sales_line(token, found.sales_line_id)
        teams = tuple(t for t in deps.organisation.teams(token) if t.id in line.team_ids)
    except (NotFound, Refused):
        teams = ()  # a line territory does not show: no team to offer
    try:
        rules = deps.deals.automation_rules(token, pipeline_id)
    except Refused as refused:
        return PipelineFile(found, (), teams, refused.message)
    return PipelineFile(found, rules, teams)


def revise_stages(
    deps: Dependencies, caller: Session, *, pipeline_id: str, version: str, rows: list[StageRow]
) -> Pipeline:
    """A new pipeline version with the edited stages; deals moves a removed stage's open deals
    to the stage chosen for them in the same transaction (and names a removed stage that holds
    deals and has none chosen)."""
    stages, moves = revised_stages(rows)
    if not stages:
        raise ConsoleError(T_("a pipeline keeps at least one stage"))
    expected = int(version) if version.strip().isdigit() else 0
    return deps.deals.revise_pipeline(_token(caller), pipeline_id, stages, moves, expected)


def create_automation_rule(
    deps: Dependencies,
    caller: Session,
    *,
    pipeline_id: str,
    values: dict[str, str],
    recipients: tuple[str, ...],
    team_ids: tuple[str, ...],
) -> AutomationRule:
    """A rule with one action for the teams chosen; deals checks the caller manages each of
    them and names any other problem (unknown placeholder, stage not in the pipeline, ...)."""
    name = values.get("name", "").strip()
    if not name:
        raise ConsoleError(T_("give the rule a name"), field="name")
    trigger, kind = values.get("trigger", ""), values.get("action_kind", "")
    if trigger not in AUTOMATION_TRIGGERS:
        raise ConsoleError(
            T_("choose one of %(choices)s", choices=", ".join(AUTOMATION_TRIGGERS)), field="trigger"
        )
    if kind not in ACTION_KINDS:
        raise ConsoleError(
            T_("choose one of %(choices)s", choices=", ".join(ACTION_KINDS)), field="action_kind"
        )
    days = values.get("stalled_after_days", "").strip() or "0"
    if not days.isdigit():
        raise ConsoleError(T_("the days are a whole number"), field="stalled_after_days")
    if not team_ids:
        raise ConsoleError(T_("choose the teams whose deals the rule fires for"), field="team_ids")
    rule = NewAutomationRule(
        name=name,
        trigger=trigger,
        stage_key=values.get("stage_key", "") if trigger == "stage_entered" else "",
        stalled_after_days=int(days) if trigger == "stalled" else 0,
        action_kind=kind,
        recipients=tuple(r for r in recipients if r in RECIPIENTS) if kind != "webhook" else (),
        subject=values.get("subject", "").strip(),
        body=values.get("body", "").strip(),
        url=values.get("url", "").strip() if kind == "webhook" else "",
        team_ids=team_ids,
    )
    secret = values.get("webhook_secret", "") if kind == "webhook" else ""
    return deps.deals.create_automation_rule(_token(caller), pipeline_id, rule, secret)


def set_automation_enabled(
    deps: Dependencies, caller: Session, *, rule_id: str, enabled: bool
) -> AutomationRule:
    return deps.deals.set_automation_enabled(_token(caller), rule_id, enabled)


# ---------------------------------------------------------------- catalog
@dataclass(frozen=True)
class CatalogFile:
    products: tuple[Product, ...]
    price_lists: tuple[PriceList, ...]
    lines: tuple[SalesLine, ...]
    refusal: str = ""


def catalog_file(deps: Dependencies, caller: Session) -> CatalogFile:
    token = _token(caller)
    try:
        products = deps.catalog.all_products(token)
        price_lists = deps.catalog.price_lists(token)
    except Refused as refused:
        return CatalogFile((), (), (), refused.message)
    try:
        lines = deps.organisation.sales_lines(token)
    except Refused:
        lines = ()  # the lookup then prices with the default lists only
    return CatalogFile(products, price_lists, lines)


def price_lookup(
    deps: Dependencies,
    caller: Session,
    *,
    product_id: str,
    quantity: str,
    unit: str,
    currency: str,
    sales_line_id: str,
    products: tuple[Product, ...],
) -> Pricing:
    """One product's price as a quote would get it (catalog's PriceQuote; nothing is saved)."""
    if not product_id:
        raise ConsoleError(T_("choose a product"), field="product_id")
    if len(currency.strip()) != 3:
        raise ConsoleError(T_("give the currency, e.g. EUR"), field="currency")
    chosen = next((p for p in products if p.id == product_id), None)
    line = LineRequest(product_id, quantity.strip() or "1", unit.strip())
    if chosen is not None and not line.unit:
        line = dataclasses.replace(line, unit=chosen.base_unit)
    return deps.catalog.price(
        _token(caller),
        (line,),
        sales_line_id=sales_line_id,
        account_id="",
        currency=currency.strip().upper(),
    )
