"""leads' SQLAlchemy unit of work: its repositories and the outbox on one session.

The lead repository is an identity map written back on commit (adapters/repositories.py). A
unique index refusing a row at that point (two captures of one person by different keys at the
same instant, if the advisory locks were bypassed) answers ALREADY_EXISTS, not an internal error.
"""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.errors import AlreadyExists
from crm_chassis.uow import SqlAlchemyUnitOfWork

from crm_leads.adapters import orm
from crm_leads.adapters.repositories import SqlLeadRepository
from crm_leads.adapters.repositories_records import (SqlActivityRepository, SqlHistoryRepository,
                                                     SqlIdempotencyRepository)
from crm_leads.adapters.repositories_scoring import (SqlCampaignRepository,
                                                     SqlPredictiveRepository,
                                                     SqlScoringModelRepository)
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

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
            return AlreadyExists(f"{what} was saved by another request at the same moment; "
                                 "send your request again to see it")
    return None


class SqlLeadsUnitOfWork(SqlAlchemyUnitOfWork, LeadsUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]):
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def _open_repositories(self, session: Session) -> None:
        self.leads = SqlLeadRepository(session)
        self.history = SqlHistoryRepository(session)
        self.activities = SqlActivityRepository(session)
        self.idempotency = SqlIdempotencyRepository(session)
        self.campaigns = SqlCampaignRepository(session)
        self.scoring_models = SqlScoringModelRepository(session)
        self.predictive = SqlPredictiveRepository(session)

    def commit(self) -> None:
        try:
            self.leads.flush()
            super().commit()
        except IntegrityError as exc:
            self.rollback()
            conflict = conflict_error(exc)
            if conflict is None:
                raise
            raise conflict from exc
