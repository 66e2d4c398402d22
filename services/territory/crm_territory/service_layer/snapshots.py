"""The backfill of a consumer that joins a running platform (reporting): territory re-publishes
its organisation units, teams and sales-line targets as ``org_unit_snapshot``,
``team_snapshot`` and ``targets_snapshot`` events (docs/design-notes.md, "Backfill").

Each snapshot carries the record's current version (a line's targets: the line's targets
version, one event per period), so a consumer holding that version or a newer one changes
nothing and a later change wins. The organisation is small (units, teams and targets number in
the thousands at most): a page is cut from the records read whole, by key, and one call is one
transaction. People's scopes have their own command (access_state.republish_all).

Who: an administrator (the organisation's structure is theirs) or a service account with the
``publish_territory_snapshots`` role. The answer holds counts only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import cast

from crm.territory.v1 import events_pb2
from crm_chassis import paging
from crm_chassis.caller import require_authenticated
from crm_chassis.errors import InvalidArgument, PermissionDenied
from crm_chassis.service_roles import PUBLISH_TERRITORY_SNAPSHOTS
from crm_territory.service_layer import event_messages
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

ORG_UNITS, TEAMS, TARGETS = "org_units", "teams", "targets"
KINDS = (ORG_UNITS, TEAMS, TARGETS)


@dataclass(frozen=True)
class Published:
    count: int
    next_cursor: str


def require_snapshot_right(caller: Caller | None) -> Caller:
    who = cast(Caller, require_authenticated(caller))
    if who.is_admin or who.holds_service_role(PUBLISH_TERRITORY_SNAPSHOTS):
        return who
    raise PermissionDenied(
        "re-publishing snapshots is for administrators or a service account with the "
        f"{PUBLISH_TERRITORY_SNAPSHOTS!r} role"
    )


def _emit_all(uow: TerritoryUnitOfWork, kind: str, keys: list[str], caller: Caller) -> None:
    actor = caller.actor
    if kind == ORG_UNITS:
        names = uow.settings.get().level_names
        units = uow.units.all()
        for key in keys:
            unit = units[key]
            uow.emit(
                "org_unit_snapshot",
                events_pb2.OrgUnitSnapshot(unit=event_messages.unit(unit, names)),
                aggregate_type="org_unit",
                aggregate_id=unit.id,
                aggregate_version=unit.version,
                actor=actor,
            )
    elif kind == TEAMS:
        teams = uow.teams.all()
        for key in keys:
            team = teams[key]
            uow.emit(
                "team_snapshot",
                events_pb2.TeamSnapshot(team=event_messages.team(team)),
                aggregate_type="team",
                aggregate_id=team.id,
                aggregate_version=team.version,
                actor=actor,
            )
    else:
        lines = {line.id: line for line in uow.sales_lines.all()}
        for key in keys:
            line_id, period = key.split("|", 1)
            targets = [t for t in uow.targets.for_line(line_id) if t.period.label == period]
            uow.emit(
                "targets_snapshot",
                events_pb2.TargetsSnapshot(
                    sales_line_id=line_id,
                    period=period,
                    targets=[
                        event_messages.target(t) for t in sorted(targets, key=lambda t: t.team_id)
                    ],
                ),
                aggregate_type="sales_line_targets",
                aggregate_id=line_id,
                aggregate_version=lines[line_id].targets_version,
                actor=actor,
            )


def _keys(uow: TerritoryUnitOfWork, kind: str) -> list[str]:
    if kind == ORG_UNITS:
        return sorted(uow.units.all())
    if kind == TEAMS:
        return sorted(uow.teams.all())
    periods: dict[str, set[str]] = defaultdict(set)
    for line in uow.sales_lines.all():
        for target in uow.targets.for_line(line.id):
            periods[line.id].add(target.period.label)
    return sorted(f"{line_id}|{period}" for line_id, found in periods.items() for period in found)


def publish_snapshots(
    deps: Dependencies, caller: Caller | None, *, kind: str, page_size: int = 0, cursor: str = ""
) -> Published:
    """One page of ``kind`` (org_units, teams or targets) written to the outbox as snapshots."""
    who = require_snapshot_right(caller)
    if kind not in KINDS:
        raise InvalidArgument(
            f"kind must be one of {', '.join(KINDS)}; got {kind or 'nothing'!r}", field="kind"
        )
    paging.page_size(page_size)  # refused before anything is read
    with deps.uow() as uow:
        every = _keys(uow, kind)
        page = paging.fetch_page(
            lambda after, limit: [k for k in every if not after or k > str(after[0])][:limit],
            lambda key: (key,),
            page_size,
            cursor,
        )
        _emit_all(uow, kind, page.items, who)
        uow.commit()
    return Published(len(page.items), page.next_cursor)
