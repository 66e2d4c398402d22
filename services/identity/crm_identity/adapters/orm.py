"""identity's tables (SQLAlchemy Core), plus the chassis outbox and inbox, in one MetaData.

Portable between SQLite (make run) and PostgreSQL (tests, production): no arrays or JSON
operators; departments and roles of users are rows of their own so lists can filter on them.
The migration in migrations/versions creates exactly these tables (a test compares them).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox import messaging_tables

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False),
    # Lower-cased e-mail: uniqueness, login and ordering ignore case.
    Column("email_key", String(254), nullable=False, unique=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("status", String(16), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("tokens_valid_after", UtcDateTime(), nullable=False),
)

user_departments = Table(
    "user_departments",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("department", String(40), primary_key=True),
    Index("ix_user_departments_department", "department"),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(40), primary_key=True),
    Index("ix_user_roles_role", "role"),
)

# A person's own preferences (domain/preferences.py): a row once they choose something, outside
# the users row so that choosing neither changes the user's version nor races an admin's update.
user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", String(32), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("language", String(8), nullable=False),  # "" = not chosen
    Column("time_zone", String(64), nullable=False),  # IANA name; "" = not chosen
    Column("updated_at", UtcDateTime(), nullable=False),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("family_id", String(32), nullable=False, index=True),
    Column(
        "user_id",
        String(32),
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("family_expires_at", UtcDateTime(), nullable=False, index=True),
    Column("used_at", UtcDateTime()),
    Column("revoked_at", UtcDateTime()),
)

failed_attempts = Table(
    "failed_attempts",
    metadata,  # wrong secrets only; a success deletes its address's ones
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("credential", String(20), nullable=False),  # "password" or "client_secret"
    Column("account_key", String(254), nullable=False),  # e-mail key or client id
    Column("client_address", String(64), nullable=False),  # domain.throttling.address_key
    Column("attempted_at", UtcDateTime(), nullable=False),
    Index("ix_failed_attempts_account_time", "credential", "account_key", "attempted_at"),
    Index("ix_failed_attempts_time", "attempted_at"),
)

service_accounts = Table(
    "service_accounts",
    metadata,
    Column("client_id", String(120), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(255), nullable=False),
    Column("roles", Text, nullable=False),  # space-separated role names (validated names)
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("kid", String(64), primary_key=True),
    Column("algorithm", String(20), nullable=False),
    # Wrapped by adapters.key_wrapping (AES-256-GCM under the key-encryption key).
    Column("private_key_pem", Text, nullable=False),
    Column("public_key_pem", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("retired_at", UtcDateTime()),
    Column("withdrawn_at", UtcDateTime()),  # withdrawn by an administrator: never verifies
    # True while active, NULL once retired: the unique constraint allows one active key only
    # (NULLs are distinct on both backends), so two processes cannot both create one.
    Column("is_active", Boolean, unique=True),
)

outbox, inbox = messaging_tables(metadata)
