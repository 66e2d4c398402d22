"""deals' copy of territory's sales lines: what a pipeline is attached to.

Territory owns the lines; deals keeps the few facts it needs (id, name, how deals of the line
close, active) from territory's ``sales_line_changed`` events. ``version`` is territory's line
version: an older snapshot than the stored one (an event delivered late) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

WORKFLOWS = ("contract", "quote")


@dataclass(frozen=True)
class SalesLine:
    id: str
    name: str
    workflow: str  # "contract" or "quote" ("" when territory sent none)
    active: bool
    version: int

    def label(self) -> str:
        """How messages name the line: its name (people type names, not ids)."""
        return f"'{self.name}'"

    def newer_than(self, stored: SalesLine | None) -> bool:
        return stored is None or self.version > stored.version
