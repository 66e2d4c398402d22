"""Transfers between teams (history intact, access moves at once) and handover of leavers."""

import pytest
from deals_testkit import T0, WORKER, eur

from crm_chassis.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from crm_deals.service_layer import accounts, activities, closing, deals, quotes, transfers


def _deal_with_everything(world):
    account = world.account()
    contact = world.call(
        accounts.create_contact, world.alice, account_id=account.id, last_name="Doe"
    )
    deal = world.deal(account=account, primary_contact_id=contact.id)
    world.call(
        activities.log_activity,
        world.alice,
        target_type="opportunity",
        target_id=deal.id,
        kind="call",
        subject="intro",
    )
    world.call(
        activities.log_activity,
        world.alice,
        target_type="contact",
        target_id=contact.id,
        kind="email",
        subject="hello",
    )
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    return account, contact, deal, quote


def _transfer(world, caller, deal_id, *, to="team-b", reason="r", owner):
    """``caller`` transfers the deal to the team ``to`` and the member ``owner``."""
    return world.call(
        transfers.transfer_deal,
        caller,
        deal_id,
        to_team_id=to,
        reason=reason,
        new_owner_user_id=owner,
    )


def test_a_manager_above_transfers_a_deal_with_everything_and_its_history(world):
    account, contact, deal, quote = _deal_with_everything(world)
    history_before = world.call(deals.history, world.alice, "opportunity", deal.id).items
    done = _transfer(world, world.mia, deal.id, reason="key account moves to B", owner="tom")
    moved = world.call(deals.get_deal, world.tom, deal.id)
    assert (moved.team_id, moved.owner_user_id) == ("team-b", "tom")
    # mia manages only the unit above team A: she learns that it was done, not the deal.
    assert (done.deal_id, done.to_team_id, done.deal) == (deal.id, "team-b", None)
    # The old team loses access at once; the new team sees everything, history included.
    for caller, what, record_id in (
        (world.alice, "deal", deal.id),
        (world.alice, "account", account.id),
        (world.bob, "contact", contact.id),
        (world.alice, "quote", quote.id),
    ):
        getter = {
            "deal": deals.get_deal,
            "account": accounts.get_account,
            "contact": accounts.get_contact,
            "quote": quotes.get_quote,
        }[what]
        with pytest.raises(NotFound):
            world.call(getter, caller, record_id)
    assert world.call(deals.get_deal, world.tom, deal.id).id == deal.id
    assert world.call(accounts.get_account, world.tom, account.id).team_id == "team-b"
    history = world.call(deals.history, world.tom, "opportunity", deal.id).items
    assert history[: len(history_before)] == history_before
    assert history[-1].action == "transferred" and history[-1].note == "key account moves to B"
    timeline = world.call(
        activities.timeline, world.tom, target_type="account", target_id=account.id
    )
    assert {a.subject for a in timeline.items} == {"intro", "hello"}
    event = world.uow.events("deal_transferred")[0]
    assert (event.from_team_id, event.to_team_id) == ("team-a", "team-b")
    assert event.moved_account_id == account.id and list(event.moved_contact_ids) == [contact.id]
    assert len(event.moved_activity_ids) == 2 and list(event.moved_quote_ids) == [quote.id]


def test_the_account_stays_when_other_deals_of_the_source_team_need_it(world):
    account = world.account()
    deal = world.deal(account=account)
    world.deal(account=account, name="stays")
    _transfer(world, world.mia, deal.id, owner="tom")
    assert world.get("accounts", account.id).team_id == "team-a"
    assert world.uow.events("deal_transferred")[0].moved_account_id == ""


def test_who_may_transfer(world):
    deal = world.deal()
    for caller in (world.alice, world.sam):
        with pytest.raises(PermissionDenied, match="only a manager of the source team's units"):
            world.call(transfers.transfer_deal, caller, deal.id, to_team_id="team-b", reason="r")
    for caller in (world.tom, world.max, world.admin, world.boss):
        with pytest.raises(NotFound):
            world.call(transfers.transfer_deal, caller, deal.id, to_team_id="team-b", reason="r")
    # The management department may transfer the deals it sees; the owner is chosen by the
    # strategy.
    world.teams.add_member("team-a", "boss")
    done = world.call(
        transfers.transfer_deal, world.boss, deal.id, to_team_id="team-b", reason="reorganisation"
    )
    assert done.deal is None and world.handover.calls
    assert world.get("opportunities", deal.id).owner_user_id in {"tom", "max"}


def test_the_management_department_cannot_transfer_a_deal_it_does_not_see(world):
    deal = world.deal()
    with pytest.raises(NotFound) as foreign:
        _transfer(world, world.boss, deal.id, reason="reorganisation", owner="tom")
    with pytest.raises(NotFound) as unknown:
        _transfer(world, world.boss, "0" * 32, reason="reorganisation", owner="tom")
    # Word for word the answer for an unknown id, and nothing moved.
    assert str(foreign.value).replace(deal.id, "X") == str(unknown.value).replace("0" * 32, "X")
    assert world.get("opportunities", deal.id).team_id == "team-a"
    assert world.uow.events("deal_transferred") == []


