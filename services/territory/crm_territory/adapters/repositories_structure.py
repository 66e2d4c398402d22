"""Repositories of the organisation's structure: settings, units, teams, sales lines,
territories (with every rule set version) and targets.

One :class:`Structure` per unit of work reads the structure once (from the process's
:class:`~crm_territory.adapters.org_cache.OrgCache` when ``org_version`` is unchanged) and keeps
this transaction's copies; writes go to the database at once and to those copies, and bump
``org_version`` in the same transaction.
"""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from crm_chassis.errors import FailedPrecondition
from crm_territory.adapters import orm
from crm_territory.adapters.json_columns import dumps, rules_from_text, rules_to_text
from crm_territory.adapters.org_cache import OrgCache, StructureSnapshot
from crm_territory.domain.org import OrgSettings, OrgUnit
from crm_territory.domain.sales_lines import SalesLine, Target, UnitTarget, WorkflowKind
from crm_territory.domain.teams import RoutingStrategy, Team
from crm_territory.domain.territories import RuleSetVersion, Territory
from crm_territory.domain.values import Money, Period
from crm_territory.service_layer import repositories

SETTINGS_ID = 1
VERSION_ID = 1
_READ_VERSION = select(orm.org_version.c.version).where(orm.org_version.c.id == VERSION_ID)
_BUMP_VERSION = (
    update(orm.org_version)
    .where(orm.org_version.c.id == VERSION_ID)
    .values(version=orm.org_version.c.version + 1)
    .returning(orm.org_version.c.version)
)
READ_ATTEMPTS = 3


class Structure:
    """This unit of work's view of the structure."""

    def __init__(self, session: Session, cache: OrgCache | None):
        self.session = session
        self._cache = cache
        self._snapshot: StructureSnapshot | None = None
        self._settings: OrgSettings | None = None
        self._units: dict[str, OrgUnit] | None = None
        self._teams: dict[str, Team] | None = None
        self._lines: dict[str, SalesLine] | None = None
        self._territories: dict[str, Territory] | None = None
        self._stored_rule_versions: dict[str, int] = {}
        self._touched = False

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> StructureSnapshot:
        if self._snapshot is None:
            self._snapshot = self._read()
            self._stored_rule_versions = {
                tid: t.rules_version for tid, t in self._snapshot.territories.items()
            }
        return self._snapshot

    def _version(self) -> int:
        return self.session.execute(_READ_VERSION).scalar() or 0

    def _read(self) -> StructureSnapshot:
        version = self._version()
        for _ in range(READ_ATTEMPTS):
            cached = self._cache.get(version) if self._cache is not None else None
            if cached is not None:
                return cached
            snapshot = _load(self.session, version)
            after = self._version()
            if after == version:
                # Unchanged across the reads: the rows are exactly that version's. A snapshot
                # read after this transaction's own structure writes is never shared.
                if self._cache is not None and not self._touched:
                    self._cache.put(snapshot)
                return snapshot
            version = after
        return snapshot

    def settings(self) -> OrgSettings:
        if self._settings is None:
            self._settings = self.snapshot().copy_settings()
        return self._settings

    def replace_settings(self, settings: OrgSettings) -> None:
        self._settings = settings

    def units(self) -> dict[str, OrgUnit]:
        if self._units is None:
            self._units = self.snapshot().copy_units()
        return self._units

    def teams(self) -> dict[str, Team]:
        if self._teams is None:
            self._teams = self.snapshot().copy_teams()
        return self._teams

    def sales_lines(self) -> dict[str, SalesLine]:
        if self._lines is None:
            self._lines = self.snapshot().copy_sales_lines()
        return self._lines

    def territories(self) -> dict[str, Territory]:
        if self._territories is None:
            self._territories = self.snapshot().copy_territories()
        return self._territories

    # ------------------------------------------------------------------ writing
    def touch(self) -> None:
        """Bump ``org_version`` (once per transaction). The row lock serialises structure
        writers; a writer whose reads predate another writer's commit is refused, since its
        checks (unique names, cycles, blockers) ran on a structure that no longer exists."""
        if self._touched:
            return
        read_at = self.snapshot().version
        self._touched = True
        bumped = self.session.execute(_BUMP_VERSION).scalar()
        if bumped is None:  # a database made by create_all rather than the migration
            self.session.execute(insert(orm.org_version).values(id=VERSION_ID, version=1))
            bumped = 1
        if bumped != read_at + 1:
            raise FailedPrecondition(
                "the organisation was changed by someone else meanwhile; reload and try again"
            )

    def execute(self, statement, params=None) -> None:
        self.session.execute(statement, params)

    def stored_rule_version(self, territory_id: str) -> int:
        self.snapshot()
        return self._stored_rule_versions.get(territory_id, 0)

    def rule_versions_stored(self, territory_id: str, version: int) -> None:
        self._stored_rule_versions[territory_id] = version


