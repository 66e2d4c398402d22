"""territory's SQLAlchemy unit of work: its repositories and the outbox on one session.

A worker handler opens it (to record the event in the inbox) and runs use cases in it through
``deps.joined(uow)`` (``crm_chassis.unit_of_work.JoinedUnitOfWork``), which asks for a
SAVEPOINT per use case: its commit releases the savepoint (the handler commits everything,
inbox row included, at once); its rollback — a conflict the use case retries, or an error —
undoes only the use case's work. Territory's savepoint also takes care of what this unit of work
buffers (new decisions, tracked items and outbox rows are inserted together at flush) and gives
the use case fresh repositories, so objects it changed vanish with a rolled-back savepoint.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_territory.adapters import orm
from crm_territory.adapters.org_cache import OrgCache
from crm_territory.adapters.outbox_buffer import BufferedOutboxWriter
from crm_territory.adapters.repositories_people import (
    SqlAbsenceRepository,
    SqlMembershipRepository,
    SqlPersonRepository,
)
from crm_territory.adapters.repositories_routing import (
    SqlDecisionRepository,
    SqlLedgerRepository,
    SqlOwnerChoiceRepository,
    conflicts_retryable,
)
from crm_territory.adapters.repositories_structure import (
    SqlSalesLineRepository,
    SqlSettingsRepository,
    SqlTargetRepository,
    SqlTeamRepository,
    SqlTerritoryRepository,
    SqlUnitRepository,
    Structure,
)
from crm_territory.adapters.repositories_workload import SqlTrackedItemRepository
from crm_territory.service_layer.unit_of_work import SERVICE_NAME, TerritoryUnitOfWork


class SqlTerritoryUnitOfWork(SqlAlchemyUnitOfWork, TerritoryUnitOfWork):
    def __init__(
        self, session_factory: sessionmaker[Session], *, org_cache: OrgCache | None = None
    ):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)
        self._org_cache = org_cache

    def __enter__(self):
        super().__enter__()
        self.outbox = BufferedOutboxWriter(self.session, SERVICE_NAME, orm.outbox)
        return self

    def _open_repositories(self, session: Session) -> None:
        structure = Structure(session, self._org_cache)
        self.settings = SqlSettingsRepository(structure)
        self.units = SqlUnitRepository(structure)
        self.teams = SqlTeamRepository(structure)
        self.sales_lines = SqlSalesLineRepository(structure)
        self.territories = SqlTerritoryRepository(structure)
        self.targets = SqlTargetRepository(session)
        self.memberships = SqlMembershipRepository(session)
        self.absences = SqlAbsenceRepository(session)
        self.people = SqlPersonRepository(session)
        self.ledgers = SqlLedgerRepository(session)
        self.decisions = SqlDecisionRepository(session)
        self.owner_choices = SqlOwnerChoiceRepository(session)
        self.tracked_items = SqlTrackedItemRepository(session)

    def _flush(self) -> None:
        with conflicts_retryable("flush"):
            self.decisions.flush()
            self.tracked_items.flush()
            self.outbox.flush()

    def begin_savepoint(self) -> TerritorySavepoint:
        self._flush()  # the enclosing work's pending rows belong before the savepoint
        return TerritorySavepoint(self, self._open_session().begin_nested())

    def rollback(self) -> None:
        if self.session is None:
            return
        self.outbox.discard()
        super().rollback()

    def commit(self) -> None:
        self._flush()
        with conflicts_retryable("commit"):
            super().commit()


class TerritorySavepoint:
    """A SAVEPOINT of :class:`SqlTerritoryUnitOfWork` (``crm_chassis.unit_of_work.Savepoint``):
    the block in it works on fresh repositories; its commit inserts what the block buffered and
    releases the savepoint, its rollback drops the buffer and undoes the block's statements."""

    def __init__(self, uow: SqlTerritoryUnitOfWork, nested: SessionTransaction):
        self._uow = uow
        self._nested = nested
        uow._open_repositories(uow._open_session())

    @property
    def is_active(self) -> bool:
        return self._nested.is_active

    def commit(self) -> None:
        self._uow._flush()
        with conflicts_retryable("commit"):
            self._nested.commit()
        self._uow._open_repositories(self._uow._open_session())

    def rollback(self) -> None:
        self._uow.outbox.discard()
        if self._nested.is_active:
            self._nested.rollback()
        self._uow._open_repositories(self._uow._open_session())
