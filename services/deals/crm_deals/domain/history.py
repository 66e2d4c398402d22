"""The append-only history every aggregate keeps, and its version.

Every change to a record is kept as a :class:`HistoryEntry` (who, when, what, from -> to). An
aggregate collects the entries of the changes made to it in ``pending_history``; the use case
hands them to the history repository in the same transaction as the change, and nothing ever
updates or deletes an entry. History is keyed by the record, not by its team, so a transferred
record keeps its whole history and the new team sees all of it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from crm_chassis.context import Actor

#: {field: (old, new)} of one change, as a history entry keeps it.
Changes = dict[str, tuple[Any, Any]]


def display(value: object) -> str:
    """How a value is shown in the history (None -> empty)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple, list)):
        return ", ".join(sorted(map(str, value)))
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    """One change of one record. ``action`` names what happened: created, updated,
    stage_changed, won, lost, reopened, transferred, owner_changed, ..."""

    record_type: str
    record_id: str
    at: dt.datetime
    actor: Actor
    action: str
    changes: tuple[FieldChange, ...] = ()
    note: str = ""
    version: int = 0


@dataclass
class Recorded:
    """Mixin state of an aggregate that keeps history and a version."""

    pending_history: list[HistoryEntry] = field(
        default_factory=list, repr=False, compare=False, kw_only=True
    )

    RECORD_TYPE = "record"

    def _record(
        self,
        actor: Actor,
        at: dt.datetime,
        action: str,
        changes: Changes | None = None,
        note: str = "",
    ) -> None:
        """Bump the version and keep one history entry for the change just made."""
        record: Any = self  # id, version and updated_at are fields of every aggregate
        record.version += 1
        record.updated_at = at
        self.pending_history.append(
            HistoryEntry(
                record_type=self.RECORD_TYPE,
                record_id=record.id,
                at=at,
                actor=actor,
                action=action,
                changes=tuple(
                    FieldChange(name, display(old), display(new))
                    for name, (old, new) in (changes or {}).items()
                ),
                note=note,
                version=record.version,
            )
        )

    def drain_history(self) -> list[HistoryEntry]:
        entries, self.pending_history = self.pending_history, []
        return entries


def diff(obj: object, updates: dict[str, Any]) -> Changes:
    """{field: (old, new)} for the ``updates`` that change ``obj``'s attributes."""
    return {
        name: (getattr(obj, name), value)
        for name, value in updates.items()
        if getattr(obj, name) != value
    }
