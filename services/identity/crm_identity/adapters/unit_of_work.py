"""identity's SQLAlchemy unit of work: its repositories and the outbox on one session."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

from crm_identity.adapters import orm
from crm_identity.adapters.key_wrapping import PlaintextKeyWrapper
from crm_identity.adapters.repositories import (SqlFailedAttemptRepository,
                                                SqlRefreshTokenRepository,
                                                SqlServiceAccountRepository,
                                                SqlSigningKeyRepository, SqlUserRepository)
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

SERVICE_NAME = "identity"


class SqlIdentityUnitOfWork(SqlAlchemyUnitOfWork, IdentityUnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session], key_wrapper=None):
        self._key_wrapper = key_wrapper or PlaintextKeyWrapper()
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def _open_repositories(self, session: Session) -> None:
        self.users = SqlUserRepository(session)
        self.sessions = SqlRefreshTokenRepository(session)
        self.failed_attempts = SqlFailedAttemptRepository(session)
        self.service_accounts = SqlServiceAccountRepository(session)
        self.signing_keys = SqlSigningKeyRepository(session, self._key_wrapper)
