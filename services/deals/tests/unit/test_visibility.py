"""The visibility matrix: a team's records are visible to the team and the managers above it
only; an administrator who is not a member sees nothing; unknown and foreign look alike."""

import pytest

from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied, Unauthenticated
from crm_deals.service_layer import accounts, activities, billing, deals, quotes
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.repositories import AccountFilter, DealFilter, PageQuery

READERS = {
    "alice": True,
    "bob": True,
    "sam": True,
    "mia": True,
    "tom": False,
    "max": False,
    "root": False,
    "boss": False,
}


@pytest.fixture
def records(world):
    account = world.account()
    contact = world.call(
        accounts.create_contact, world.alice, account_id=account.id, last_name="Doe"
    )
    deal = world.deal(account=account)
    activity = world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="note",
        subject="n",
    )
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    return {
        "account": (accounts.get_account, account.id),
        "contact": (accounts.get_contact, contact.id),
        "deal": (deals.get_deal, deal.id),
        "quote": (quotes.get_quote, quote.id),
        "history": (lambda d, c, i: deals.history(d, c, "opportunity", i), deal.id),
        "timeline": (
            lambda d, c, i: activities.timeline(d, c, target_type="opportunity", target_id=i),
            deal.id,
        ),
        "activity_id": activity.id,
    }


@pytest.mark.parametrize("user,sees", sorted(READERS.items()))
@pytest.mark.parametrize("what", ["account", "contact", "deal", "quote", "history", "timeline"])
def test_visibility_matrix(world, records, user, sees, what):
    caller = {"root": world.admin, "boss": world.boss}.get(user, Caller(user))
    reader, record_id = records[what]
    if sees:
        assert reader(world.deps, caller, record_id)
    else:
        with pytest.raises(NotFound) as err:
            reader(world.deps, caller, record_id)
        with pytest.raises(NotFound) as unknown:
            reader(world.deps, caller, "0" * 32)
        # A foreign record answers exactly like an unknown one (no existence leak).
        assert err.value.message.replace(record_id, "X") == unknown.value.message.replace(
            "0" * 32, "X"
        )


def test_lists_show_only_visible_teams(world, records):
    world.deal(world.tom, account=world.account(world.tom, name="B corp", team_id="team-b"))

    def names(caller):
        return sorted(
            a.name
            for a in world.call(accounts.list_accounts, caller, AccountFilter(), PageQuery()).items
        )

    assert names(world.alice) == ["Acme GmbH"] and names(world.tom) == ["B corp"]
    assert names(world.admin) == [] and names(world.boss) == []
    assert len(world.call(deals.list_deals, world.mia, DealFilter(), PageQuery()).items) == 1


def test_a_member_who_leaves_loses_access_at_once(world, records):
    reader, deal_id = records["deal"]
    assert reader(world.deps, world.bob, deal_id)
    world.teams.remove_member("team-a", "bob")
    with pytest.raises(NotFound):
        reader(world.deps, world.bob, deal_id)


def test_no_token_no_service_callers_on_team_data(world, records):
    reader, deal_id = records["deal"]
    with pytest.raises(Unauthenticated):
        reader(world.deps, None, deal_id)
    with pytest.raises(NotFound):
        reader(world.deps, Caller("svc-reporting", kind="service"), deal_id)


def test_a_manager_above_may_do_what_a_supervisor_may(world, records):
    _, deal_id = records["deal"]
    assert world.call(deals.update_deal, world.mia, deal_id, name="by mia").name == "by mia"
    with pytest.raises(PermissionDenied):
        world.call(billing.create_order, world.bob, records["quote"][1])


def test_list_inputs_are_checked(world):
    with pytest.raises(InvalidArgument, match="page_size must be 1..500"):
        PageQuery.of(501)
    assert PageQuery.of(0).limit == 50 and PageQuery.of(7, "k") == PageQuery(7, "k")
    with pytest.raises(InvalidArgument, match="is not a cursor this service issued"):
        PageQuery.of(7, "k" * 501)
    with pytest.raises(InvalidArgument, match="status must be one of open, won, lost"):
        world.call(deals.list_deals, world.alice, DealFilter(status="closed"), PageQuery())
    with pytest.raises(InvalidArgument, match="relationship must be one of prospect"):
        world.call(
            accounts.list_accounts, world.alice, AccountFilter(relationship="vip"), PageQuery()
        )
    assert "competitor" in deals.lost_reasons()
