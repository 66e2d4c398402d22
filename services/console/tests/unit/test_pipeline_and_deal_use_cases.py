"""The board's and the deal page's use cases on a fake deals gateway: what reaches deals (with
the caller's own token) and what the console refuses before asking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from crm.common.v1 import money_pb2
from crm.deals.v1 import deals_pb2, resources_pb2
from crm_console.adapters import grpc_mapping_deals as mapping
from crm_console.domain.deals import Card, LineRequest, Product, Stage, with_base_units
from crm_console.domain.errors import ConsoleError
from crm_console.service_layer import deal_page, pipeline

NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


class Recorder:
    """Any gateway method: records (name, args, kwargs) and answers ``answer``."""

    def __init__(self, answer: object = None) -> None:
        self.calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []
        self.answer = answer

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        def call(*args: object, **kwargs: object) -> object:
            self.calls.append((name, args, kwargs))
            return self.answer

        return call


class Deps:
    def __init__(self) -> None:
        self.deals = Recorder()
        self.catalog = Recorder()


class Caller:
    class tokens:
        access_token = "ann-token"

    class person:
        user_id = "ann"


def test_a_move_goes_to_deals_with_the_callers_token_and_the_cards_version():
    deps = Deps()
    pipeline.move(deps, Caller, deal_id="d1", stage_key="proposal", version=7)  # type: ignore[arg-type]
    assert deps.deals.calls == [("move", ("ann-token", "d1", "proposal", 7), {})]


def test_a_move_without_a_stage_is_refused_before_asking_deals():
    deps = Deps()
    with pytest.raises(ConsoleError, match="choose the stage"):
        pipeline.move(deps, Caller, deal_id="d1", stage_key="")  # type: ignore[arg-type]
    assert deps.deals.calls == []


@pytest.mark.parametrize(
    ("revenue", "day", "message"),
    [
        ("", "2026-12-01", "as a number"),
        ("-5", "2026-12-01", "more than zero"),
        ("0", "2026-12-01", "more than zero"),
        ("1200", "", "the day the deal was won"),
        ("1200", "01/12/2026", "YYYY-MM-DD"),
    ],
)
def test_closing_as_won_needs_a_positive_revenue_and_a_day(revenue, day, message):
    deps = Deps()
    with pytest.raises(ConsoleError, match=message):
        pipeline.close_won(  # type: ignore[arg-type]
            deps, Caller, deal_id="d1", revenue=revenue, currency="EUR", day=day
        )
    assert deps.deals.calls == []


def test_closing_as_won_sends_the_exact_amount():
    deps = Deps()
    pipeline.close_won(  # type: ignore[arg-type]
        deps, Caller, deal_id="d1", revenue="12,500.50", currency="EUR", day="2026-12-01"
    )
    assert deps.deals.calls == [
        ("close_won", ("ann-token", "d1", Decimal("12500.50"), "EUR", "2026-12-01"), {})
    ]


def test_lost_needs_a_reason_and_reopen_a_why():
    deps = Deps()
    with pytest.raises(ConsoleError, match="why the deal was lost"):
        pipeline.close_lost(deps, Caller, deal_id="d1", reason="", competitor="", note="")  # type: ignore[arg-type]
    with pytest.raises(ConsoleError, match="why the deal is reopened"):
        pipeline.reopen(deps, Caller, deal_id="d1", reason="  ")  # type: ignore[arg-type]
    pipeline.close_lost(  # type: ignore[arg-type]
        deps, Caller, deal_id="d1", reason="competitor", competitor=" Acme ", note=""
    )
    assert deps.deals.calls == [("close_lost", ("ann-token", "d1", "competitor", "Acme", ""), {})]


def test_a_task_needs_a_due_day_and_is_due_at_the_end_of_that_day():
    deps = Deps()
    with pytest.raises(ConsoleError, match="due day"):
        deal_page.log_activity(deps, Caller, deal_id="d1", kind="task", subject="Send terms")  # type: ignore[arg-type]
    deal_page.log_activity(  # type: ignore[arg-type]
        deps, Caller, deal_id="d1", kind="task", subject="Send terms", due="2026-12-09"
    )
    ((_, args, kwargs),) = deps.deals.calls
    assert args == ("ann-token", "d1")
    assert kwargs["due_at"] == dt.datetime(2026, 12, 9, 17, 0, tzinfo=dt.UTC)


def test_a_call_keeps_direction_and_minutes_a_note_drops_them():
    deps = Deps()
    deal_page.log_activity(  # type: ignore[arg-type]
        deps,
        Caller,
        deal_id="d1",
        kind="call",
        subject="Intro",
        direction="inbound",
        duration_minutes="15",
    )
    deal_page.log_activity(  # type: ignore[arg-type]
        deps,
        Caller,
        deal_id="d1",
        kind="note",
        subject="Budget",
        direction="inbound",
        duration_minutes="15",
    )
    call, note = (kwargs for _, _, kwargs in deps.deals.calls)
    assert (call["kind"], call["direction"], call["duration_minutes"]) == ("call", "inbound", 15)
    assert (note["kind"], note["direction"], note["duration_minutes"]) == ("note", "", 0)


@pytest.mark.parametrize(
    ("kind", "subject", "minutes", "message"),
    [
        ("fax", "x", "", "choose one of"),
        ("call", " ", "", "subject"),
        ("call", "x", "1.5", "whole minutes"),
    ],
)
def test_activities_refused_before_asking_deals(kind, subject, minutes, message):
    deps = Deps()
    with pytest.raises(ConsoleError, match=message):
        deal_page.log_activity(  # type: ignore[arg-type]
            deps, Caller, deal_id="d1", kind=kind, subject=subject, duration_minutes=minutes
        )
    assert deps.deals.calls == []


def test_builder_rows_without_a_product_are_left_out_and_a_quantity_is_required():
    lines = deal_page.parse_lines(["p1", "", "p2"], ["3", "", "1.5"], ["", "", "case"])
    assert [(x.product_id, x.quantity, x.unit) for x in lines] == [
        ("p1", "3", ""),
        ("p2", "1.5", "case"),
    ]
    with pytest.raises(ConsoleError, match="line 2: enter a quantity"):
        deal_page.parse_lines(["p1", "p2"], ["3", " "], ["", ""])
    with pytest.raises(ConsoleError, match="at least one product"):
        deal_page.parse_lines(["", ""], ["", ""], ["", ""])


def test_the_deal_page_reads_the_deal_first_so_an_invisible_deal_stops_there():
    class Hidden(Recorder):
        def get(self, token, deal_id):  # type: ignore[no-untyped-def]
            from crm_console.domain.errors import NotFound

            raise NotFound("deal d9 not found")

    deps = Deps()
    deps.deals = Hidden()
    with pytest.raises(ConsoleError, match="not found"):
        deal_page.deal_file(deps, Caller, deal_id="d9")  # type: ignore[arg-type]
    assert deps.deals.calls == []


def _eur(amount: str) -> money_pb2.Money:
    return money_pb2.Money(amount=amount, currency="EUR")


def test_the_board_keeps_deals_exact_totals_and_the_keyboard_neighbours():
    answer = deals_pb2.GetBoardResponse(
        pipeline=resources_pb2.Pipeline(name="SMB"),
        columns=[
            deals_pb2.BoardColumn(
                stage=resources_pb2.Stage(key="new", name="New", default_probability=10),
                deals=[
                    resources_pb2.Opportunity(
                        id="d1",
                        name="Rollout",
                        stage_key="new",
                        probability=10,
                        estimated_revenue=_eur("1000.10"),
                        version=3,
                    )
                ],
                totals=[_eur("1000.10")],
                weighted_totals=[_eur("100.01")],
            ),
            deals_pb2.BoardColumn(stage=resources_pb2.Stage(key="proposal", name="Proposal")),
            deals_pb2.BoardColumn(stage=resources_pb2.Stage(key="negotiation", name="Negotiation")),
        ],
    )
    board = mapping.board("line-1", answer)
    first = board.columns[0]
    assert (first.totals[0].amount, first.weighted_totals[0].amount) == (
        Decimal("1000.10"),
        Decimal("100.01"),
    )
    assert first.cards[0].version == 3 and board.open_deals() == 1
    assert board.neighbours("new") == (None, board.columns[1].stage)
    assert board.neighbours("proposal") == (board.columns[0].stage, board.columns[2].stage)
    assert board.neighbours("negotiation") == (board.columns[1].stage, None)


def test_a_card_is_stalled_only_past_the_stages_expected_days():
    card = Card("d1", "Rollout", "new", "ann", None, 10, NOW - dt.timedelta(days=8), 1)
    assert card.days_in_stage(NOW) == 8
    assert card.stalled(Stage("new", "New", 10, expected_days=7), NOW)
    assert not card.stalled(Stage("new", "New", 10, expected_days=8), NOW)
    assert not card.stalled(Stage("new", "New", 10, expected_days=0), NOW)


def test_a_line_without_a_unit_takes_its_products_default_unit():
    products = (Product("p1", "SEAT", "Seat licence", "seat"),)
    lines = (LineRequest("p1", "3"), LineRequest("p1", "2", "pack"), LineRequest("p9", "1"))
    assert [x.unit for x in with_base_units(lines, products)] == ["seat", "pack", ""]
