"""Repository interfaces the unit of work offers (SQLAlchemy and in-memory implementations)."""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass

from crm_identity.domain.preferences import Preferences
from crm_identity.domain.service_accounts import ServiceAccount
from crm_identity.domain.sessions import RefreshToken
from crm_identity.domain.signing_keys import SigningKey
from crm_identity.domain.throttling import Failure
from crm_identity.domain.users import User


@dataclass(frozen=True)
class UserFilter:
    status: str = ""  # "", "active", "deactivated"
    department: str = ""
    role: str = ""
    query: str = ""  # case-insensitive substring of e-mail or display name


class UserRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, user: User) -> None:
        """Insert; raises AlreadyExists(field="email") if the e-mail key is taken."""

    @abc.abstractmethod
    def get(self, user_id: str) -> User | None: ...

    @abc.abstractmethod
    def get_by_email(self, email_key: str) -> User | None: ...

    @abc.abstractmethod
    def update(self, user: User, previous_version: int) -> None:
        """Write ``user`` if the stored row is still at ``previous_version``, else raise
        FailedPrecondition; AlreadyExists(field="email") if the new e-mail is taken."""

    @abc.abstractmethod
    def list(self, filter: UserFilter, after_email_key: str, limit: int) -> list[User]:
        """Users ordered by e-mail key, strictly after ``after_email_key``."""

    @abc.abstractmethod
    def token_state(self, user_id: str) -> tuple[str, dt.datetime] | None:
        """(status, tokens_valid_after) by primary key: the per-request token check."""

    @abc.abstractmethod
    def any_admin(self) -> bool:
        """Whether an active user with the admin role exists."""

    @abc.abstractmethod
    def preferences(self, user_id: str) -> Preferences:
        """The user's own preferences (empty ones while they chose nothing)."""

    @abc.abstractmethod
    def set_preferences(self, user_id: str, preferences: Preferences, now: dt.datetime) -> None:
        """Store the user's preferences (insert or replace)."""


class RefreshTokenRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, token: RefreshToken) -> None: ...

    @abc.abstractmethod
    def get_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    @abc.abstractmethod
    def mark_used(self, token_id: str, now: dt.datetime) -> bool:
        """Consume a valid token; False if it was already used or revoked (a concurrent reuse)."""

    @abc.abstractmethod
    def revoke_family(self, family_id: str, now: dt.datetime) -> int: ...

    @abc.abstractmethod
    def revoke_all_of_user(self, user_id: str, now: dt.datetime) -> int: ...

    @abc.abstractmethod
    def prune_expired(self, before: dt.datetime) -> int:
        """Delete tokens whose family ended before ``before``; returns how many."""


class FailedAttemptRepository(abc.ABC):
    """Wrong secrets by credential ("password", "client_secret"), account key (e-mail key or
    client id) and client address key."""

    @abc.abstractmethod
    def failures_since(
        self, credential: str, account_key: str, since: dt.datetime
    ) -> list[Failure]:
        """The account's failures from every address since ``since``."""

    @abc.abstractmethod
    def record_failure(
        self, credential: str, account_key: str, address: str, at: dt.datetime
    ) -> None: ...

    @abc.abstractmethod
    def clear(self, credential: str, account_key: str, address: str) -> None:
        """Forget the account's failures from ``address``."""

    @abc.abstractmethod
    def prune(self, before: dt.datetime) -> int: ...


class ServiceAccountRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, account: ServiceAccount) -> None: ...

    @abc.abstractmethod
    def get(self, client_id: str) -> ServiceAccount | None: ...

    @abc.abstractmethod
    def list(self) -> list[ServiceAccount]:
        """Every account, ordered by name then client id."""

    @abc.abstractmethod
    def update(self, account: ServiceAccount) -> None:
        """Write the account's roles and active flag."""


class SigningKeyRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, key: SigningKey) -> None:
        """Insert; raises AlreadyExists if another key is already active (a concurrent create)."""

    @abc.abstractmethod
    def active(self) -> SigningKey | None: ...

    @abc.abstractmethod
    def all(self) -> list[SigningKey]:
        """Every stored key, newest first."""

    @abc.abstractmethod
    def retire(self, kid: str, at: dt.datetime) -> bool:
        """Retire the key if still active; False if someone else retired it first."""

    @abc.abstractmethod
    def get(self, kid: str) -> SigningKey | None: ...

    @abc.abstractmethod
    def withdraw(self, kid: str, at: dt.datetime) -> bool:
        """Withdraw the key (retiring it if active); False if it was already withdrawn."""

    @abc.abstractmethod
    def protect_stored(self) -> int:
        """Wrap with the current key-encryption key every stored private key that is not;
        returns how many were rewritten."""
