"""Which pipeline a new deal goes into: its territory's, else its line's (pipelines per
territory).

A line has one default pipeline (its first) and may have more (``crmctl pipelines create
--additional``). Territory lets a territory name one of its line's pipelines, and lets the line
name one too; deals keeps both choices from territory's events (domain/sales_lines.py). A deal of
team T on line L (a converted lead's opportunity, CreateDeal, an imported deal, a contract's
renewal) goes into:

1. the pipeline the active territories of L worked by T name (territory refuses two different
   ones among them; CreateDeal may name the territory itself), else
2. the pipeline the line names, else
3. the line's default pipeline.

A pipeline named by a territory must exist in deals and belong to L; anything else is refused
with FAILED_PRECONDITION naming the territory, the pipeline and the line, and saying how to fix it
(territory's event cannot be refused: the choice is recorded as sent, the worker logs what is
wrong with it, and the deal's creation answers). A line's ``pipeline_id`` was a free reference
before deals read it, so one that names no pipeline of deals is only flagged (the worker logs
``sales_line_pipeline_unknown``) and the line's default pipeline is used; one that names another
line's pipeline is refused.
"""

from __future__ import annotations

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound
from crm_deals.domain.pipelines import Pipeline
from crm_deals.domain.sales_lines import SalesLine, TerritoryPipeline
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.sales_lines import no_pipeline_message
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

LIST_PIPELINES = "`crmctl pipelines list` shows the pipelines with their lines"


def record_territory_pipeline(
    deps: Dependencies, caller: Caller, territory: TerritoryPipeline
) -> str:
    """Store territory's snapshot of a territory's pipeline choice (an older snapshot than the
    stored one changes nothing). Returns what is wrong with the choice as deals sees it now
    ("" when nothing is), for the worker to log: the event itself cannot be refused."""
    with deps.uow() as uow:
        stored = uow.territory_pipelines.get(territory.territory_id)
        if territory.newer_than(stored):
            uow.territory_pipelines.put(territory)
        problem = territory_problem(uow, territory)
        uow.commit()
    return problem


def territory_problem(uow: DealsUnitOfWork, territory: TerritoryPipeline) -> str:
    if not territory.active or not territory.pipeline_id:
        return ""
    try:
        _named(uow, territory.pipeline_id, territory.sales_line_id, _territory_fix(uow, territory))
    except FailedPrecondition as exc:
        return str(exc)
    return ""


def line_pipeline_unknown(uow: DealsUnitOfWork, line: SalesLine) -> bool:
    """True when the line names a pipeline deals does not have (flagged, not refused)."""
    return bool(line.pipeline_id) and uow.pipelines.get(line.pipeline_id) is None


def pipeline_for(
    uow: DealsUnitOfWork, sales_line_id: str, team_id: str, territory_id: str = ""
) -> Pipeline:
    """The pipeline a new deal of ``team_id`` on ``sales_line_id`` goes into (see the module
    docstring); ``territory_id`` names the deal's territory when the caller knows it; without
    a team (a line's board) only the line's choice counts."""
    if territory_id:
        chosen = [_given_territory(uow, territory_id, sales_line_id, team_id)]
    else:
        chosen = (
            uow.territory_pipelines.for_line_and_team(sales_line_id, team_id) if team_id else []
        )
    naming = [t for t in chosen if t.active and t.pipeline_id]
    if len({t.pipeline_id for t in naming}) > 1:
        first, other = naming[0], next(t for t in naming if t.pipeline_id != naming[0].pipeline_id)
        raise FailedPrecondition(
            f"territories {first.label()} and {other.label()} of sales line "
            f"{_line_name(uow, sales_line_id)} and team {team_id!r} name different pipelines "
            f"({first.pipeline_id!r}, {other.pipeline_id!r}): a team's deals of one line go into "
            f"one pipeline; make them name the same one (`crmctl territories update "
            f"{other.name} --pipeline {first.pipeline_id}`)",
            field="pipeline_id",
        )
    if naming:
        return _named(uow, naming[0].pipeline_id, sales_line_id, _territory_fix(uow, naming[0]))
    line = uow.sales_lines.get(sales_line_id)
    if line is not None and line.pipeline_id and not line_pipeline_unknown(uow, line):
        return _named(uow, line.pipeline_id, sales_line_id, _line_fix(line))
    pipeline = uow.pipelines.get_by_sales_line(sales_line_id)
    if pipeline is None:
        raise FailedPrecondition(no_pipeline_message(uow, sales_line_id), field="sales_line_id")
    return pipeline


