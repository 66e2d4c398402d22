"""Deals: stage vs status, probability override, revenue, close won/lost, read-only, reopen."""

import datetime as dt
from decimal import Decimal

import pytest
from deals_testkit import T0, eur

from crm_chassis.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unavailable,
    ValidationErrors,
)
from crm_deals.domain.money import Money
from crm_deals.domain.pricing import LineRequest
from crm_deals.service_layer import closing, deals


def test_a_new_deal_starts_at_the_first_stage_with_its_default_probability(world):
    deal = world.deal(estimated_revenue=eur("1000.00"))
    assert (deal.stage_key, deal.status, deal.probability) == ("qualify", "open", 10)
    assert deal.forecast_category == "pipeline"
    assert deal.weighted_revenue == eur("100")
    assert deal.owner_user_id == "alice" and deal.team_id == "team-a"
    created = world.uow.events("deal_created")[0]
    assert created.deal.id == deal.id and created.meta.aggregate_version == 1
    assert created.meta.actor.id == "alice"


def test_moving_stage_changes_the_default_probability_and_is_published(world):
    deal = world.deal()
    world.clock.advance(dt.timedelta(days=3))
    deal = world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert (deal.stage_key, deal.probability, deal.forecast_category) == (
        "propose",
        40,
        "best_case",
    )
    event = world.uow.events("deal_stage_changed")[0]
    assert (event.from_stage_key, event.to_stage_key) == ("qualify", "propose")
    assert event.seconds_in_previous_stage == 3 * 86400
    # Moving to the stage it is at changes nothing and publishes nothing.
    before = len(world.uow.emitted)
    world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose")
    assert len(world.uow.emitted) == before


def test_moving_to_an_unknown_stage_names_the_valid_ones(world):
    deal = world.deal()
    with pytest.raises(InvalidArgument, match="no stage 'won'.*qualify, propose, negotiate"):
        world.call(deals.move_deal_to_stage, world.alice, deal.id, "won")


def test_a_hand_set_probability_survives_stage_moves_until_cleared(world):
    deal = world.deal()
    deal = world.call(deals.set_probability, world.alice, deal.id, 55)
    assert deal.probability == 55
    deal = world.call(deals.move_deal_to_stage, world.alice, deal.id, "negotiate")
    assert deal.probability == 55 and deal.stage_probability == 70
    deal = world.call(deals.set_probability, world.alice, deal.id, None)
    assert deal.probability == 70
    for bad in (-1, 101, True, 5.5):
        with pytest.raises(InvalidArgument, match="whole per cent 0..100"):
            world.call(deals.set_probability, world.alice, deal.id, bad)


def test_revenue_is_typed_or_the_exact_sum_of_priced_lines(world):
    deal = world.deal(estimated_revenue=eur("500.00"))
    deal = world.call(
        deals.set_deal_lines,
        world.alice,
        deal.id,
        [LineRequest("p-widget", Decimal("3")), LineRequest("p-thing", Decimal("0.5"))],
    )
    # 3 x 19.99 + 0.5 x 0.10 = 59.97 + 0.05, exactly
    assert deal.estimated_revenue == eur("60.02") and deal.revenue_source == "lines"
    with pytest.raises(FailedPrecondition, match="sum of its 2 product line"):
        world.call(deals.set_estimated_revenue, world.alice, deal.id, eur("10"))
    deal = world.call(deals.set_deal_lines, world.alice, deal.id, [])
    assert deal.estimated_revenue is None and deal.revenue_source == "typed"
    deal = world.call(deals.set_estimated_revenue, world.alice, deal.id, eur("10"))
    assert deal.estimated_revenue == eur("10")


def test_bad_lines_and_an_inconsistent_catalog_answer_are_refused(world):
    deal = world.deal()
    with pytest.raises(InvalidArgument, match="quantity must be a positive decimal"):
        world.call(
            deals.set_deal_lines, world.alice, deal.id, [LineRequest("p-widget", Decimal("0"))]
        )
    with pytest.raises(ValidationErrors, match="product 'nope' not found"):
        world.call(deals.set_deal_lines, world.alice, deal.id, [LineRequest("nope", Decimal("1"))])
    world.pricing.broken_total = True
    with pytest.raises(Unavailable, match="not the sum of its lines"):
        world.call(
            deals.set_deal_lines, world.alice, deal.id, [LineRequest("p-widget", Decimal("1"))]
        )
    assert world.get("opportunities", deal.id).lines == ()


def test_revenue_in_another_currency_is_refused(world):
    with pytest.raises(InvalidArgument, match="in USD but the deal is in EUR"):
        world.deal(estimated_revenue=Money(Decimal("5"), "USD"))


