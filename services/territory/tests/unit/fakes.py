"""In-memory unit of work, repositories and ports for the unit tests.

Repositories keep deep copies of what was saved, and the unit of work snapshots everything on
entry and restores it on rollback, so a use case that forgets to commit (or fails half-way)
leaves no trace — the same guarantee the SQL unit of work gives.
"""

from __future__ import annotations

import copy
import datetime as dt

from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_territory.domain.assignment import TeamLedger
from crm_territory.domain.org import OrgSettings
from crm_territory.service_layer import repositories
from crm_territory.service_layer.ports import DirectoryUser, RoutingMetrics, UserDirectory
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork

UTC = dt.UTC


class _Store(dict):
    """id -> object; hands out the stored objects (like an ORM identity map)."""


class FakeSettings(repositories.SettingsRepository):
    def __init__(self):
        self.value = OrgSettings()

    def get(self):
        return self.value

    def save(self, settings):
        self.value = settings


class _ById:
    def __init__(self):
        self.rows = _Store()

    def get(self, key):
        return self.rows.get(key)

    def add(self, obj):
        assert obj.id not in self.rows, f"duplicate id {obj.id}"
        self.rows[obj.id] = obj

    def save(self, obj):
        self.rows[obj.id] = obj

    def remove(self, key):
        self.rows.pop(key, None)


class FakeUnits(_ById, repositories.UnitRepository):
    def all(self):
        return dict(self.rows)


class FakeTeams(_ById, repositories.TeamRepository):
    def all(self):
        return dict(self.rows)


class FakeMemberships(_ById, repositories.MembershipRepository):
    def for_user(self, user_id):
        return [m for m in self.rows.values() if m.user_id == user_id]

    def for_team(self, team_id):
        return [m for m in self.rows.values() if m.team_id == team_id]


class FakeAbsences(_ById, repositories.AbsenceRepository):
    def for_users(self, user_ids):
        wanted = set(user_ids)
        return [a for a in self.rows.values() if a.user_id in wanted]


class FakePeople(repositories.PersonRepository):
    def __init__(self):
        self.rows = {}

    def get(self, user_id):
        return self.rows.get(user_id)

    def many(self, user_ids):
        return {u: self.rows[u] for u in user_ids if u in self.rows}

    def ids_after(self, user_id, limit):
        return sorted(u for u in self.rows if u > user_id)[:limit]

    def add(self, person):
        self.rows[person.user_id] = person

    def save(self, person):
        self.rows[person.user_id] = person


class FakeSalesLines(_ById, repositories.SalesLineRepository):
    def all(self):
        return list(self.rows.values())


class FakeTargets(repositories.TargetRepository):
    def __init__(self):
        self.rows = {}

    def for_line(self, line_id):
        return [t for t in self.rows.values() if t.sales_line_id == line_id]

    def put(self, targets):
        for t in targets:
            self.rows[(t.sales_line_id, t.team_id, t.period.label)] = t


class FakeTerritories(_ById, repositories.TerritoryRepository):
    def all(self):
        return list(self.rows.values())


class FakeLedgers(repositories.LedgerRepository):
    def __init__(self):
        self.rows = {}

    def get(self, team_id):
        return self.rows.setdefault(team_id, TeamLedger(team_id))

    def save(self, ledger):
        self.rows[ledger.team_id] = ledger


class FakeDecisions(repositories.DecisionRepository):
    def __init__(self):
        self.rows = {}

    def get(self, lead_id):
        return self.rows.get(lead_id)

    def add(self, decision):
        assert decision.lead_id not in self.rows, "a lead is decided once"
        self.rows[decision.lead_id] = decision

    def save(self, decision):
        self.rows[decision.lead_id] = decision

    def queued(self, after, limit, team_ids=None):
        rows = sorted(
            (
                d
                for d in self.rows.values()
                if d.in_queue and (team_ids is None or d.team_id in team_ids)
            ),
            key=lambda d: (d.decided_at, d.lead_id),
        )
        if after is not None:
            rows = [d for d in rows if (d.decided_at, d.lead_id) > after]
        return rows[:limit]

    def count_for_team(self, team_id):
        return sum(1 for d in self.rows.values() if d.team_id == team_id)


