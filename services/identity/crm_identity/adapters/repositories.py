"""SQLAlchemy implementations of the repository interfaces (Core statements on the uow session)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_identity.adapters import orm
from crm_identity.adapters.key_wrapping import rewrap_rows
from crm_identity.domain.preferences import Preferences
from crm_identity.domain.service_accounts import ServiceAccount
from crm_identity.domain.sessions import RefreshToken
from crm_identity.domain.signing_keys import SigningKey
from crm_identity.domain.throttling import Failure
from crm_identity.domain.users import User
from crm_identity.service_layer import repositories


def _email_taken(user: User) -> AlreadyExists:
    return AlreadyExists(f"a user with e-mail {user.email} already exists", field="email")


def _joined(table, column):
    return (
        select(func.aggregate_strings(table.c[column], ","))
        .where(table.c.user_id == orm.users.c.id)
        .scalar_subquery()
    )


# Departments and roles come back in the same round trip as the user, as comma-joined scalar
# subqueries (string_agg on PostgreSQL, group_concat on SQLite): a read is one query, not three.
# Names never contain commas (closed sets in the domain). The statements are built once: building
# and cache-keying this select on every call cost more (~250 µs) than running it.
_USERS = select(
    orm.users,
    _joined(orm.user_departments, "department").label("departments_csv"),
    _joined(orm.user_roles, "role").label("roles_csv"),
)
_USER_BY_ID = _USERS.where(orm.users.c.id == bindparam("key"))
_USER_BY_EMAIL = _USERS.where(orm.users.c.email_key == bindparam("key"))


class SqlUserRepository(repositories.UserRepository):
    def __init__(self, session: Session):
        self.session = session

    def _row_values(self, user: User) -> dict:
        return dict(
            email=user.email,
            email_key=user.email_key,
            display_name=user.display_name,
            password_hash=user.password_hash,
            status=user.status,
            version=user.version,
            created_at=user.created_at,
            updated_at=user.updated_at,
            tokens_valid_after=user.tokens_valid_after,
        )

    def _write_sets(self, user: User) -> None:
        for table, column, values in (
            (orm.user_departments, "department", user.departments),
            (orm.user_roles, "role", user.roles),
        ):
            self.session.execute(delete(table).where(table.c.user_id == user.id))
            if values:
                self.session.execute(
                    insert(table), [{"user_id": user.id, column: value} for value in sorted(values)]
                )

    def add(self, user: User) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(insert(orm.users).values(id=user.id, **self._row_values(user)))
        except IntegrityError:
            raise _email_taken(user) from None
        self._write_sets(user)

    def update(self, user: User, previous_version: int) -> None:
        try:
            with self.session.begin_nested():
                result = self.session.execute(
                    update(orm.users)
                    .where(orm.users.c.id == user.id, orm.users.c.version == previous_version)
                    .values(**self._row_values(user))
                )
        except IntegrityError:
            raise _email_taken(user) from None
        if result.rowcount != 1:
            raise FailedPrecondition(
                f"user {user.id} was changed by someone else meanwhile; "
                "read it again and reapply your change"
            )
        self._write_sets(user)

    @staticmethod
    def _names(csv: str | None) -> frozenset:
        return frozenset(csv.split(",")) if csv else frozenset()

    def _load(self, rows) -> list[User]:
        return [
            User(
                id=row.id,
                email=row.email,
                display_name=row.display_name,
                password_hash=row.password_hash,
                status=row.status,
                version=row.version,
                created_at=row.created_at,
                updated_at=row.updated_at,
                tokens_valid_after=row.tokens_valid_after,
                departments=self._names(row.departments_csv),
                roles=self._names(row.roles_csv),
            )
            for row in rows
        ]

    def _one(self, statement, key: str) -> User | None:
        found = self._load(self.session.execute(statement, {"key": key}))
        return found[0] if found else None

    def get(self, user_id: str) -> User | None:
        return self._one(_USER_BY_ID, user_id)

    def get_by_email(self, email_key: str) -> User | None:
        return self._one(_USER_BY_EMAIL, email_key)

    def list(self, filter: repositories.UserFilter, after_email_key: str, limit: int) -> list[User]:
        u = orm.users
        query = _USERS.order_by(u.c.email_key).limit(limit)
        if after_email_key:
            query = query.where(u.c.email_key > after_email_key)
        if filter.status:
            query = query.where(u.c.status == filter.status)
        if filter.department:
            d = orm.user_departments
            query = query.where(
                u.c.id.in_(select(d.c.user_id).where(d.c.department == filter.department))
            )
        if filter.role:
            r = orm.user_roles
            query = query.where(u.c.id.in_(select(r.c.user_id).where(r.c.role == filter.role)))
        if filter.query:
            text = filter.query.lower()
            query = query.where(
                or_(
                    u.c.email_key.contains(text, autoescape=True),
                    func.lower(u.c.display_name).contains(text, autoescape=True),
                )
            )
        return self._load(self.session.execute(query))

    def token_state(self, user_id: str) -> tuple[str, dt.datetime] | None:
        row = self.session.execute(
            select(orm.users.c.status, orm.users.c.tokens_valid_after).where(
                orm.users.c.id == user_id
            )
        ).first()
        return (row.status, row.tokens_valid_after) if row else None

    def any_admin(self) -> bool:
        u, r = orm.users, orm.user_roles
        return (
            self.session.execute(
                select(u.c.id)
                .join(r, r.c.user_id == u.c.id)
                .where(r.c.role == "admin", u.c.status == "active")
                .limit(1)
            ).first()
            is not None
        )

    def preferences(self, user_id: str) -> Preferences:
        p = orm.user_preferences
        row = self.session.execute(
            select(p.c.language, p.c.time_zone).where(p.c.user_id == user_id)
        ).first()
        return Preferences(row.language, row.time_zone) if row else Preferences()

    def set_preferences(self, user_id: str, preferences: Preferences, now: dt.datetime) -> None:
        p = orm.user_preferences
        values = dict(
            language=preferences.language, time_zone=preferences.time_zone, updated_at=now
        )
        change = update(p).where(p.c.user_id == user_id).values(**values)
        if self.session.execute(change).rowcount == 1:
            return
        try:  # the first choice; a concurrent first choice of the same person wins the insert
            with self.session.begin_nested():
                self.session.execute(insert(p).values(user_id=user_id, **values))
        except IntegrityError:
            self.session.execute(change)


class SqlRefreshTokenRepository(repositories.RefreshTokenRepository):
    def __init__(self, session: Session):
        self.session = session

    def add(self, token: RefreshToken) -> None:
        self.session.execute(insert(orm.refresh_tokens).values(**vars(token)))

    def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = self.session.execute(
            select(orm.refresh_tokens).where(orm.refresh_tokens.c.token_hash == token_hash)
        ).first()
        return RefreshToken(**row._mapping) if row else None

    def mark_used(self, token_id: str, now: dt.datetime) -> bool:
        t = orm.refresh_tokens
        result = self.session.execute(
            update(t)
            .where(t.c.id == token_id, t.c.used_at.is_(None), t.c.revoked_at.is_(None))
            .values(used_at=now)
        )
        return result.rowcount == 1

    def _revoke(self, condition, now: dt.datetime) -> int:
        t = orm.refresh_tokens
        return self.session.execute(
            update(t).where(condition, t.c.revoked_at.is_(None)).values(revoked_at=now)
        ).rowcount

    def revoke_family(self, family_id: str, now: dt.datetime) -> int:
        return self._revoke(orm.refresh_tokens.c.family_id == family_id, now)

    def revoke_all_of_user(self, user_id: str, now: dt.datetime) -> int:
        return self._revoke(orm.refresh_tokens.c.user_id == user_id, now)

    def prune_expired(self, before: dt.datetime) -> int:
        # Whole families only: a spent token must stay until its family ends, or its replay
        # would no longer be recognised as reuse.
        t = orm.refresh_tokens
        return self.session.execute(delete(t).where(t.c.family_expires_at < before)).rowcount


class SqlFailedAttemptRepository(repositories.FailedAttemptRepository):
    def __init__(self, session: Session):
        self.session = session

    def failures_since(
        self, credential: str, account_key: str, since: dt.datetime
    ) -> list[Failure]:
        t = orm.failed_attempts
        return [
            Failure(row.attempted_at, row.client_address)
            for row in self.session.execute(
                select(t.c.attempted_at, t.c.client_address)
                .where(
                    t.c.credential == credential,
                    t.c.account_key == account_key,
                    t.c.attempted_at >= since,
                )
                .order_by(t.c.attempted_at)
            )
        ]

    def record_failure(
        self, credential: str, account_key: str, address: str, at: dt.datetime
    ) -> None:
        self.session.execute(
            insert(orm.failed_attempts).values(
                credential=credential,
                account_key=account_key[:254],
                client_address=address[:64],
                attempted_at=at,
            )
        )

    def clear(self, credential: str, account_key: str, address: str) -> None:
        t = orm.failed_attempts
        self.session.execute(
            delete(t).where(
                t.c.credential == credential,
                t.c.account_key == account_key,
                t.c.client_address == address,
            )
        )

    def prune(self, before: dt.datetime) -> int:
        return self.session.execute(
            delete(orm.failed_attempts).where(orm.failed_attempts.c.attempted_at < before)
        ).rowcount


class SqlServiceAccountRepository(repositories.ServiceAccountRepository):
    def __init__(self, session: Session):
        self.session = session

    def add(self, account: ServiceAccount) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(orm.service_accounts).values(
                        client_id=account.client_id,
                        name=account.name,
                        secret_hash=account.secret_hash,
                        roles=" ".join(sorted(account.roles)),
                        active=account.active,
                        created_at=account.created_at,
                    )
                )
        except IntegrityError:
            raise AlreadyExists(
                f"service account {account.client_id} already exists", field="name"
            ) from None

    @staticmethod
    def _account(row) -> ServiceAccount:
        return ServiceAccount(
            client_id=row.client_id,
            name=row.name,
            secret_hash=row.secret_hash,
            created_at=row.created_at,
            roles=frozenset(row.roles.split()),
            active=row.active,
        )

    def get(self, client_id: str) -> ServiceAccount | None:
        row = self.session.execute(
            select(orm.service_accounts).where(orm.service_accounts.c.client_id == client_id)
        ).first()
        return self._account(row) if row is not None else None

    def list(self) -> list[ServiceAccount]:
        t = orm.service_accounts
        return [
            self._account(row)
            for row in self.session.execute(select(t).order_by(t.c.name, t.c.client_id))
        ]

    def update(self, account: ServiceAccount) -> None:
        t = orm.service_accounts
        self.session.execute(
            update(t)
            .where(t.c.client_id == account.client_id)
            .values(roles=" ".join(sorted(account.roles)), active=account.active)
        )


class SqlSigningKeyRepository(repositories.SigningKeyRepository):
    """Private keys are stored wrapped by ``wrapper`` (adapters.key_wrapping) and unwrapped on
    read: the domain sees PEM, the database never holds it in the clear (given a KEK)."""

    def __init__(self, session: Session, wrapper):
        self.session = session
        self.wrapper = wrapper

    def _key(self, row) -> SigningKey:
        return SigningKey(
            kid=row.kid,
            private_key_pem=self.wrapper.unwrap(row.kid, row.private_key_pem),
            public_key_pem=row.public_key_pem,
            created_at=row.created_at,
            algorithm=row.algorithm,
            retired_at=row.retired_at,
            withdrawn_at=row.withdrawn_at,
        )

    def add(self, key: SigningKey) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    insert(orm.signing_keys).values(
                        kid=key.kid,
                        algorithm=key.algorithm,
                        private_key_pem=self.wrapper.wrap(key.kid, key.private_key_pem),
                        public_key_pem=key.public_key_pem,
                        created_at=key.created_at,
                        retired_at=key.retired_at,
                        withdrawn_at=key.withdrawn_at,
                        is_active=True if key.active else None,
                    )
                )
        except IntegrityError:
            raise AlreadyExists("another signing key is already active") from None

    def active(self) -> SigningKey | None:
        row = self.session.execute(
            select(orm.signing_keys).where(orm.signing_keys.c.is_active.is_(True))
        ).first()
        return self._key(row) if row else None

    def all(self) -> list[SigningKey]:
        return [
            self._key(row)
            for row in self.session.execute(
                select(orm.signing_keys).order_by(orm.signing_keys.c.created_at.desc())
            )
        ]

    def retire(self, kid: str, at: dt.datetime) -> bool:
        t = orm.signing_keys
        return (
            self.session.execute(
                update(t)
                .where(t.c.kid == kid, t.c.is_active.is_(True))
                .values(retired_at=at, is_active=None)
            ).rowcount
            == 1
        )

    def get(self, kid: str) -> SigningKey | None:
        row = self.session.execute(
            select(orm.signing_keys).where(orm.signing_keys.c.kid == kid)
        ).first()
        return self._key(row) if row else None

    def withdraw(self, kid: str, at: dt.datetime) -> bool:
        t = orm.signing_keys
        return (
            self.session.execute(
                update(t)
                .where(t.c.kid == kid, t.c.withdrawn_at.is_(None))
                .values(
                    withdrawn_at=at, retired_at=func.coalesce(t.c.retired_at, at), is_active=None
                )
            ).rowcount
            == 1
        )

    def protect_stored(self) -> int:
        return rewrap_rows(self.session.connection(), self.wrapper)
