"""The organisation and sales structure reporting needs, derived from stored events like the
deals: the latest version of each aggregate wins, whatever order the events came in.

- pipelines (deals): stage order, names, expected days;
- org units and teams (territory): which teams a unit's subtree holds;
- activities (deals): who did what, and when a task was due and done;
- targets (territory): every target of a line in a period; the event with the highest version of
  the line that names the period wins (the line's targets share one version sequence).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crm_reporting.domain.events import (
    ActivitySnapshot,
    OrgUnitSnapshot,
    PipelineSnapshot,
    RecordedEvent,
    TargetsSnapshot,
    TargetValue,
    TeamSnapshot,
)


def latest(events: Iterable[RecordedEvent]) -> RecordedEvent | None:
    """The event with the highest version (the first stored of equal versions)."""
    best: RecordedEvent | None = None
    for event in events:
        if best is None or event.version > best.version:
            best = event
    return best


def derive_pipeline(events: Iterable[RecordedEvent]) -> PipelineSnapshot | None:
    event = latest(e for e in events if isinstance(e.payload, PipelineSnapshot))
    return event.payload if event is not None else None  # type: ignore[return-value]


def derive_unit(events: Iterable[RecordedEvent]) -> OrgUnitSnapshot | None:
    event = latest(e for e in events if isinstance(e.payload, OrgUnitSnapshot))
    return event.payload if event is not None else None  # type: ignore[return-value]


def derive_team(events: Iterable[RecordedEvent]) -> TeamSnapshot | None:
    event = latest(e for e in events if isinstance(e.payload, TeamSnapshot))
    return event.payload if event is not None else None  # type: ignore[return-value]


def derive_activity(events: Iterable[RecordedEvent]) -> ActivitySnapshot | None:
    """The activity's newest snapshot (its team and owner now, done or not)."""
    event = latest(e for e in events if isinstance(e.payload, ActivitySnapshot))
    return event.payload if event is not None else None  # type: ignore[return-value]


def derive_targets(events: Iterable[RecordedEvent]) -> dict[str, tuple[TargetValue, ...]]:
    """{period: that period's targets} of one line."""
    newest: dict[str, RecordedEvent] = {}
    for event in events:
        payload = event.payload
        if not isinstance(payload, TargetsSnapshot):
            continue
        held = newest.get(payload.period)
        if held is None or event.version > held.version:
            newest[payload.period] = event
    return {
        period: event.payload.targets  # type: ignore[union-attr]
        for period, event in newest.items()
    }


def subtree_teams(
    unit_id: str, unit_parents: Mapping[str, str], team_units: Mapping[str, str]
) -> set[str]:
    """Teams of ``unit_id`` and every unit below it (cycles, which territory forbids, end the
    walk instead of looping)."""
    teams = set()
    for team_id, team_unit in team_units.items():
        seen: set[str] = set()
        unit = team_unit
        while unit and unit not in seen:
            if unit == unit_id:
                teams.add(team_id)
                break
            seen.add(unit)
            unit = unit_parents.get(unit, "")
    return teams