def test_the_answer_holds_the_deal_only_for_a_caller_who_still_sees_it(world):
    deal = world.deal()
    world.teams.add_unit_manager("team-a", "una")
    world.teams.add_unit_manager("team-b", "una")
    una = type(world.mia)("una")
    done = _transfer(world, una, deal.id, owner="tom")
    assert done.deal is not None and (done.deal.team_id, done.deal.name) == (
        "team-b",
        "Acme rollout",
    )
    back = _transfer(world, world.max, deal.id, to="team-a", reason="back", owner="alice")
    assert (back.deal_id, back.to_team_id, back.deal) == (deal.id, "team-a", None)


def test_transfer_input_errors(world):
    deal = world.deal()
    with pytest.raises(InvalidArgument, match="deal_id is required"):
        world.call(transfers.transfer_deal, world.mia, " ", to_team_id="team-b", reason="r")
    with pytest.raises(InvalidArgument, match="to_team_id is required"):
        world.call(transfers.transfer_deal, world.mia, deal.id, to_team_id="", reason="r")
    with pytest.raises(InvalidArgument, match="new_owner_user_id is not a valid id"):
        _transfer(world, world.mia, deal.id, owner="x" * 65)
    with pytest.raises(InvalidArgument, match="reason is required"):
        world.call(transfers.transfer_deal, world.mia, deal.id, to_team_id="team-b", reason="")
    with pytest.raises(FailedPrecondition, match="already belongs to that team"):
        world.call(transfers.transfer_deal, world.mia, deal.id, to_team_id="team-a", reason="r")
    with pytest.raises(FailedPrecondition, match="has no members"):
        world.call(transfers.transfer_deal, world.mia, deal.id, to_team_id="team-z", reason="r")
    with pytest.raises(InvalidArgument, match="'alice' is not a member of team 'team-b'"):
        _transfer(world, world.mia, deal.id, owner="alice")


def test_a_won_deal_moves_with_its_order_and_invoice(world):
    from decimal import Decimal

    from crm_deals.domain.pricing import LineRequest
    from crm_deals.service_layer import billing

    deal = world.deal()
    quote = world.call(quotes.create_quote, world.alice, deal_id=deal.id)
    world.call(
        quotes.price_quote_lines, world.alice, quote.id, [LineRequest("p-widget", Decimal(2))]
    )
    world.call(quotes.activate_quote, world.alice, quote.id)
    world.call(quotes.accept_quote, world.alice, quote.id)
    order = world.call(billing.create_order, world.alice, quote.id)
    invoice = world.call(billing.create_invoice, world.sam, order.id)
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("39.98"),
        actual_close_date=T0.date(),
    )
    _transfer(world, world.mia, deal.id, owner="tom")
    moved = world.call(deals.get_deal, world.tom, deal.id)
    assert (moved.status, moved.team_id) == ("won", "team-b")
    assert world.call(billing.get_order, world.tom, order.id).team_id == "team-b"
    assert world.call(billing.get_invoice, world.max, invoice.id).team_id == "team-b"
    with pytest.raises(NotFound):
        world.call(billing.get_invoice, world.sam, invoice.id)
    assert world.uow.events("invoice_updated")[0].changed_fields == ["team_id"]


def test_a_leaving_members_open_deals_go_to_the_remaining_members(world):
    small = world.deal(estimated_revenue=eur("10"), name="small")
    big = world.deal(estimated_revenue=eur("1000"), name="big")
    mid = world.deal(estimated_revenue=eur("100"), name="mid")
    won = world.deal(name="won")
    world.call(
        closing.close_won, world.alice, won.id, actual_revenue=eur("1"), actual_close_date=T0.date()
    )
    world.deal(world.bob, name="bob's own")  # bob already has one open deal
    world.teams.remove_member("team-a", "alice")
    result = transfers.hand_over_open_deals(
        world.deps, WORKER, team_id="team-a", leaving_user_id="alice"
    )
    # biggest first, each to the least loaded: big -> sam (0), mid -> bob (1 vs sam 1: bob),
    # small -> sam.
    assert result.assignments == {big.id: "sam", mid.id: "bob", small.id: "sam"}
    assert world.get("opportunities", won.id).owner_user_id == "alice"  # closed deals stay
    entry = world.call(deals.history, world.sam, "opportunity", big.id).items[-1]
    assert entry.action == "owner_changed" and entry.actor.kind == "system"
    assert "alice left team team-a" in entry.note
    again = transfers.hand_over_open_deals(
        world.deps, WORKER, team_id="team-a", leaving_user_id="alice"
    )
    assert again.assignments == {} and again.unassigned == []


def test_with_nobody_left_the_deals_are_reported_unassigned(world):
    deal = world.deal(world.tom, account=world.account(world.tom, team_id="team-b"))
    world.teams.remove_member("team-b", "tom")
    world.teams.remove_member("team-b", "max")
    result = transfers.hand_over_open_deals(
        world.deps, WORKER, team_id="team-b", leaving_user_id="tom"
    )
    assert result.unassigned == [deal.id]
    assert world.get("opportunities", deal.id).owner_user_id == "tom"
