"""Accounts (prospect -> customer -> churned) and contacts."""

import datetime as dt

import pytest
from deals_testkit import T0, WORKER, eur

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain.accounts import CHURN_RULE_REASON
from crm_deals.service_layer import accounts, closing
from crm_deals.service_layer.repositories import AccountFilter, PageQuery


def test_create_account_in_own_team_only_owner_must_be_a_member(world):
    account = world.account(industry="Manufacturing", website="acme.example")
    assert (account.relationship, account.owner_user_id, account.version) == (
        "prospect",
        "alice",
        1,
    )
    assert world.uow.events("account_created")[0].account.name == "Acme GmbH"
    with pytest.raises(PermissionDenied, match="only members of team 'team-b'"):
        world.account(team_id="team-b")
    with pytest.raises(InvalidArgument, match="'tom' is not a member of team 'team-a'"):
        world.account(owner_user_id="tom")
    with pytest.raises(InvalidArgument, match="name is required"):
        world.account(name="")


def test_update_account_records_changes_and_skips_no_ops(world):
    account = world.account()
    world.call(accounts.update_account, world.alice, account.id, name="Acme AG", phone="+49 1")
    assert world.uow.events("account_updated")[0].changed_fields == ["name", "phone"]
    world.call(accounts.update_account, world.alice, account.id, name="Acme AG")
    assert len(world.uow.events("account_updated")) == 1
    with pytest.raises(PermissionDenied):
        world.call(accounts.update_account, world.bob, account.id, name="x")


def test_churn_by_mark_needs_a_customer_and_a_supervisor(world):
    account = world.account()
    with pytest.raises(FailedPrecondition, match="is a prospect: only a customer can churn"):
        world.call(accounts.mark_account_churned, world.sam, account.id, "gone")
    deal = world.deal(account=account)
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("1"),
        actual_close_date=T0.date(),
    )
    with pytest.raises(PermissionDenied, match="only a supervisor"):
        world.call(accounts.mark_account_churned, world.alice, account.id, "gone")
    account = world.call(accounts.mark_account_churned, world.sam, account.id, "moved to rival")
    assert (account.relationship, account.churn_reason) == ("churned", "moved to rival")
    with pytest.raises(FailedPrecondition, match="already churned"):
        world.call(accounts.mark_account_churned, world.sam, account.id, "again")
    # A won deal wins the account back; customer_since stays the first date.
    world.clock.advance(dt.timedelta(days=10))
    deal = world.deal(account=account, name="comeback")
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("1"),
        actual_close_date=world.clock.now().date(),
    )
    account = world.get("accounts", account.id)
    assert (account.relationship, account.customer_since) == ("customer", T0)
    assert world.uow.events("account_relationship_changed")[-1].reason == "won back"


def test_the_churn_rule_churns_quiet_customers_without_open_deals(world):
    quiet = world.account(name="Quiet")
    busy = world.account(name="Busy")
    for account in (quiet, busy):
        deal = world.deal(account=account)
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("1"),
            actual_close_date=T0.date(),
        )
    world.deal(account=busy, name="still talking")
    world.clock.advance(dt.timedelta(days=365))
    assert accounts.apply_churn_rule(world.deps, WORKER) == []  # not more than 365 days yet
    world.clock.advance(dt.timedelta(days=1))
    assert accounts.apply_churn_rule(world.deps, WORKER) == [quiet.id]
    assert world.get("accounts", quiet.id).churn_reason == CHURN_RULE_REASON
    assert world.get("accounts", busy.id).relationship == "customer"
    assert world.uow.events("account_relationship_changed")[-1].meta.actor.kind == 3  # system


def test_contacts_belong_to_an_account_of_the_team(world):
    account = world.account()
    contact = world.call(
        accounts.create_contact,
        world.bob,
        account_id=account.id,
        first_name="Jo",
        last_name="Doe",
        email="Jo@Acme.EXAMPLE",
    )
    assert (contact.team_id, contact.email, contact.owner_user_id) == (
        "team-a",
        "Jo@acme.example",
        "bob",
    )
    with pytest.raises(InvalidArgument, match="account_id is required"):
        world.call(accounts.create_contact, world.bob, account_id="", last_name="X")
    with pytest.raises(NotFound):
        world.call(accounts.create_contact, world.tom, account_id=account.id, last_name="X")
    with pytest.raises(InvalidArgument, match="last_name is required"):
        world.call(accounts.create_contact, world.bob, account_id=account.id, last_name=" ")
    with pytest.raises(InvalidArgument, match="cannot be changed; changeable"):
        world.call(accounts.update_contact, world.bob, contact.id, account_id="other")
    world.call(accounts.update_contact, world.bob, contact.id, job_title="CTO")
    assert world.uow.events("contact_updated")[0].changed_fields == ["job_title"]
    listed = world.call(accounts.list_contacts, world.alice, account_id=account.id)
    assert [c.id for c in listed.items] == [contact.id]


def test_list_accounts_pages_and_filters_within_visible_teams(world):
    ids = [world.account(name=f"Acc {i}").id for i in range(5)]
    world.account(world.tom, name="Acc B", team_id="team-b")
    page = world.call(accounts.list_accounts, world.alice, AccountFilter(), PageQuery(limit=3))
    rest = world.call(
        accounts.list_accounts,
        world.alice,
        AccountFilter(),
        PageQuery(limit=3, after_key=page.next_key),
    )
    assert [a.id for a in page.items + rest.items] == ids and rest.next_key == ""
    found = world.call(
        accounts.list_accounts, world.alice, AccountFilter(query="acc 3"), PageQuery()
    )
    assert [a.name for a in found.items] == ["Acc 3"]
