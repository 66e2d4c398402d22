"""leads' SQLAlchemy unit of work: its repositories and the outbox on one session.

The lead repository is an identity map written back on commit (adapters/repositories.py);
history entries, outbox events and idempotency keys are inserted at commit too, one
executemany per table (adapters/deferred.py), so a new lead costs its two reads (locks, then
one lookup statement) and four INSERTs, and a replay two reads and no write at all. A
unique index refusing a row at that point (two captures of one person by different keys at the
same instant, if the advisory locks were bypassed) answers ALREADY_EXISTS, not an internal error.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.errors import AlreadyExists
from crm_chassis.outbox.writer import OutboxWriter
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork
from crm_leads.adapters import capture_new, orm
from crm_leads.adapters.deferred import DeferredInserts
from crm_leads.adapters.personal_data import SqlPersonalDataRepository
from crm_leads.adapters.repositories import SqlLeadRepository
from crm_leads.adapters.repositories_interactions import SqlInteractionRepository
from crm_leads.adapters.repositories_records import (
    SqlActivityRepository,
    SqlHistoryRepository,
    SqlIdempotencyRepository,
)
from crm_leads.adapters.repositories_scoring import (
    SqlCampaignRepository,
    SqlPredictiveRepository,
    SqlScoringModelRepository,
)
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.service_layer.unit_of_work import CaptureLookup, LeadsUnitOfWork

SERVICE_NAME = "leads"

_CONFLICTS = {
    "uq_leads_duplicate_email": "a lead with this e-mail",
    "uq_leads_duplicate_phone": "a lead with this phone",
    "uq_leads_duplicate_company_person": "a lead with this company and name",
    "lead_idempotency_keys_pkey": "a lead with this idempotency key",
    "uq_campaigns_name_key": "a campaign with this name",
}


def conflict_error(error: IntegrityError) -> AlreadyExists | None:
    text = str(error.orig)
    for constraint, what in _CONFLICTS.items():
        if constraint in text:
            return AlreadyExists(
                f"{what} was saved by another request at the same moment; "
                "send your request again to see it"
            )
    return None


class SqlLeadsUnitOfWork(SqlAlchemyUnitOfWork, LeadsUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def _open_repositories(self, session: Session) -> None:
        self.deferred = DeferredInserts(session)
        # The chassis writer only calls ``execute(insert, parameters)`` on what it is given:
        # handed the deferred inserts, its events go out with the other rows at commit.
        self.outbox = OutboxWriter(self.deferred, SERVICE_NAME, orm.outbox)
        self.leads = SqlLeadRepository(session)
        self.history = SqlHistoryRepository(session, self.deferred)
        self.activities = SqlActivityRepository(session)
        self.idempotency = SqlIdempotencyRepository(session, self.deferred)
        # (key owner, key) -> (fingerprint, lead id) or None, read by prefetch_captures
        self._prefetched: dict[tuple[str, str], tuple | None] = {}
        self.campaigns = SqlCampaignRepository(session)
        self.scoring_models = SqlScoringModelRepository(session)
        self.predictive = SqlPredictiveRepository(session)
        self.interactions = SqlInteractionRepository(session)
        self.personal_data = SqlPersonalDataRepository(session)

    def prefetch_captures(self, key_owner: str, requests: list[tuple[str, DuplicateKeys]]) -> None:
        if requests:
            found = self.leads.prefetch_captures(key_owner, requests)
            self._prefetched.update(((key_owner, key), value) for key, value in found.items())

    def capture_lookup(self, key_owner: str, key: str, keys: DuplicateKeys) -> CaptureLookup:
        pending = self.idempotency.pending(key_owner, key)
        if pending is not None:  # this unit of work used the key already (an import batch)
            return CaptureLookup(pending, self.leads.get(pending[1], for_update=False))
        if (key_owner, key) in self._prefetched:
            return self.leads.prefetched_capture(self._prefetched[key_owner, key], keys)
        return self.leads.lookup_capture(key_owner, key, keys)

    def capture_new(
        self, key_owner: str, key: str, keys: DuplicateKeys, write: Callable[[], None]
    ) -> bool:
        """On PostgreSQL the rows ``write`` adds and the checks go out as one call of
        ``leads_capture_new`` (adapters/capture_new.py), with ``write``'s reads, in autocommit
        unless this unit of work has begun a transaction already; SQLite, which serialises
        writers with BEGIN IMMEDIATE, looks up and commits in one transaction (the reference
        version)."""
        session = self._open_session()
        if session.get_bind().dialect.name != "postgresql":
            return super().capture_new(key_owner, key, keys, write)
        with capture_new.autocommit(session) as committing:
            write()
            self.leads.flush(self.deferred)
            arguments = capture_new.parameters(key_owner, key, keys, self.deferred.take())
            if not capture_new.call(session, arguments):
                return False
        if committing:
            self.committed = True
        else:
            self.commit()
        return True

    def commit(self) -> None:
        try:
            self.leads.flush(self.deferred)  # new leads go out with the other rows
            self.deferred.flush()
            super().commit()
        except IntegrityError as exc:
            self.rollback()
            conflict = conflict_error(exc)
            if conflict is None:
                raise
            raise conflict from exc
