"""Use cases of sales lines and their targets."""

from __future__ import annotations

import re
from typing import Any

from crm.territory.v1 import events_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ValidationErrors,
)
from crm_chassis.paging import Page
from crm_territory.domain.sales_lines import SalesLine, Target, WorkflowKind, build_targets
from crm_territory.domain.teams import TeamRole
from crm_territory.domain.values import Period, check_version, require_text
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.caller import Caller, has_team_role, require_admin
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.lookups import found
from crm_territory.service_layer.paging import paginate
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

PIPELINE_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _emit(
    uow: TerritoryUnitOfWork,
    line: SalesLine,
    change: events_pb2.ChangeKind.ValueType,
    caller: Caller,
) -> None:
    uow.emit(
        "sales_line_changed",
        events_pb2.SalesLineChanged(sales_line=event_messages.sales_line(line), change=change),
        aggregate_type="sales_line",
        aggregate_id=line.id,
        aggregate_version=line.version,
        actor=caller.actor,
    )


def _check_teams(uow: TerritoryUnitOfWork, team_ids: list[str]) -> list[str]:
    unique = list(dict.fromkeys(t for t in team_ids))
    missing = [t for t in unique if uow.teams.get(t) is None]
    if missing:
        raise NotFound(f"unknown team(s): {', '.join(missing)}", field="team_ids")
    teams = [team for t in unique if (team := uow.teams.get(t)) is not None]
    inactive = [team.name for team in teams if not team.active]
    if inactive:
        raise FailedPrecondition(f"deactivated team(s): {', '.join(inactive)}", field="team_ids")
    return unique


def _check_name(uow: TerritoryUnitOfWork, name: str, exclude: str = "") -> None:
    for other in uow.sales_lines.all():
        if other.id != exclude and other.name.casefold() == name.casefold():
            raise AlreadyExists(f"a sales line named '{other.name}' already exists", field="name")


def _check_fields(description: str, pipeline_id: str) -> tuple[str, str]:
    description = (description or "").strip()
    problems = []
    if len(description) > 2000:
        problems.append(("description", f"at most 2000 characters, got {len(description)}"))
    # Optional: deals holds each line's pipeline (`crmctl pipelines create --line NAME`); a
    # pipeline id given here is only a reference and must look like one.
    if pipeline_id and not PIPELINE_ID.match(pipeline_id):
        problems.append(
            (
                "pipeline_id",
                "a deals pipeline id is 1..100 letters, digits, _ . : - "
                "(or leave it empty: deals keeps each line's pipeline)",
            )
        )
    if problems:
        raise ValidationErrors(problems)
    return description, pipeline_id


def create_sales_line(
    deps: Dependencies,
    caller: Caller,
    *,
    name: str,
    description: str,
    workflow_kind: WorkflowKind | None,
    pipeline_id: str,
    team_ids: list[str],
) -> SalesLine:
    require_admin(caller, "creating a sales line")
    name = require_text(name, "name")
    if workflow_kind is None:
        raise InvalidArgument("workflow_kind must be contract or quote", field="workflow_kind")
    description, pipeline_id = _check_fields(description, pipeline_id)
    with deps.uow() as uow:
        _check_name(uow, name)
        line = SalesLine(
            deps.ids.new_id(),
            name,
            description,
            workflow_kind,
            pipeline_id,
            _check_teams(uow, team_ids),
        )
        uow.sales_lines.add(line)
        _emit(uow, line, events_pb2.CHANGE_KIND_CREATED, caller)
        uow.commit()
        return line


def get_sales_line(deps: Dependencies, caller: Caller, *, line_id: str) -> SalesLine:
    with deps.uow() as uow:
        return found(uow.sales_lines.get(line_id), "sales line", line_id)


def list_sales_lines(
    deps: Dependencies,
    caller: Caller,
    *,
    include_inactive: bool = False,
    team_id: str = "",
    page_size: int = 0,
    cursor: str = "",
) -> Page[SalesLine]:
    with deps.uow() as uow:
        lines = [
            line
            for line in uow.sales_lines.all()
            if (include_inactive or line.active) and (not team_id or team_id in line.team_ids)
        ]
    return paginate(lines, lambda line: (line.name.casefold(), line.id), page_size, cursor)


_FIELDS = ("name", "description", "workflow_kind", "pipeline_id", "team_ids")


