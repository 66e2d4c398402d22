"""Webhook signing secrets are sealed in the database when a key is configured: the stored
document does not contain the secret, the repository opens it for the sender, a copy on
another rule or another key does not open, and a secret stored in clear is still read."""

from __future__ import annotations

import base64
import dataclasses
import json
import os

import pytest
from sqlalchemy import select, update

from crm_chassis.db import make_session_factory
from crm_chassis.errors import FailedPrecondition
from crm_chassis.settings import SettingsError
from crm_deals.adapters import orm
from crm_deals.adapters.secret_box import SecretBox
from crm_deals.adapters.unit_of_work import SqlDealsUnitOfWork
from crm_deals.entrypoints.settings import load
from crm_deals.service_layer import automations

pytestmark = pytest.mark.integration
SECRET = "integration-webhook-secret"


def _key() -> bytes:
    return os.urandom(32)


def _stored(engine, rule_id: str) -> str:
    with engine.connect() as conn:
        return conn.execute(
            select(orm.automation_rules.c.body).where(orm.automation_rules.c.id == rule_id)
        ).scalar_one()


def _sealed(engine, rule_id: str) -> str:
    return json.loads(_stored(engine, rule_id))["webhook_secret"]


def _rule(world, uow=None, name="hook"):
    deps = world.deps if uow is None else dataclasses.replace(world.deps, uow=lambda: uow)
    return automations.create_rule(
        deps,
        world.mia,
        pipeline_id=world.pipeline.id,
        name=name,
        trigger="won",
        webhook_secret=SECRET,
        team_ids=["team-a"],
        actions=[{"kind": "webhook", "url": "https://hooks.example.test/crm"}],
    )


def test_secrets_are_sealed_and_opened_only_with_their_key_and_rule(sql_world, world_engine):
    key = _key()
    factory = make_session_factory(world_engine)
    sealed_uow = lambda: SqlDealsUnitOfWork(factory, SecretBox(key))  # noqa: E731
    rule, other = _rule(sql_world, sealed_uow()), _rule(sql_world, sealed_uow(), "other")
    assert SECRET not in _stored(world_engine, rule.id)
    with sealed_uow() as uow:
        assert uow.automation_rules.get(rule.id).webhook_secret == SECRET

    with SqlDealsUnitOfWork(factory, SecretBox(_key())) as uow:  # another key
        with pytest.raises(FailedPrecondition, match="cannot be opened"):
            uow.automation_rules.get(rule.id)
    with world_engine.begin() as conn:  # the sealed value copied onto another rule
        conn.execute(
            update(orm.automation_rules)
            .where(orm.automation_rules.c.id == other.id)
            .values(
                body=_stored(world_engine, other.id).replace(
                    _sealed(world_engine, other.id), _sealed(world_engine, rule.id)
                )
            )
        )
    with sealed_uow() as uow, pytest.raises(FailedPrecondition):
        uow.automation_rules.get(other.id)


def test_a_secret_stored_in_clear_is_read_and_sealed_at_the_next_save(sql_world, world_engine):
    rule = _rule(sql_world)  # the world's unit of work has no key
    assert _sealed(world_engine, rule.id) == SECRET
    factory = make_session_factory(world_engine)
    with SqlDealsUnitOfWork(factory, SecretBox(_key())) as uow:
        loaded = uow.automation_rules.get(rule.id)
        assert loaded.webhook_secret == SECRET
        uow.automation_rules.save(loaded)
        uow.commit()
    assert _sealed(world_engine, rule.id).startswith("v1:")


def test_the_key_setting_must_be_32_bytes_of_base64():
    assert load(env={}, webhook_secret_key=base64.b64encode(_key()).decode())
    for bad in ("not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(SettingsError, match="CRM_DEALS_WEBHOOK_SECRET_KEY"):
            load(env={}, webhook_secret_key=bad)
