"""Abstract repositories. ``add`` stores a new object; ``save`` persists changes of one that was
read in the same unit of work (an upsert for table-based adapters). Nothing is visible to others
before the unit of work commits.

The organisation (units, teams) is small — thousands of rows at most — and access decisions
need all of it, so those repositories hand out the whole set; adapters may cache it per version.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Collection

from crm_territory.domain.assignment import OwnerChoice, TeamLedger
from crm_territory.domain.org import OrgSettings, OrgUnit
from crm_territory.domain.people import Person
from crm_territory.domain.routing import RoutingDecision
from crm_territory.domain.sales_lines import SalesLine, Target
from crm_territory.domain.teams import Absence, Membership, Team
from crm_territory.domain.territories import Territory
from crm_territory.domain.workload import ItemKind, TrackedItem


class TransactionConflict(Exception):
    """Another transaction got there first: it recorded the same lead's decision or subject's
    owner choice, or the database broke a lock cycle between two. The unit of work rolls back;
    running the use case again sees the other transaction's result (e.g. the lead as already
    decided) and so treats the lead as a duplicate."""


class SettingsRepository(abc.ABC):
    @abc.abstractmethod
    def get(self) -> OrgSettings: ...
    @abc.abstractmethod
    def save(self, settings: OrgSettings) -> None: ...


class UnitRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, unit_id: str) -> OrgUnit | None: ...
    @abc.abstractmethod
    def all(self) -> dict[str, OrgUnit]: ...
    @abc.abstractmethod
    def add(self, unit: OrgUnit) -> None: ...
    @abc.abstractmethod
    def save(self, unit: OrgUnit) -> None: ...
    @abc.abstractmethod
    def remove(self, unit_id: str) -> None: ...


class TeamRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, team_id: str) -> Team | None: ...
    @abc.abstractmethod
    def all(self) -> dict[str, Team]: ...
    @abc.abstractmethod
    def add(self, team: Team) -> None: ...
    @abc.abstractmethod
    def save(self, team: Team) -> None: ...
    @abc.abstractmethod
    def remove(self, team_id: str) -> None: ...


class MembershipRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, membership_id: str) -> Membership | None: ...
    @abc.abstractmethod
    def for_user(self, user_id: str) -> list[Membership]: ...
    @abc.abstractmethod
    def for_team(self, team_id: str) -> list[Membership]: ...

    def for_teams(self, team_ids: list[str]) -> dict[str, list[Membership]]:
        """Memberships of several teams (every asked team has a list); adapters answer with
        one query, so routing a batch does not ask once per team."""
        return {team_id: self.for_team(team_id) for team_id in dict.fromkeys(team_ids)}

    @abc.abstractmethod
    def add(self, membership: Membership) -> None: ...
    @abc.abstractmethod
    def save(self, membership: Membership) -> None: ...


class AbsenceRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, absence_id: str) -> Absence | None: ...
    @abc.abstractmethod
    def for_users(self, user_ids: list[str]) -> list[Absence]: ...
    @abc.abstractmethod
    def add(self, absence: Absence) -> None: ...
    @abc.abstractmethod
    def save(self, absence: Absence) -> None: ...


class PersonRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, user_id: str) -> Person | None: ...
    @abc.abstractmethod
    def many(self, user_ids: list[str]) -> dict[str, Person]: ...
    @abc.abstractmethod
    def ids_after(self, user_id: str, limit: int) -> list[str]:
        """Up to ``limit`` person ids greater than ``user_id`` (""), in id order: a full scan in
        pages, e.g. to republish everyone's scopes."""

    @abc.abstractmethod
    def add(self, person: Person) -> None: ...
    @abc.abstractmethod
    def save(self, person: Person) -> None: ...


class SalesLineRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, line_id: str) -> SalesLine | None: ...
    @abc.abstractmethod
    def all(self) -> list[SalesLine]: ...
    @abc.abstractmethod
    def add(self, line: SalesLine) -> None: ...
    @abc.abstractmethod
    def save(self, line: SalesLine) -> None: ...


class TargetRepository(abc.ABC):
    @abc.abstractmethod
    def for_line(self, line_id: str) -> list[Target]: ...
    @abc.abstractmethod
    def put(self, targets: list[Target]) -> None:
        """Insert or replace each target by (line, team, period)."""


class TerritoryRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, territory_id: str) -> Territory | None: ...
    @abc.abstractmethod
    def all(self) -> list[Territory]: ...
    @abc.abstractmethod
    def add(self, territory: Territory) -> None: ...
    @abc.abstractmethod
    def save(self, territory: Territory) -> None: ...


class LedgerRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, team_id: str) -> TeamLedger:
        """The team's ledger (an empty one if none was saved); adapters lock its row."""

    @abc.abstractmethod
    def save(self, ledger: TeamLedger) -> None: ...

    def save_many(self, ledgers: list[TeamLedger]) -> None:
        """Save several ledgers, in the given order; adapters write them in one statement."""
        for ledger in ledgers:
            self.save(ledger)


class DecisionRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, lead_id: str) -> RoutingDecision | None: ...
    def prefetch(self, lead_ids: list[str]) -> None:
        """A hint that ``get`` will be asked for each of these leads (a batch): adapters may
        read them in one go. Changes nothing."""
        return  # optional: a repository that reads one at a time needs no hint

    @abc.abstractmethod
    def add(self, decision: RoutingDecision) -> None: ...
    @abc.abstractmethod
    def save(self, decision: RoutingDecision) -> None: ...
    @abc.abstractmethod
    def queued(
        self,
        after: tuple[dt.datetime, str] | None,
        limit: int,
        team_ids: Collection[str] | None = None,
    ) -> list[RoutingDecision]:
        """Queued decisions ordered by (decided_at, lead_id), strictly after ``after``; only
        those waiting in one of ``team_ids`` (the queue teams), unless None."""

    @abc.abstractmethod
    def count_for_team(self, team_id: str) -> int: ...

    def leave_queue(self, lead_ids: Collection[str]) -> set[str]:
        """Take these leads' decisions out of the unassigned queue; returns the ids that were
        queued (the others, unknown or not queued, change nothing). Adapters may do it in one
        statement: a batch of assignments need not read each decision back."""
        left = set()
        for lead_id in dict.fromkeys(lead_ids):
            decision = self.get(lead_id)
            if decision is not None and decision.in_queue:
                decision.in_queue = False
                self.save(decision)
                left.add(lead_id)
        return left


class OwnerChoiceRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, team_id: str, subject_id: str) -> OwnerChoice | None: ...
    @abc.abstractmethod
    def add(self, team_id: str, subject_id: str, choice: OwnerChoice) -> None: ...


class TrackedItemRepository(abc.ABC):
    """Territory's copy of the leads' and deals' owner and state (workload tracking)."""

    @abc.abstractmethod
    def get(self, kind: ItemKind, item_id: str) -> TrackedItem | None:
        """The item, or None if never heard of; adapters lock its row until the unit of work
        ends, so two events about one item are applied one after the other."""

    def prefetch(self, kind: ItemKind, item_ids: list[str]) -> None:
        """A hint that ``get`` will be asked for each of these items (a batch of routed
        leads): adapters may read (and lock) them in one go. Changes nothing."""
        return  # optional: a repository that reads one at a time needs no hint

    @abc.abstractmethod
    def add(self, item: TrackedItem) -> None:
        """Store an item ``get`` did not find."""

    @abc.abstractmethod
    def save(self, item: TrackedItem) -> None:
        """Replace an item ``get`` found (or one added in this unit of work)."""