def update_sales_line(
    deps: Dependencies,
    caller: Caller,
    *,
    line_id: str,
    changes: dict[str, Any],
    expected_version: int = 0,
) -> SalesLine:
    require_admin(caller, "changing a sales line")
    unknown = sorted(set(changes) - set(_FIELDS))
    if unknown or not changes:
        raise InvalidArgument(
            f"update_mask: give any of {', '.join(_FIELDS)}"
            + (f"; unknown: {', '.join(unknown)}" if unknown else ""),
            field="update_mask",
        )
    with deps.uow() as uow:
        line = found(uow.sales_lines.get(line_id), "sales line", line_id)
        check_version(expected_version, line.version, f"sales line '{line.name}'")
        if "name" in changes:
            line.name = require_text(changes["name"], "name")
            _check_name(uow, line.name, exclude=line.id)
        if "workflow_kind" in changes:
            if changes["workflow_kind"] is None:
                raise InvalidArgument(
                    "workflow_kind must be contract or quote", field="workflow_kind"
                )
            line.workflow_kind = changes["workflow_kind"]
        line.description, line.pipeline_id = _check_fields(
            changes.get("description", line.description),
            changes.get("pipeline_id", line.pipeline_id),
        )
        if "team_ids" in changes:
            teams = _check_teams(uow, changes["team_ids"])
            removed = set(line.team_ids) - set(teams)
            busy = [
                t.name
                for t in uow.territories.all()
                if t.active and t.sales_line_id == line.id and t.team_id in removed
            ]
            if busy:
                raise FailedPrecondition(
                    "cannot remove teams that still route this line: active "
                    "territories " + ", ".join(f"'{n}'" for n in busy),
                    field="team_ids",
                )
            line.team_ids = teams
        line.version += 1
        uow.sales_lines.save(line)
        _emit(uow, line, events_pb2.CHANGE_KIND_UPDATED, caller)
        uow.commit()
        return line


def deactivate_sales_line(deps: Dependencies, caller: Caller, *, line_id: str) -> SalesLine:
    require_admin(caller, "deactivating a sales line")
    with deps.uow() as uow:
        line = found(uow.sales_lines.get(line_id), "sales line", line_id)
        if not line.active:
            return line
        busy = [t.name for t in uow.territories.all() if t.active and t.sales_line_id == line.id]
        if busy:
            raise FailedPrecondition(
                f"sales line '{line.name}' still has active territories "
                + ", ".join(f"'{n}'" for n in busy)
                + "; deactivate them first"
            )
        line.active = False
        line.version += 1
        uow.sales_lines.save(line)
        _emit(uow, line, events_pb2.CHANGE_KIND_DEACTIVATED, caller)
        uow.commit()
        return line


def set_targets(
    deps: Dependencies,
    caller: Caller,
    *,
    line_id: str,
    period: str,
    rows: list[tuple[Any, ...]],
) -> list[Target]:
    """Replace the targets of the listed teams; ``rows`` are (team_id, amount, currency, count)
    and optionally the team's unit targets (domain/sales_lines.py: UnitRow)."""
    parsed_period = Period.parse(period)
    if not rows:
        raise InvalidArgument("targets: give at least one team's target", field="targets")
    with deps.uow() as uow:
        line = found(uow.sales_lines.get(line_id), "sales line", line_id)
        if not caller.is_admin:
            needed = (
                "setting targets needs a person with the admin role or the manager role "
                "on every team listed"
            )
            if not caller.is_person:
                raise PermissionDenied(needed + "; a service account cannot set targets")
            now = deps.clock.now()
            denied = sorted(
                {r[0] for r in rows if not has_team_role(uow, caller, r[0], TeamRole.MANAGER, now)}
            )
            if denied:
                raise PermissionDenied(f"{needed}; not on " + ", ".join(denied))
        targets = build_targets(line, parsed_period, rows)
        listed = {t.team_id for t in targets}
        others = [
            t
            for t in uow.targets.for_line(line.id)
            if t.period == parsed_period and t.team_id not in listed
        ]
        currencies = {t.amount.currency for t in others + targets}
        if len(currencies) > 1:
            raise InvalidArgument(
                f"targets of line '{line.name}' in {parsed_period.label} must "
                f"use one currency; this would mix {', '.join(sorted(currencies))}",
                field="targets",
            )
        uow.targets.put(targets)
        everything = sorted(others + targets, key=lambda t: t.team_id)
        line.targets_version += 1
        uow.sales_lines.save(line)
        uow.emit(
            "targets_changed",
            events_pb2.TargetsChanged(
                sales_line_id=line.id,
                period=parsed_period.label,
                targets=[event_messages.target(t) for t in everything],
            ),
            aggregate_type="sales_line_targets",
            aggregate_id=line.id,
            aggregate_version=line.targets_version,
            actor=caller.actor,
        )
        uow.commit()
        return everything


def list_targets(
    deps: Dependencies, caller: Caller, *, line_id: str, period: str = "", team_id: str = ""
) -> list[Target]:
    wanted = Period.parse(period) if period else None
    with deps.uow() as uow:
        found(uow.sales_lines.get(line_id), "sales line", line_id)
        rows = uow.targets.for_line(line_id)
    return sorted(
        (
            t
            for t in rows
            if (wanted is None or t.period == wanted) and (not team_id or t.team_id == team_id)
        ),
        key=lambda t: (t.period.start, t.period.end, t.team_id),
    )
