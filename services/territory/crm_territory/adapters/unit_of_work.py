"""territory's SQLAlchemy unit of work: its repositories and the outbox on one session.

Re-entrant: the worker's idempotent handlers open the unit of work (to record the event in the
inbox) and the use case then enters it again. The inner block runs in a SAVEPOINT: its commit
releases the savepoint (the outer block commits everything, inbox row included, at once); its
rollback — a conflict the use case retries, or an error — undoes only the use case's work.
"""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

from crm_territory.adapters import orm
from crm_territory.adapters.org_cache import OrgCache
from crm_territory.adapters.outbox_buffer import BufferedOutboxWriter
from crm_territory.adapters.repositories_people import (SqlAbsenceRepository,
                                                        SqlMembershipRepository,
                                                        SqlPersonRepository)
from crm_territory.adapters.repositories_routing import (SqlDecisionRepository,
                                                         SqlLedgerRepository,
                                                         SqlOwnerChoiceRepository,
                                                         conflicts_retryable)
from crm_territory.adapters.repositories_structure import (SqlSalesLineRepository,
                                                           SqlSettingsRepository,
                                                           SqlTargetRepository,
                                                           SqlTeamRepository,
                                                           SqlTerritoryRepository,
                                                           SqlUnitRepository, Structure)
from crm_territory.adapters.repositories_workload import SqlTrackedItemRepository
from crm_territory.service_layer.unit_of_work import SERVICE_NAME, TerritoryUnitOfWork


class SqlTerritoryUnitOfWork(SqlAlchemyUnitOfWork, TerritoryUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], *,
                 org_cache: OrgCache | None = None):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)
        self._org_cache = org_cache
        self._savepoints: list = []
        self._depth = 0

    def __enter__(self):
        if self._depth == 0:
            super().__enter__()
            self.outbox = BufferedOutboxWriter(self.session, SERVICE_NAME, orm.outbox)
        else:
            self._flush()   # the outer block's pending rows belong before the savepoint
            self._savepoints.append(self.session.begin_nested())
            self.committed = False
            # Fresh repositories: what the outer block had read stays valid, but objects this
            # block changes must vanish with its savepoint if it rolls back.
            self._open_repositories(self.session)
        self._depth += 1
        return self

    def __exit__(self, *exc_info):
        self._depth -= 1
        if self._depth > 0:
            savepoint = self._savepoints.pop()
            if savepoint.is_active and not self.committed:
                self.outbox.discard()
                savepoint.rollback()
            self._open_repositories(self.session)
            self.committed = False     # the outer block still has to commit
            return
        super().__exit__(*exc_info)

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

    def rollback(self) -> None:
        if self.session is None:
            return
        self.outbox.discard()
        if self._savepoints:
            if self._savepoints[-1].is_active:
                self._savepoints[-1].rollback()
            return
        super().rollback()

    def commit(self) -> None:
        self._flush()
        with conflicts_retryable("commit"):
            if self._savepoints:
                self._savepoints[-1].commit()
                self.committed = True
                return
            super().commit()
