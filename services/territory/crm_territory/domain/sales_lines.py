"""Sales lines (market segments sold to in their own way) and their targets per team and period."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from crm_chassis.errors import InvalidArgument
from crm_territory.domain.values import Money, Period, problem


class WorkflowKind(enum.Enum):
    CONTRACT = "contract"  # deals close on a signed contract
    QUOTE = "quote"  # deals close on an accepted quote / pre-invoice


def parse_workflow(value: str) -> WorkflowKind:
    try:
        return WorkflowKind((value or "").strip().lower())
    except ValueError:
        raise InvalidArgument(
            f"workflow_kind must be contract or quote, got {value!r}", field="workflow_kind"
        ) from None


@dataclass
class SalesLine:
    id: str
    name: str
    description: str
    workflow_kind: WorkflowKind
    pipeline_id: str
    team_ids: list[str] = field(default_factory=list)
    active: bool = True
    version: int = 1
    targets_version: int = 0  # version of the line's targets (their own event stream)


@dataclass(frozen=True)
class Target:
    """What one team should achieve on one line in one period: an amount and a count of deals."""

    sales_line_id: str
    team_id: str
    period: Period
    amount: Money
    deal_count: int


def build_targets(
    line: SalesLine, period: Period, rows: list[tuple[str, str, str, int]]
) -> list[Target]:
    """Validate (team_id, amount, currency, deal_count) rows for ``line`` in ``period``.

    Every problem is collected so a planning sheet can be fixed in one pass.
    """
    problems: list[tuple[str, str]] = []
    seen: set[str] = set()
    targets: list[Target] = []
    currencies: set[str] = set()
    for i, (team_id, amount, currency, deal_count) in enumerate(rows):
        where = f"targets[{i}]"
        if team_id not in line.team_ids:
            problems.append(
                (
                    f"{where}.team_id",
                    f"team {team_id!r} does not work sales line "
                    f"'{line.name}'; add it to the line first",
                )
            )
            continue
        if team_id in seen:
            problems.append((f"{where}.team_id", f"team {team_id!r} appears twice"))
            continue
        seen.add(team_id)
        try:
            money = Money.parse(amount, currency, field=f"{where}.amount")
        except InvalidArgument as exc:
            problems.append(problem(exc, where))
            continue
        if money.amount < 0:
            problems.append((f"{where}.amount", "a target amount cannot be negative"))
            continue
        if deal_count < 0:
            problems.append((f"{where}.deal_count", "a target count cannot be negative"))
            continue
        currencies.add(money.currency)
        targets.append(Target(line.id, team_id, period, money, deal_count))
    if len(currencies) > 1:
        problems.append(
            (
                "targets",
                f"use one currency per line and period, got {', '.join(sorted(currencies))}",
            )
        )
    if problems:
        from crm_chassis.errors import ValidationErrors

        raise ValidationErrors(problems)
    return targets