def test_close_won_needs_actual_revenue_and_date_and_makes_the_account_a_customer(world):
    deal = world.deal()
    with pytest.raises(InvalidArgument, match="actual_revenue is required"):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=None,
            actual_close_date=T0.date(),
        )
    with pytest.raises(InvalidArgument, match="actual_close_date is required"):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("10"),
            actual_close_date=None,
        )
    with pytest.raises(InvalidArgument, match="in the future"):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("10"),
            actual_close_date=T0.date() + dt.timedelta(days=1),
        )
    with pytest.raises(InvalidArgument, match="must be above zero"):
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("0"),
            actual_close_date=T0.date(),
        )
    deal = world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("900.00"),
        actual_close_date=T0.date(),
    )
    assert (deal.status, deal.stage_key, deal.probability) == ("won", "qualify", 100)
    assert deal.forecast_category == "closed"
    account = world.get("accounts", deal.account_id)
    assert account.relationship == "customer" and account.customer_since == T0
    assert world.types()[-2:] == ["deal_won", "account_relationship_changed"]
    assert world.uow.events("account_relationship_changed")[0].reason == "first won deal"


def test_a_second_won_deal_does_not_change_the_relationship_again(world):
    account = world.account()
    for name in ("one", "two"):
        deal = world.deal(account=account, name=name)
        world.call(
            closing.close_won,
            world.alice,
            deal.id,
            actual_revenue=eur("1"),
            actual_close_date=T0.date(),
        )
    assert len(world.uow.events("account_relationship_changed")) == 1


def test_close_lost_needs_a_listed_reason_the_competitor_and_a_note_for_other(world):
    deal = world.deal()
    with pytest.raises(InvalidArgument, match="lost reason must be one of price, competitor"):
        world.call(closing.close_lost, world.alice, deal.id, reason="bad luck")
    with pytest.raises(InvalidArgument, match="name the competitor"):
        world.call(closing.close_lost, world.alice, deal.id, reason="competitor")
    with pytest.raises(InvalidArgument, match="explain the reason in the note"):
        world.call(closing.close_lost, world.alice, deal.id, reason="other")
    deal = world.call(
        closing.close_lost,
        world.alice,
        deal.id,
        reason="competitor",
        competitor="Globex",
        note="cheaper",
    )
    assert (deal.status, deal.lost_competitor, deal.probability) == ("lost", "Globex", 0)
    assert world.get("accounts", deal.account_id).relationship == "prospect"
    assert world.uow.events("deal_lost")[0].deal.lost_reason == "competitor"


@pytest.mark.parametrize(
    "edit",
    [
        lambda w, d: w.call(deals.update_deal, w.alice, d, name="New name"),
        lambda w, d: w.call(deals.move_deal_to_stage, w.alice, d, "propose"),
        lambda w, d: w.call(deals.set_probability, w.alice, d, 50),
        lambda w, d: w.call(deals.set_probability, w.alice, d, None),
        lambda w, d: w.call(deals.set_estimated_revenue, w.alice, d, eur("1")),
        lambda w, d: w.call(deals.set_deal_lines, w.alice, d, []),
        lambda w, d: w.call(deals.reassign_deal, w.sam, d, "bob"),
        lambda w, d: w.call(closing.close_lost, w.alice, d, reason="price"),
        lambda w, d: w.call(
            closing.close_won, w.alice, d, actual_revenue=eur("1"), actual_close_date=T0.date()
        ),
    ],
)
def test_a_closed_deal_is_read_only(world, edit):
    deal = world.deal()
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("5"),
        actual_close_date=T0.date(),
    )
    version, emitted = world.get("opportunities", deal.id).version, len(world.uow.emitted)
    with pytest.raises(FailedPrecondition, match="is won and read-only.*must reopen it"):
        edit(world, deal.id)
    assert world.get("opportunities", deal.id).version == version
    assert len(world.uow.emitted) == emitted


def test_reopen_by_owner_or_manager_above_only_and_audited(world):
    deal = world.deal(probability=80)
    world.call(closing.close_lost, world.alice, deal.id, reason="timing")
    for outsider in (world.bob, world.sam, world.tom, world.admin):
        with pytest.raises((PermissionDenied, NotFound)):
            world.call(closing.reopen, outsider, deal.id, "try again")
    with pytest.raises(InvalidArgument, match="reason is required"):
        world.call(closing.reopen, world.mia, deal.id, " ")
    deal = world.call(closing.reopen, world.mia, deal.id, "customer came back")
    assert (deal.status, deal.stage_key, deal.lost_reason) == ("open", "qualify", "")
    assert deal.probability == 80  # the hand-set value is back
    event = world.uow.events("deal_reopened")[0]
    assert event.reason == "customer came back" and event.meta.actor.id == "mia"
    history = world.call(deals.history, world.alice, "opportunity", deal.id).items
    assert [e.action for e in history] == ["created", "lost", "reopened"]
    assert history[-1].actor.id == "mia" and history[-1].note == "customer came back"
    with pytest.raises(FailedPrecondition, match="already open"):
        world.call(closing.reopen, world.alice, deal.id, "again")
    world.call(
        closing.close_won,
        world.alice,
        deal.id,
        actual_revenue=eur("1"),
        actual_close_date=T0.date(),
    )
    assert world.call(closing.reopen, world.alice, deal.id, "wrong deal").status == "open"


