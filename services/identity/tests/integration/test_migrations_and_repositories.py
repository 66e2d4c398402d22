import datetime as dt
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from crm_chassis.db import make_session_factory
from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_identity import migrate
from crm_identity.adapters import orm
from crm_identity.adapters.key_wrapping import key_wrapper
from crm_identity.adapters.unit_of_work import SqlIdentityUnitOfWork
from crm_identity.domain.preferences import Preferences
from crm_identity.domain.sessions import RefreshToken
from crm_identity.domain.signing_keys import SigningKey
from crm_identity.domain.users import User
from crm_identity.service_layer.repositories import UserFilter
from crm_testkit import temporary_postgres_database

from .conftest import KEY_ENCRYPTION_KEY

pytestmark = pytest.mark.integration
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
TABLES = {
    "users",
    "user_departments",
    "user_roles",
    "user_preferences",
    "refresh_tokens",
    "failed_attempts",
    "service_accounts",
    "signing_keys",
    "outbox",
    "inbox",
}


def test_upgrade_matches_the_orm_and_downgrade_removes_everything():
    with temporary_postgres_database("identity_mig") as url:
        migrate.upgrade(url)
        engine = create_engine(url)
        try:
            with engine.connect() as conn:
                names = set(inspect(conn).get_table_names())
                assert TABLES | {"alembic_version_identity"} == names
                diff = compare_metadata(
                    MigrationContext.configure(conn, opts={"version_table": migrate.VERSION_TABLE}),
                    orm.metadata,
                )
                assert diff == [], diff
            migrate.downgrade(url)
            with engine.connect() as conn:
                assert set(inspect(conn).get_table_names()) == {"alembic_version_identity"}
            migrate.upgrade(url)  # and up again
        finally:
            engine.dispose()


def uow_factory(engine):
    factory = make_session_factory(engine)
    wrapper = key_wrapper(KEY_ENCRYPTION_KEY)  # the api's (the rows are wrapped with it)
    return lambda: SqlIdentityUnitOfWork(factory, wrapper)


def user(email=None, **kwargs):
    return User.create(
        id=uuid.uuid4().hex,
        email=email or f"r-{uuid.uuid4().hex[:8]}@ex.io",
        display_name=kwargs.pop("display_name", "Repo User"),
        password_hash="h",
        now=NOW,
        **kwargs,
    )


def test_user_repository_round_trip_conflicts_and_filters(engine):
    new_uow = uow_factory(engine)
    tag = uuid.uuid4().hex[:6]
    a = user(f"Alpha.{tag}@Ex.io", departments=["sales", "marketing"], roles=["admin"])
    b = user(f"beta.{tag}@ex.io", departments=["marketing"], display_name=f"Bravo {tag}")
    with new_uow() as uow:
        uow.users.add(a)
        uow.users.add(b)
        uow.commit()
    with new_uow() as uow:
        loaded = uow.users.get(a.id)
        assert (loaded.email, loaded.departments, loaded.roles, loaded.created_at) == (
            a.email,
            a.departments,
            a.roles,
            NOW,
        )
        assert uow.users.get_by_email(f"alpha.{tag}@ex.io").id == a.id
        with pytest.raises(AlreadyExists):
            uow.users.add(user(f"ALPHA.{tag}@ex.io"))
    with new_uow() as uow:
        found = uow.users.list(UserFilter(query=tag), "", 10)
        assert [u.id for u in found] == [a.id, b.id]
        assert [
            u.id for u in uow.users.list(UserFilter(query=tag, department="sales"), "", 10)
        ] == [a.id]
        assert [u.id for u in uow.users.list(UserFilter(query=f"bravo {tag}"), "", 10)] == [b.id]
        assert [u.id for u in uow.users.list(UserFilter(query=tag, role="admin"), "", 10)] == [a.id]
        assert [u.id for u in uow.users.list(UserFilter(query=tag), a.email_key, 10)] == [b.id]
        assert uow.users.list(UserFilter(query="%"), "", 10) == []  # LIKE wildcards escaped
        assert uow.users.any_admin()
    with new_uow() as uow:
        stale = uow.users.get(b.id)
        fresh = uow.users.get(b.id)
        fresh.update_profile(now=NOW, display_name="Changed")
        uow.users.update(fresh, 1)
        uow.commit()
    with new_uow() as uow:
        stale.update_profile(now=NOW, display_name="Lost update")
        with pytest.raises(FailedPrecondition):
            uow.users.update(stale, 1)
    with new_uow() as uow:
        assert uow.users.token_state(b.id) == ("active", NOW)
        assert uow.users.get(b.id).display_name == "Changed"


def test_preferences_round_trip_outside_the_users_version(engine):
    new_uow = uow_factory(engine)
    a = user()
    with new_uow() as uow:
        uow.users.add(a)
        uow.commit()
    with new_uow() as uow:
        assert uow.users.preferences(a.id) == Preferences()  # nothing chosen: no row
        uow.users.set_preferences(a.id, Preferences("fa", "Asia/Tehran"), NOW)
        uow.commit()
    with new_uow() as uow:
        assert uow.users.preferences(a.id) == Preferences("fa", "Asia/Tehran")
        uow.users.set_preferences(a.id, Preferences("he", ""), NOW)  # the row is replaced
        uow.commit()
    with new_uow() as uow:
        assert uow.users.preferences(a.id) == Preferences("he", "")
        assert uow.users.get(a.id).version == a.version
        # an administrator's update of the user, read before, leaves the preferences alone
        stale = uow.users.get(a.id)
        stale.update_profile(now=NOW, display_name="Renamed")
        uow.users.update(stale, a.version)
        uow.commit()
    with new_uow() as uow:
        assert uow.users.preferences(a.id) == Preferences("he", "")


def test_refresh_tokens_are_consumed_once(engine):
    new_uow = uow_factory(engine)
    owner = user()
    token, _ = RefreshToken.issue(
        id=uuid.uuid4().hex,
        family_id="f" * 32,
        user_id=owner.id,
        now=NOW,
        ttl=dt.timedelta(hours=1),
    )
    with new_uow() as uow:
        uow.users.add(owner)
        uow.sessions.add(token)
        uow.commit()
    with new_uow() as uow:
        assert uow.sessions.get_by_hash(token.token_hash).family_id == "f" * 32
        assert uow.sessions.mark_used(token.id, NOW) is True
        assert uow.sessions.mark_used(token.id, NOW) is False
        assert uow.sessions.revoke_family("f" * 32, NOW) == 1
        uow.commit()


def test_only_one_signing_key_can_be_active(engine):
    new_uow = uow_factory(engine)
    with new_uow() as uow:
        current = uow.signing_keys.active()
    assert current is not None  # created at api start (server fixture) or by another test
    with new_uow() as uow:
        with pytest.raises(AlreadyExists):
            uow.signing_keys.add(
                SigningKey(
                    kid=uuid.uuid4().hex, private_key_pem="x", public_key_pem="y", created_at=NOW
                )
            )


@pytest.fixture(autouse=True)
def _api_started(server):
    """These tests share the session database with the api (it creates the signing key)."""
