"""The append-only history of a lead: who changed what, when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.context import Actor


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryEntry:
    lead_id: str
    version: int
    occurred_at: dt.datetime
    actor: Actor
    action: str
    changes: tuple[FieldChange, ...] = ()
    note: str = ""


def diff(before: dict[str, str], after: dict[str, str]) -> tuple[FieldChange, ...]:
    if not before:  # a capture: every field given, without looking each up twice
        return tuple(
            FieldChange(path, "", value) for path, value in sorted(after.items()) if value != ""
        )
    return tuple(
        FieldChange(path, before.get(path, ""), after.get(path, ""))
        for path in sorted(set(before) | set(after))
        if before.get(path, "") != after.get(path, "")
    )
