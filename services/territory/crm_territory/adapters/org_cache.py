"""The organisation's structure (settings, units, teams, sales lines, territories with their
rule sets), cached per structure version for every unit of work of a process.

Access decisions and routing read the whole structure on nearly every call, and it changes
rarely: a unit of work reads one number (``org_version``, bumped by every structure write in
the writing transaction) and, when it matches the cached snapshot, copies objects out of memory
instead of running five queries. Snapshots are immutable; each unit of work gets its own copies,
so a use case that changes an object and then rolls back cannot corrupt the cache.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
from dataclasses import dataclass

from crm_territory.domain.org import OrgSettings, OrgUnit
from crm_territory.domain.sales_lines import SalesLine
from crm_territory.domain.teams import Team
from crm_territory.domain.territories import Territory


@dataclass(frozen=True)
class StructureSnapshot:
    """The committed structure at one ``version`` (never handed out: see the copy helpers)."""

    version: int
    settings: OrgSettings
    units: dict[str, OrgUnit]
    teams: dict[str, Team]
    sales_lines: dict[str, SalesLine]
    territories: dict[str, Territory]

    def copy_settings(self) -> OrgSettings:
        return copy.copy(self.settings)

    def copy_units(self) -> dict[str, OrgUnit]:
        return {
            k: dataclasses.replace(u, manager_user_ids=set(u.manager_user_ids))
            for k, u in self.units.items()
        }

    def copy_teams(self) -> dict[str, Team]:
        return {k: copy.copy(t) for k, t in self.teams.items()}

    def copy_sales_lines(self) -> dict[str, SalesLine]:
        return {
            k: dataclasses.replace(line, team_ids=list(line.team_ids))
            for k, line in self.sales_lines.items()
        }

    def copy_territories(self) -> dict[str, Territory]:
        # Rule set versions are frozen; only the list of them grows.
        return {
            k: dataclasses.replace(t, history=list(t.history)) for k, t in self.territories.items()
        }


class OrgCache:
    """The latest snapshot read by any unit of work of the process (thread-safe)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._snapshot: StructureSnapshot | None = None
        self.hits = 0
        self.misses = 0

    def get(self, version: int) -> StructureSnapshot | None:
        with self._lock:
            snapshot = self._snapshot
            if snapshot is not None and snapshot.version == version:
                self.hits += 1
                return snapshot
            self.misses += 1
            return None

    def put(self, snapshot: StructureSnapshot) -> None:
        with self._lock:
            if self._snapshot is None or snapshot.version >= self._snapshot.version:
                self._snapshot = snapshot
