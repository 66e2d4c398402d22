"""Signing keys: withdrawal (withdrawn_at), and private keys encrypted at rest — existing rows
are wrapped with the key-encryption key when one is configured (CRM_IDENTITY_KEY_ENCRYPTION_KEY
or CRM_KEY_ENCRYPTION_KEY); otherwise the api wraps them at its first start with one.

Revision ID: 0003_signing_key_protection
Revises: 0002_failed_attempts
"""
import os

from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime

revision = "0003_signing_key_protection"
down_revision = "0002_failed_attempts"
branch_labels = None
depends_on = None


def _wrapper():
    from crm_identity.adapters.key_wrapping import key_wrapper
    current = (os.environ.get("CRM_IDENTITY_KEY_ENCRYPTION_KEY")
               or os.environ.get("CRM_KEY_ENCRYPTION_KEY") or "")
    previous = (os.environ.get("CRM_IDENTITY_KEY_ENCRYPTION_KEY_PREVIOUS")
                or os.environ.get("CRM_KEY_ENCRYPTION_KEY_PREVIOUS") or "")
    return key_wrapper(current, previous)


def upgrade() -> None:
    op.add_column("signing_keys", sa.Column("withdrawn_at", UtcDateTime()))
    from crm_identity.adapters.key_wrapping import rewrap_rows
    rewrap_rows(op.get_bind(), _wrapper())


def downgrade() -> None:
    # Private keys go back to plaintext PEM, as revision 0002 stored them.
    from crm_identity.adapters.key_wrapping import is_wrapped
    wrapper = _wrapper()
    connection = op.get_bind()
    table = sa.table("signing_keys", sa.column("kid", sa.String), sa.column(
        "private_key_pem", sa.Text))
    for kid, stored in connection.execute(sa.select(table.c.kid, table.c.private_key_pem)).all():
        if is_wrapped(stored):
            connection.execute(sa.update(table).where(table.c.kid == kid)
                               .values(private_key_pem=wrapper.unwrap(kid, stored)))
    op.drop_column("signing_keys", "withdrawn_at")
