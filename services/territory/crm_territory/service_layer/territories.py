"""Use cases of territories and their versioned routing rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm.territory.v1 import events_pb2
from crm_chassis.errors import (
    AlreadyExists,
    CrmError,
    FailedPrecondition,
    InvalidArgument,
    ValidationErrors,
)
from crm_chassis.ids import IdGenerator
from crm_chassis.paging import Page
from crm_territory.domain.rule_checks import build_condition
from crm_territory.domain.rules import ATTRIBUTES, AttributeSpec, Rule
from crm_territory.domain.sales_lines import SalesLine
from crm_territory.domain.territories import RuleSetVersion, Territory
from crm_territory.domain.values import check_version, problem, require_text
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.caller import Caller, require_admin
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.lookups import active_team, found
from crm_territory.service_layer.paging import paginate
from crm_territory.service_layer.sales_lines import PIPELINE_ID
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

MAX_RULES = 500


@dataclass(frozen=True)
class ConditionInput:
    attribute: str
    values: list[str] = field(default_factory=list)
    ranges: list[tuple[str, str]] = field(default_factory=list)  # (min, max) decimal strings
    currency: str = ""


@dataclass(frozen=True)
class RuleInput:
    name: str
    conditions: list[ConditionInput] = field(default_factory=list)
    id: str = ""  # keep a rule's id across versions by sending it back


def build_rules(inputs: list[RuleInput], ids: IdGenerator, where: str = "rules") -> list[Rule]:
    """Validate rules as given over the API, reporting every problem at once; a rule without
    an id gets a new one from ``ids``."""
    if not inputs:
        raise InvalidArgument(f"{where}: give at least one rule", field=where)
    if len(inputs) > MAX_RULES:
        raise InvalidArgument(f"{where}: at most {MAX_RULES} rules per territory", field=where)
    problems: list[tuple[str, str]] = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, given in enumerate(inputs):
        here = f"{where}[{i}]"
        try:
            name = require_text(given.name, f"{here}.name")
        except CrmError as exc:
            problems.append(problem(exc, here))
            name = f"#{i + 1}"
        rule_id = (given.id or "").strip() or ids.new_id()
        if rule_id in seen:
            problems.append((f"{here}.id", f"rule id {rule_id} is used twice"))
        seen.add(rule_id)
        conditions = []
        for j, c in enumerate(given.conditions):
            try:
                conditions.append(
                    build_condition(
                        c.attribute,
                        list(c.values),
                        list(c.ranges),
                        c.currency,
                        f"{here}.conditions[{j}]",
                    )
                )
            except CrmError as exc:
                problems.append(problem(exc, here))
        rules.append(Rule(rule_id, name, tuple(conditions)))
    if problems:
        raise ValidationErrors(problems)
    return rules


def _emit(
    uow: TerritoryUnitOfWork,
    territory: Territory,
    change: events_pb2.ChangeKind.ValueType,
    caller: Caller,
) -> None:
    uow.emit(
        "territory_rules_changed",
        events_pb2.TerritoryRulesChanged(
            territory=event_messages.territory(territory), change=change
        ),
        aggregate_type="territory",
        aggregate_id=territory.id,
        aggregate_version=territory.version,
        actor=caller.actor,
    )


def _check_name_and_priority(
    uow: TerritoryUnitOfWork, name: str, priority: int, exclude: str = ""
) -> None:
    if priority < 1:
        raise InvalidArgument(
            f"priority must be 1 or more (lower is tried first), got {priority}", field="priority"
        )
    for other in uow.territories.all():
        if other.id == exclude:
            continue
        if other.name.casefold() == name.casefold():
            raise AlreadyExists(f"a territory named '{other.name}' already exists", field="name")
        if other.active and other.priority == priority:
            raise AlreadyExists(
                f"priority {priority} is taken by territory '{other.name}'; "
                "each active territory needs its own place in the order",
                field="priority",
            )


def _check_routable_team(
    uow: TerritoryUnitOfWork, team_id: str, line: SalesLine, at: dt.datetime
) -> None:
    team = active_team(uow, team_id)
    if team.id not in line.team_ids:
        raise FailedPrecondition(
            f"team '{team.name}' does not work sales line '{line.name}'; add it to the line first",
            field="team_id",
        )
    if not any(m.is_active(at) for m in uow.memberships.for_team(team.id)):
        raise FailedPrecondition(
            f"team '{team.name}' has no active member; add members before routing leads to it",
            field="team_id",
        )


def _check_pipeline(
    uow: TerritoryUnitOfWork, territory: Territory, pipeline_id: str, line: SalesLine
) -> str:
    """A territory's pipeline: optional; deals keeps the pipelines, so here it must look like a
    pipeline id, and every active territory of the same line and team names the same one or none
    (deals puts a team's deals of a line into one pipeline: two different ones would leave it
    to chance which one a converted lead's opportunity lands in)."""
    pipeline_id = (pipeline_id or "").strip()
    if not pipeline_id:
        return ""
    if not PIPELINE_ID.match(pipeline_id):
        raise InvalidArgument(
            "a deals pipeline id is 1..100 letters, digits, _ . : - (`crmctl pipelines list` "
            "shows them; leave it empty for the line's pipeline)",
            field="pipeline_id",
        )
    for other in uow.territories.all():
        if (
            other.id != territory.id
            and other.active
            and (other.sales_line_id, other.team_id) == (territory.sales_line_id, territory.team_id)
            and other.pipeline_id
            and other.pipeline_id != pipeline_id
        ):
            raise FailedPrecondition(
                f"territory '{other.name}' of the same sales line '{line.name}' and team names "
                f"pipeline {other.pipeline_id!r}: a team's deals of one line go into one "
                f"pipeline, so name {other.pipeline_id!r} here too or change '{other.name}' first",
                field="pipeline_id",
            )
    return pipeline_id


def create_territory(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    sales_line_id: str,
    team_id: str,
    priority: int,
    rules: list[RuleInput],
    pipeline_id: str = "",
) -> Territory:
    require_admin(caller, "creating a territory")
    name = require_text(name, "name")
    built = build_rules(rules, deps.ids)
    now = deps.clock.now()
    with deps.uow() as uow:
        line = found(uow.sales_lines.get(sales_line_id), "sales line", sales_line_id)
        if not line.active:
            raise FailedPrecondition(
                f"sales line '{line.name}' is deactivated", field="sales_line_id"
            )
        _check_routable_team(uow, team_id, line, now)
        _check_name_and_priority(uow, name, priority)
        territory = Territory(deps.ids.new_id(), name, line.id, team_id, priority, version=0)
        territory.pipeline_id = _check_pipeline(uow, territory, pipeline_id, line)
        territory.publish_rules(built, at=now, by=caller.actor.id, comment="created")
        uow.territories.add(territory)
        _emit(uow, territory, events_pb2.CHANGE_KIND_CREATED, caller)
        uow.commit()
        return territory


def get_territory(deps: Dependencies, caller: Caller, *, territory_id: str) -> Territory:
    with deps.uow() as uow:
        return found(uow.territories.get(territory_id), "territory", territory_id)


def list_territories(
    deps: Dependencies,
    caller: Caller,
    *,
    sales_line_id: str = "",
    team_id: str = "",
    include_inactive: bool = False,
    page_size: int = 0,
    cursor: str = "",
) -> Page[Territory]:
    with deps.uow() as uow:
        rows = [
            t
            for t in uow.territories.all()
            if (include_inactive or t.active)
            and (not sales_line_id or t.sales_line_id == sales_line_id)
            and (not team_id or t.team_id == team_id)
        ]
    return paginate(rows, lambda t: (t.priority, t.name.casefold(), t.id), page_size, cursor)


def update_territory(
    deps: Dependencies,
    caller: Caller,
    *,
    territory_id: str,
    name: str = "",
    priority: int = 0,
    expected_version: int = 0,
    pipeline_id: str | None = None,
) -> Territory:
    """Name, priority and pipeline (None keeps it, "" goes back to the line's)."""
    require_admin(caller, "changing a territory")
    with deps.uow() as uow:
        territory = found(uow.territories.get(territory_id), "territory", territory_id)
        check_version(expected_version, territory.version, f"territory '{territory.name}'")
        new_name = require_text(name, "name") if name else territory.name
        new_priority = priority or territory.priority
        new_pipeline = territory.pipeline_id
        if pipeline_id is not None:
            if not territory.active and pipeline_id.strip():
                raise FailedPrecondition(
                    f"territory '{territory.name}' is deactivated", field="pipeline_id"
                )
            line = found(
                uow.sales_lines.get(territory.sales_line_id), "sales line", territory.sales_line_id
            )
            new_pipeline = _check_pipeline(uow, territory, pipeline_id, line)
        if (new_name, new_priority, new_pipeline) == (
            territory.name,
            territory.priority,
            territory.pipeline_id,
        ):
            return territory
        _check_name_and_priority(uow, new_name, new_priority, exclude=territory.id)
        territory.name, territory.priority = new_name, new_priority
        territory.pipeline_id = new_pipeline
        territory.version += 1
        uow.territories.save(territory)
        _emit(uow, territory, events_pb2.CHANGE_KIND_UPDATED, caller)
        uow.commit()
        return territory


def set_rules(
    deps: Dependencies,
    caller: Caller,
    *,
    territory_id: str,
    rules: list[RuleInput],
    expected_rules_version: int = 0,
    comment: str = "",
) -> Territory:
    require_admin(caller, "changing routing rules")
    built = build_rules(rules, deps.ids)
    with deps.uow() as uow:
        territory = found(uow.territories.get(territory_id), "territory", territory_id)
        if expected_rules_version and expected_rules_version != territory.rules_version:
            raise FailedPrecondition(
                f"the rules of '{territory.name}' changed meanwhile: you "
                f"edited version {expected_rules_version}, the current is "
                f"{territory.rules_version}; reload and try again"
            )
        if not territory.active:
            raise FailedPrecondition(f"territory '{territory.name}' is deactivated")
        territory.publish_rules(
            built, at=deps.clock.now(), by=caller.actor.id, comment=(comment or "").strip()[:500]
        )
        uow.territories.save(territory)
        _emit(uow, territory, events_pb2.CHANGE_KIND_UPDATED, caller)
        uow.commit()
        return territory


def list_rule_versions(
    deps: Dependencies, caller: Caller, *, territory_id: str
) -> list[RuleSetVersion]:
    with deps.uow() as uow:
        territory = found(uow.territories.get(territory_id), "territory", territory_id)
        return list(reversed(territory.history))


def deactivate_territory(deps: Dependencies, caller: Caller, *, territory_id: str) -> Territory:
    require_admin(caller, "deactivating a territory")
    with deps.uow() as uow:
        territory = found(uow.territories.get(territory_id), "territory", territory_id)
        if not territory.active:
            return territory
        territory.active = False
        territory.version += 1
        uow.territories.save(territory)
        _emit(uow, territory, events_pb2.CHANGE_KIND_DEACTIVATED, caller)
        uow.commit()
        return territory


def list_rule_attributes() -> list[AttributeSpec]:
    return list(ATTRIBUTES.values())
