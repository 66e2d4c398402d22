"""Duplicate accounts and contacts on PostgreSQL: the key columns written with every save (and
by migration 0010 for rows that were there before), found only in the caller's teams, and a
merge re-pointing deals, contacts and activities in one transaction."""

import pytest
from sqlalchemy import select

from crm_deals.adapters import orm
from crm_deals.service_layer import accounts, activities, deals, duplicates

pytestmark = pytest.mark.integration


def test_duplicates_found_by_their_key_columns_and_merged_on_postgres(sql_world, world_engine):
    world = sql_world
    first = world.account(name="شركت نيك GmbH", website="https://www.nik.example/fa")
    second = world.account(name="شرکت نیک", phone="+98 21 1234")
    world.account(name="شرکت نیک", team_id="team-b", caller=world.tom)
    with world_engine.connect() as connection:
        keys = connection.execute(
            select(orm.accounts.c.match_name, orm.accounts.c.match_domain).where(
                orm.accounts.c.id == first.id
            )
        ).one()
    assert keys == ("شرکت نیک", "nik.example")
    found = world.call(duplicates.find_account_duplicates, world.alice, account_id=second.id)
    assert [(m.id, m.keys) for m in found] == [(first.id, ("name",))]
    deal = world.deal(account=second)
    contact = world.call(
        accounts.create_contact, world.alice, account_id=second.id, last_name="Rezaei"
    )
    activity = world.call(
        activities.log_activity,
        world.alice,
        target_type="account",
        target_id=second.id,
        kind="note",
        subject="first meeting",
    )
    merged = world.call(duplicates.merge_accounts, world.alice, first.id, second.id)
    assert (merged.phone, merged.merged_ids) == ("+98 21 1234", (second.id,))
    assert world.get("opportunities", deal.id).account_id == first.id
    assert world.get("contacts", contact.id).account_id == first.id
    assert world.get("activities", activity.id).target_id == first.id
    assert world.get("accounts", second.id).merged_into_id == first.id
    history = world.call(deals.history, world.alice, "account", first.id)
    assert {e.record_id for e in history.items} == {first.id, second.id}
    # the merged account takes no part any more, and lists leave it out
    assert world.call(duplicates.find_account_duplicates, world.alice, name="شرکت نیک") == [
        duplicates.Match(first.id, first.name, ("name",))
    ]
    with world_engine.connect() as connection:
        merged_into = connection.execute(
            select(orm.accounts.c.merged_into_id).where(orm.accounts.c.id == second.id)
        ).scalar_one()
    assert merged_into == first.id


def test_migration_0011_gives_existing_accounts_and_contacts_their_keys():
    import json

    from sqlalchemy import create_engine, text

    from crm_deals import migrate
    from crm_testkit import temporary_postgres_database

    with temporary_postgres_database("deals_0011") as url:
        migrate.upgrade(url, "0010_territory_pipelines")
        engine = create_engine(url)
        account = {"name": "ACME GmbH", "website": "www.acme.example", "phone": "+49 30 1"}
        contact = {"first_name": "Jörg", "last_name": "Müller", "email": "Jo@Acme.example"}
        contact |= {"phone": "", "account_id": "a-1"}
        with engine.begin() as connection:
            for table, body in (("accounts", account), ("contacts", contact)):
                extra = (
                    "team_id, owner_user_id, relationship, name"
                    if table == "accounts"
                    else "team_id, account_id, full_name"
                )
                values = (
                    "'t', 'u', 'prospect', 'ACME GmbH'"
                    if table == "accounts"
                    else "'t', 'a-1', 'J M'"
                )
                connection.execute(
                    text(
                        f"INSERT INTO {table} (id, {extra}, created_at, version, body) "
                        f"VALUES (:id, {values}, now(), 1, :body)"
                    ),
                    {"id": f"{table}-1", "body": json.dumps(body)},
                )
        migrate.upgrade(url)
        with engine.connect() as connection:
            accounts_ = connection.execute(
                text("SELECT match_name, match_domain, match_phone, merged_into_id FROM accounts")
            ).one()
            contacts_ = connection.execute(
                text("SELECT match_email, match_phone, match_name FROM contacts")
            ).one()
        engine.dispose()
        migrate.downgrade(url, "0010_territory_pipelines")
    assert tuple(accounts_) == ("acme", "acme.example", "+49301", None)
    assert tuple(contacts_) == ("jo@acme.example", None, "a-1|jorg muller")
