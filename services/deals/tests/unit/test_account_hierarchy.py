"""Accounts' postal addresses, social profiles and hierarchy (cycles refused, roll-ups exact)."""

import pytest
from deals_testkit import T0, eur

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound
from crm_deals.domain.account_profiles import PostalAddress, SocialProfile
from crm_deals.service_layer import account_hierarchy, closing


def test_typed_addresses_and_social_profiles(world):
    account = world.account()
    changed = world.call(
        account_hierarchy.set_addresses,
        world.alice,
        account.id,
        [
            PostalAddress("shipping", "Dock 4", "Hamburg", "20457", "", "de"),
            PostalAddress("billing", "Hauptstr. 1", "Berlin", "10115", "BE", "DE"),
        ],
    )
    assert [(a.kind, a.city, a.country) for a in changed.addresses] == [
        ("billing", "Berlin", "DE"),
        ("shipping", "Hamburg", "DE"),
    ]
    assert world.uow.events("account_updated")[-1].changed_fields == ["addresses"]
    assert world.uow.events("account_updated")[-1].account.addresses[1].city == "Hamburg"
    with pytest.raises(InvalidArgument, match="two billing addresses"):
        world.call(
            account_hierarchy.set_addresses,
            world.alice,
            account.id,
            [PostalAddress("billing", "a", "b", country="DE")] * 2,
        )
    with pytest.raises(InvalidArgument, match="two-letter ISO country code"):
        world.call(
            account_hierarchy.set_addresses,
            world.alice,
            account.id,
            [PostalAddress("billing", "a", "b", country="Germany")],
        )
    profiled = world.call(
        account_hierarchy.set_social_profiles,
        world.alice,
        account.id,
        [SocialProfile("LinkedIn", "https://www.linkedin.com/company/acme")],
    )
    assert profiled.social_profiles == (
        SocialProfile("linkedin", "https://www.linkedin.com/company/acme"),
    )
    with pytest.raises(InvalidArgument, match="must be an https:// address"):
        world.call(
            account_hierarchy.set_social_profiles,
            world.alice,
            account.id,
            [SocialProfile("twitter", "http://x.example/acme")],
        )


def test_a_hierarchy_never_loops(world):
    group = world.account(name="Acme Group")
    de = world.account(name="Acme DE")
    berlin = world.account(name="Acme Berlin")
    world.call(account_hierarchy.set_parent, world.alice, de.id, group.id)
    world.call(account_hierarchy.set_parent, world.alice, berlin.id, de.id)
    with pytest.raises(FailedPrecondition, match="may not loop") as refused:
        world.call(account_hierarchy.set_parent, world.alice, group.id, berlin.id)
    assert "'Acme Berlin' -> 'Acme DE' -> 'Acme Group'" in str(refused.value)
    with pytest.raises(FailedPrecondition, match="may not loop"):
        world.call(account_hierarchy.set_parent, world.alice, group.id, group.id)
    assert world.get("accounts", group.id).parent_account_id == ""
    # another team's account cannot be a parent: it answers like an unknown id
    other = world.account(world.tom, name="Other", team_id="team-b")
    with pytest.raises(NotFound):
        world.call(account_hierarchy.set_parent, world.alice, de.id, other.id)
    moved = world.call(account_hierarchy.set_parent, world.alice, berlin.id, "")
    assert moved.parent_account_id == ""


def test_the_rollup_sums_open_and_won_value_over_the_visible_subtree(world):
    group = world.account(name="Acme Group")
    de = world.account(name="Acme DE")
    fr = world.account(name="Acme FR")
    hidden = world.account(world.tom, name="Acme UK", team_id="team-b")
    for child in (de, fr):
        world.call(account_hierarchy.set_parent, world.alice, child.id, group.id)
    # Placed under the group by its own team's side (no one there sees the group: written as
    # the repository would store it).
    with world.deps.uow() as uow:
        stored = uow.accounts.get(hidden.id)
        stored.change_profile(world.tom.actor, T0, parent_account_id=group.id)
        uow.accounts.save(stored)
        uow.commit()
    world.deal(account=group, estimated_revenue=eur("100.10"))
    world.deal(account=de, estimated_revenue=eur("200.20"))
    world.deal(account=de, estimated_revenue=eur("0.01"), currency="EUR")
    won = world.deal(account=fr, estimated_revenue=eur("50.00"))
    world.call(
        closing.close_won,
        world.alice,
        won.id,
        actual_revenue=eur("999.99"),
        actual_close_date=T0.date(),
    )
    world.deal(world.tom, account=hidden, estimated_revenue=eur("1000.00"))
    result = world.call(account_hierarchy.rollup, world.alice, group.id)
    assert result.account_ids == [group.id, de.id, fr.id]
    assert (result.open_deals, result.won_deals) == (3, 1)
    assert result.open_value == {"EUR": eur("300.31")}
    assert result.won_value == {"EUR": eur("999.99")}
    # the team-B manager sees only the subtree part of their own team
    assert world.call(account_hierarchy.rollup, world.max, hidden.id).open_value == {
        "EUR": eur("1000.00")
    }