# ---------------------------------------------------------------------- loading rows
def _load(session: Session, version: int) -> StructureSnapshot:
    row = session.execute(
        select(orm.org_settings).where(orm.org_settings.c.id == SETTINGS_ID)
    ).first()
    settings = (
        OrgSettings(tuple(json.loads(row.level_names)), row.unassigned_queue_team_id, row.version)
        if row is not None
        else OrgSettings()
    )
    units = {
        u.id: OrgUnit(
            u.id,
            u.name,
            u.level,
            u.department,
            u.parent_id,
            set(json.loads(u.manager_user_ids)),
            u.active,
            u.created_at,
            u.version,
        )
        for u in session.execute(select(orm.org_units))
    }
    teams = {
        t.id: Team(
            t.id,
            t.name,
            t.unit_id,
            RoutingStrategy(t.strategy),
            t.time_zone,
            t.active,
            t.created_at,
            t.version,
        )
        for t in session.execute(select(orm.teams))
    }
    lines = {
        s.id: SalesLine(
            s.id,
            s.name,
            s.description,
            WorkflowKind(s.workflow_kind),
            s.pipeline_id,
            list(json.loads(s.team_ids)),
            s.active,
            s.version,
            s.targets_version,
        )
        for s in session.execute(select(orm.sales_lines))
    }
    history: dict[str, list[RuleSetVersion]] = {}
    rv = orm.territory_rule_versions
    for v in session.execute(select(rv).order_by(rv.c.territory_id, rv.c.version)):
        history.setdefault(v.territory_id, []).append(
            RuleSetVersion(
                v.version, rules_from_text(v.rules), v.changed_at, v.changed_by, v.comment
            )
        )
    territories = {
        t.id: Territory(
            t.id,
            t.name,
            t.sales_line_id,
            t.team_id,
            t.priority,
            history.get(t.id, []),
            t.active,
            t.version,
            t.pipeline_id,
        )
        for t in session.execute(select(orm.territories))
    }
    return StructureSnapshot(version, settings, units, teams, lines, territories)


# ---------------------------------------------------------------------- repositories
class SqlSettingsRepository(repositories.SettingsRepository):
    def __init__(self, structure: Structure):
        self._s = structure

    def get(self) -> OrgSettings:
        return self._s.settings()

    def save(self, settings: OrgSettings) -> None:
        self._s.settings()
        self._s.touch()
        values = dict(
            level_names=dumps(list(settings.level_names)),
            unassigned_queue_team_id=settings.unassigned_queue_team_id,
            version=settings.version,
        )
        table = orm.org_settings
        exists = self._s.session.execute(
            select(table.c.id).where(table.c.id == SETTINGS_ID)
        ).first()
        if exists:
            self._s.execute(update(table).where(table.c.id == SETTINGS_ID).values(**values))
        else:
            self._s.execute(insert(table).values(id=SETTINGS_ID, **values))
        self._s.replace_settings(settings)


class _StructureRows:
    """What the structure repositories share: objects come from this unit of work's copies
    (``family``: a method of :class:`Structure`); writes go to ``table`` at once, to the
    copies, and bump the structure version."""

    table = None

    def __init__(self, structure: Structure):
        self._s = structure

    def _family(self) -> dict:
        raise NotImplementedError

    @staticmethod
    def _values(obj) -> dict:
        raise NotImplementedError

    def get(self, object_id: str):
        return self._family().get(object_id)

    def add(self, obj) -> None:
        family = self._family()
        self._s.touch()
        self._s.execute(insert(self.table).values(id=obj.id, **self._values(obj)))
        family[obj.id] = obj

    def save(self, obj) -> None:
        family = self._family()
        self._s.touch()
        self._s.execute(
            update(self.table).where(self.table.c.id == obj.id).values(**self._values(obj))
        )
        family[obj.id] = obj

    def remove(self, object_id: str) -> None:
        family = self._family()
        self._s.touch()
        self._s.execute(delete(self.table).where(self.table.c.id == object_id))
        family.pop(object_id, None)


class SqlUnitRepository(_StructureRows, repositories.UnitRepository):
    table = orm.org_units

    def _family(self) -> dict[str, OrgUnit]:
        return self._s.units()

    @staticmethod
    def _values(unit: OrgUnit) -> dict:
        return dict(
            name=unit.name,
            level=unit.level,
            department=unit.department,
            parent_id=unit.parent_id,
            manager_user_ids=dumps(sorted(unit.manager_user_ids)),
            active=unit.active,
            created_at=unit.created_at,
            version=unit.version,
        )

    def all(self) -> dict[str, OrgUnit]:
        return dict(self._family())