class FakeOwnerChoices(repositories.OwnerChoiceRepository):
    def __init__(self):
        self.rows = {}

    def get(self, team_id, subject_id):
        return self.rows.get((team_id, subject_id))

    def add(self, team_id, subject_id, choice):
        self.rows[(team_id, subject_id)] = choice


class FakeTrackedItems(repositories.TrackedItemRepository):
    def __init__(self):
        self.rows = {}

    def get(self, kind, item_id):
        return self.rows.get((kind, item_id))

    def add(self, item):
        key = (item.kind, item.item_id)
        assert key not in self.rows, f"tracked item {key} added twice"
        self.rows[key] = item

    def save(self, item):
        key = (item.kind, item.item_id)
        assert key in self.rows, f"tracked item {key} saved before it was added"
        self.rows[key] = item

    def open_counts(self, team_id):
        """Test aid: the open items per owner in a team, counted from the rows."""
        counts = {}
        for item in self.rows.values():
            if item.counted_for and item.team_id == team_id:
                counts[item.owner_user_id] = counts.get(item.owner_user_id, 0) + 1
        return counts


_REPOS = (
    "settings",
    "units",
    "teams",
    "memberships",
    "absences",
    "people",
    "sales_lines",
    "targets",
    "territories",
    "ledgers",
    "decisions",
    "owner_choices",
    "tracked_items",
)


class FakeUnitOfWork(FakeUnitOfWorkBase, TerritoryUnitOfWork):
    def __init__(self):
        super().__init__()
        self.settings = FakeSettings()
        self.units = FakeUnits()
        self.teams = FakeTeams()
        self.memberships = FakeMemberships()
        self.absences = FakeAbsences()
        self.people = FakePeople()
        self.sales_lines = FakeSalesLines()
        self.targets = FakeTargets()
        self.territories = FakeTerritories()
        self.ledgers = FakeLedgers()
        self.decisions = FakeDecisions()
        self.owner_choices = FakeOwnerChoices()
        self.tracked_items = FakeTrackedItems()
        self._snapshot = None

    def __enter__(self):
        self._snapshot = {name: self._copy(name) for name in _REPOS}
        self.committed = False
        return self

    def __exit__(self, *exc_info):
        if not self.committed:
            self.rollback()
        self.committed = False

    def _copy(self, name):
        repo = getattr(self, name)
        if name != "decisions":
            return copy.deepcopy(repo)
        # Decisions pile up (10,000 in the fairness test): copy each row shallowly; everything
        # a decision refers to is immutable, only its own fields change.
        clone = FakeDecisions()
        clone.rows = {k: copy.copy(v) for k, v in repo.rows.items()}
        return clone

    def commit(self):
        super().commit()
        self._snapshot = None

    def rollback(self):
        super().rollback()
        if self._snapshot is not None:
            for name, repo in self._snapshot.items():
                setattr(self, name, repo)
            self._snapshot = None

    def events(self, event_type=None):
        return [m for t, m in self.emitted if event_type is None or t == event_type]


class FakeDirectory(UserDirectory):
    def __init__(self):
        self.users: dict[str, DirectoryUser] = {}

    def put(self, user_id, *, departments=("sales",), roles=(), active=True, name=None):
        user = DirectoryUser(
            user_id, name or user_id.title(), active, frozenset(departments), frozenset(roles)
        )
        self.users[user_id] = user
        return user

    def lookup(self, user_id):
        return self.users.get(user_id)


class FakeMetrics(RoutingMetrics):
    def __init__(self):
        self.routed: list[tuple[str, str]] = []
        self.unroutable: list[str] = []
        self.duplicates = 0

    def lead_routed(self, team_id, strategy):
        self.routed.append((team_id, strategy))

    def lead_unroutable(self, reason):
        self.unroutable.append(reason)

    def duplicate_ignored(self):
        self.duplicates += 1
