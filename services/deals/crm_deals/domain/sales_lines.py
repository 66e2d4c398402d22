"""deals' copy of territory's sales lines and of its territories' pipeline choice.

Territory owns the lines; deals keeps the few facts it needs (id, name, how deals of the line
close, active, the pipeline the line names) from territory's ``sales_line_changed`` events, and
of each territory the line, team, pipeline and active flag from ``territory_rules_changed``.
``version`` is territory's version of the line or territory: an older snapshot than the stored
one (an event delivered late) changes nothing.
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
    # The deals pipeline territory's line names ("" = the line's default pipeline in deals).
    pipeline_id: str = ""

    def label(self) -> str:
        """How messages name the line: its name (people type names, not ids)."""
        return f"'{self.name}'"

    def newer_than(self, stored: SalesLine | None) -> bool:
        return stored is None or self.version > stored.version


@dataclass(frozen=True)
class TerritoryPipeline:
    """A territory's pipeline choice: the deals of ``team_id`` on ``sales_line_id`` go into
    ``pipeline_id`` while the territory is active ("" = the line's pipeline)."""

    territory_id: str
    name: str
    sales_line_id: str
    team_id: str
    pipeline_id: str
    active: bool
    version: int

    def label(self) -> str:
        return f"'{self.name}'"

    def newer_than(self, stored: TerritoryPipeline | None) -> bool:
        return stored is None or self.version > stored.version