class SqlTeamRepository(_StructureRows, repositories.TeamRepository):
    table = orm.teams

    def _family(self) -> dict[str, Team]:
        return self._s.teams()

    @staticmethod
    def _values(team: Team) -> dict:
        return dict(
            name=team.name,
            unit_id=team.unit_id,
            strategy=team.strategy.value,
            time_zone=team.time_zone,
            active=team.active,
            created_at=team.created_at,
            version=team.version,
        )

    def all(self) -> dict[str, Team]:
        return dict(self._family())


class SqlSalesLineRepository(_StructureRows, repositories.SalesLineRepository):
    table = orm.sales_lines

    def _family(self) -> dict[str, SalesLine]:
        return self._s.sales_lines()

    @staticmethod
    def _values(line: SalesLine) -> dict:
        return dict(
            name=line.name,
            description=line.description,
            workflow_kind=line.workflow_kind.value,
            pipeline_id=line.pipeline_id,
            team_ids=dumps(list(line.team_ids)),
            active=line.active,
            version=line.version,
            targets_version=line.targets_version,
        )

    def all(self) -> list[SalesLine]:
        return list(self._family().values())


class SqlTerritoryRepository(_StructureRows, repositories.TerritoryRepository):
    table = orm.territories

    def _family(self) -> dict[str, Territory]:
        return self._s.territories()

    @staticmethod
    def _values(t: Territory) -> dict:
        return dict(
            name=t.name,
            sales_line_id=t.sales_line_id,
            team_id=t.team_id,
            priority=t.priority,
            active=t.active,
            version=t.version,
            pipeline_id=t.pipeline_id,
        )

    def all(self) -> list[Territory]:
        return list(self._family().values())

    def add(self, territory: Territory) -> None:
        super().add(territory)
        self._store_new_versions(territory)

    def save(self, territory: Territory) -> None:
        super().save(territory)
        self._store_new_versions(territory)

    def _store_new_versions(self, territory: Territory) -> None:
        # Rule set versions are append-only: insert those not stored yet.
        stored = self._s.stored_rule_version(territory.id)
        new = [v for v in territory.history if v.version > stored]
        if new:
            self._s.execute(
                insert(orm.territory_rule_versions),
                [
                    dict(
                        territory_id=territory.id,
                        version=v.version,
                        rules=rules_to_text(v.rules),
                        changed_at=v.changed_at,
                        changed_by=v.changed_by or "",
                        comment=v.comment,
                    )
                    for v in new
                ],
            )
            self._s.rule_versions_stored(territory.id, new[-1].version)


_TARGETS_OF_LINE = select(orm.targets).where(orm.targets.c.sales_line_id == bindparam("line"))


def _units_to_text(units: tuple[UnitTarget, ...]) -> str | None:
    """Unit targets as JSON (quantities as exact decimal text); None when there are none."""
    if not units:
        return None
    return json.dumps(
        [[u.product_id, u.product_group, str(u.quantity), u.unit] for u in units],
        separators=(",", ":"),
    )


def _units_from_text(text: str | None) -> tuple[UnitTarget, ...]:
    return tuple(
        UnitTarget(product_id, group, Decimal(quantity), unit)
        for product_id, group, quantity, unit in json.loads(text or "[]")
    )


class SqlTargetRepository(repositories.TargetRepository):
    def __init__(self, session: Session):
        self._session = session

    def for_line(self, line_id: str) -> list[Target]:
        return [
            Target(
                t.sales_line_id,
                t.team_id,
                Period.parse(t.period),
                Money(Decimal(t.amount), t.currency),
                t.deal_count,
                _units_from_text(t.units),
            )
            for t in self._session.execute(_TARGETS_OF_LINE, {"line": line_id})
        ]

    def put(self, targets: list[Target]) -> None:
        table = orm.targets
        for t in targets:
            self._session.execute(
                delete(table).where(
                    table.c.sales_line_id == t.sales_line_id,
                    table.c.team_id == t.team_id,
                    table.c.period == t.period.label,
                )
            )
        if targets:
            self._session.execute(
                insert(table),
                [
                    dict(
                        sales_line_id=t.sales_line_id,
                        team_id=t.team_id,
                        period=t.period.label,
                        amount=str(t.amount.amount),
                        currency=t.amount.currency,
                        deal_count=t.deal_count,
                        units=_units_to_text(t.units),
                    )
                    for t in targets
                ],
            )