def test_history_keeps_who_when_what_from_to(world):
    deal = world.deal()
    world.clock.advance(dt.timedelta(hours=1))
    world.call(
        deals.update_deal,
        world.sam,
        deal.id,
        name="Acme big rollout",
        estimated_close_date=dt.date(2026, 6, 30),
    )
    entry = world.call(deals.history, world.alice, "opportunity", deal.id).items[-1]
    assert entry.actor.id == "sam" and entry.at == T0 + dt.timedelta(hours=1)
    assert {(c.field, c.old, c.new) for c in entry.changes} == {
        ("name", "Acme rollout", "Acme big rollout"),
        ("estimated_close_date", "", "2026-06-30"),
    }
    assert world.uow.events("deal_updated")[0].changed_fields == ["estimated_close_date", "name"]


def test_an_expert_edits_own_deals_only_a_supervisor_any(world):
    deal = world.deal()
    with pytest.raises(PermissionDenied, match="only the owner or a supervisor"):
        world.call(deals.update_deal, world.bob, deal.id, name="mine now")
    assert world.call(deals.update_deal, world.sam, deal.id, name="ok").name == "ok"


def test_deal_creation_checks_its_inputs(world):
    account = world.account()
    with pytest.raises(FailedPrecondition, match="has no pipeline yet"):
        world.deal(account=account, sales_line_id="line-unknown")
    with pytest.raises(InvalidArgument, match="not a member of team 'team-a'"):
        world.deal(account=account, owner_user_id="tom")
    with pytest.raises(InvalidArgument, match="name is required"):
        world.deal(account=account, name="  ")
    with pytest.raises(InvalidArgument, match="ISO 4217"):
        world.deal(account=account, currency="euro")
    with pytest.raises(InvalidArgument, match="is not a contact of account"):
        world.deal(account=account, primary_contact_id="nobody")
    with pytest.raises(NotFound, match="account 'missing' not found"):
        world.call(
            deals.create_deal,
            world.alice,
            name="x",
            account_id="missing",
            sales_line_id="line-1",
            currency="EUR",
        )
    assert world.deal(account=account, stage_key="negotiate").probability == 70


def test_board_groups_visible_open_deals_by_stage_with_exact_sums(world):
    a = world.deal(estimated_revenue=eur("100.10"))
    b = world.deal(estimated_revenue=eur("0.20"), name="b")
    world.call(deals.move_deal_to_stage, world.alice, b.id, "propose")
    c = world.deal(estimated_revenue=eur("0.10"), name="c")
    world.call(closing.close_lost, world.alice, c.id, reason="price")
    world.deal(world.tom, account=world.account(world.tom, team_id="team-b"), name="other team")
    result = world.call(deals.board, world.alice, "line-1")
    columns = result.columns
    assert not result.truncated
    assert world.call(deals.board, world.alice, "line-1", limit=1).truncated
    assert [col.stage_key for col in columns] == ["qualify", "propose", "negotiate"]
    assert [d.id for d in columns[0].deals] == [a.id]
    assert columns[0].total["EUR"] == eur("100.10")
    assert columns[0].weighted["EUR"] == eur("10.01")
    assert columns[1].total["EUR"] == eur("0.20") and columns[2].deals == []


def test_expected_version_protects_against_lost_updates(world):
    deal = world.deal()
    world.call(deals.update_deal, world.alice, deal.id, name="first", expected_version=1)
    with pytest.raises(FailedPrecondition, match="at version 2, not 1: someone changed it"):
        world.call(deals.update_deal, world.alice, deal.id, name="second", expected_version=1)
    with pytest.raises(FailedPrecondition, match="not 1"):
        world.call(deals.move_deal_to_stage, world.alice, deal.id, "propose", expected_version=1)


def test_fields_an_update_may_not_change_are_named(world):
    deal = world.deal()
    with pytest.raises(
        InvalidArgument, match="deal field\\(s\\) status, team_id cannot be changed"
    ):
        world.call(deals.update_deal, world.alice, deal.id, status="won", team_id="team-b")
