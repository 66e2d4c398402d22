"""deals' copy of territory's sales lines, and the questions pipelines and deals ask of it.

The copy is written by the worker from territory's ``sales_line_changed`` events (idempotent:
an older snapshot never replaces a newer one). A line deals has no copy of yet (created moments
ago, its event still on its way) is asked of territory once and stored; a line territory does not
know is refused as NOT_FOUND, pointing at ``crmctl lines list``.
"""

from __future__ import annotations

from crm_chassis.errors import FailedPrecondition, NotFound
from crm_deals.domain.sales_lines import SalesLine
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

LIST_LINES = "`crmctl lines list` shows the sales lines with their ids"


def record_sales_line(deps: Dependencies, caller: Caller, line: SalesLine) -> bool:
    """Store territory's snapshot of a line; False (nothing changed) when the stored copy is
    the same version or newer."""
    with deps.uow() as uow:
        stored = _store(uow, line)
        uow.commit()
    return stored


def _store(uow: DealsUnitOfWork, line: SalesLine) -> bool:
    if not line.newer_than(uow.sales_lines.get(line.id)):
        return False
    uow.sales_lines.put(line)
    return True


def known_line(uow: DealsUnitOfWork, deps: Dependencies, sales_line_id: str) -> SalesLine:
    """The line ``sales_line_id`` (inside the caller's open unit of work). NotFound names it
    and says where the lines are listed."""
    line = uow.sales_lines.get(sales_line_id)
    if line is None and deps.sales_lines is not None:
        line = deps.sales_lines.get(sales_line_id)
        if line is not None:
            _store(uow, line)
    if line is None:
        raise NotFound(
            f"sales line {sales_line_id!r} not found: give the id of a sales line "
            f"of territory ({LIST_LINES})",
            field="sales_line_id",
        )
    return line


def require_active_line(uow: DealsUnitOfWork, deps: Dependencies, sales_line_id: str) -> SalesLine:
    line = known_line(uow, deps, sales_line_id)
    if not line.active:
        raise FailedPrecondition(
            f"sales line {line.label()} is deactivated: pipelines are "
            f"created for active lines only ({LIST_LINES})",
            field="sales_line_id",
        )
    return line


def no_pipeline_message(uow: DealsUnitOfWork, sales_line_id: str) -> str:
    """What to say when a line has no pipeline: which line (by name when deals knows it) and
    the command that creates its pipeline."""
    line = uow.sales_lines.get(sales_line_id)
    named = f"{line.label()} ({sales_line_id})" if line else repr(sales_line_id)
    typed = line.name if line else sales_line_id
    if " " in typed:
        typed = f'"{typed}"'
    return (
        f"sales line {named} has no pipeline yet; an administrator creates it with "
        f"`crmctl pipelines create --line {typed} --name NAME --stage ...`"
    )