def _given_territory(
    uow: DealsUnitOfWork, territory_id: str, sales_line_id: str, team_id: str
) -> TerritoryPipeline:
    territory = uow.territory_pipelines.get(territory_id)
    if territory is None:
        raise NotFound(
            f"territory {territory_id!r} not found: give the id of a territory of territory "
            "(`crmctl territories list`), or none for the territory of the account's team",
            field="territory_id",
        )
    if territory.sales_line_id != sales_line_id:
        raise InvalidArgument(
            f"territory {territory.label()} is of sales line "
            f"{_line_name(uow, territory.sales_line_id)}, not of "
            f"{_line_name(uow, sales_line_id)}: give a territory of the deal's line",
            field="territory_id",
        )
    if territory.team_id != team_id:
        raise InvalidArgument(
            f"territory {territory.label()} is worked by team {territory.team_id!r}, not by the "
            f"account's team {team_id!r}: give a territory of the account's team",
            field="territory_id",
        )
    if not territory.active:
        raise FailedPrecondition(
            f"territory {territory.label()} is deactivated: give an active territory, or none",
            field="territory_id",
        )
    return territory


def _named(
    uow: DealsUnitOfWork, pipeline_id: str, sales_line_id: str, fix: tuple[str, str]
) -> Pipeline:
    who, how = fix
    pipeline = uow.pipelines.get(pipeline_id)
    if pipeline is None:
        raise FailedPrecondition(
            f"{who} names pipeline {pipeline_id!r} for its deals, but deals has no such "
            f"pipeline: {how} ({LIST_PIPELINES})",
            field="pipeline_id",
        )
    if pipeline.sales_line_id != sales_line_id:
        raise FailedPrecondition(
            f"{who} names pipeline {pipeline.name!r} ({pipeline.id}), which belongs to sales "
            f"line {_line_name(uow, pipeline.sales_line_id)}, not to "
            f"{_line_name(uow, sales_line_id)}: a line's deals stay in a pipeline of their line; "
            f"{how} ({LIST_PIPELINES})",
            field="pipeline_id",
        )
    return pipeline


def _territory_fix(uow: DealsUnitOfWork, territory: TerritoryPipeline) -> tuple[str, str]:
    line = _line_name(uow, territory.sales_line_id, quoted=False)
    return (
        f"territory {territory.label()} (sales line {_line_name(uow, territory.sales_line_id)})",
        f"an administrator creates a pipeline of the line (`crmctl pipelines create --line "
        f"{_typed(line)} --additional --name NAME --stage ...`) and names its id "
        f"(`crmctl territories update {_typed(territory.name)} --pipeline ID`), or sets "
        f'`--pipeline ""` for the line\'s pipeline',
    )


def _line_fix(line: SalesLine) -> tuple[str, str]:
    return (
        f"sales line {line.label()}",
        f"an administrator names one of the line's pipelines (`crmctl lines update "
        f'{_typed(line.name)} --pipeline ID`) or sets `--pipeline ""` for its default pipeline',
    )


def _line_name(uow: DealsUnitOfWork, sales_line_id: str, quoted: bool = True) -> str:
    line = uow.sales_lines.get(sales_line_id)
    if line is None:
        return repr(sales_line_id) if quoted else sales_line_id
    return line.label() if quoted else line.name


def _typed(name: str) -> str:
    return f'"{name}"' if " " in name else name
