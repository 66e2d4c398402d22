"""The board's and the deal page's web endpoints on fakes: deals' totals shown as deals sent
them, a refused drag answered with deals' own message (the script snaps the card back), the
keyboard form, CSRF on moves, the close, reopen, activity and task forms' fields as deals gets them,
and the not-found page for a deal of another team."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def main(page: str) -> str:
    return page[page.index("<main") : page.index("</main>")]


@pytest.fixture
def ann(world):
    """Ann of team-1 signed in; the fake deals of the app, with d1 (New) and d2 (Proposal)."""
    client, identity, _, _ = world
    person = identity.add("ann@example.com", "Ann")
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"csrf_token": csrf(form.text), "email": "ann@example.com", "password": PASSWORD},
    )
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {person.user_id}
    deals.add("d1", "new", "1000.10", version=3)
    deals.add("d2", "proposal", "500")
    return client, deals


def test_the_board_shows_each_stage_with_deals_totals_and_the_cards_moves(ann):
    client, _ = ann
    page = client.get("/board/line-1")
    assert page.status_code == 200
    new = page.text[page.text.index('id="stage-new"') : page.text.index('id="stage-proposal"')]
    assert "€1,000.10" in new and "€100.01" in new  # total and weighted total (10 %)
    assert 'aria-label="Move Deal d1 on to Proposal"' in page.text
    assert "Move Deal d1 back to" not in page.text  # New is the first stage
    assert 'data-deal="d1" data-version="3"' in page.text
    assert '<script src="/static/board.js" defer></script>' in page.text


def test_a_drag_deals_refuses_answers_with_deals_message_and_moves_nothing(ann):
    client, deals = ann
    token = csrf(client.get("/board/line-1").text)
    answer = client.post(
        "/deals/d1/move",
        data={"stage_key": "won_only", "version": "3"},
        headers={"Accept": "application/json", "X-CSRF-Token": token},
    )
    assert answer.status_code == 409
    assert answer.json() == {
        "ok": False,
        "message": "a deal is won with CloseDealWon, not by a stage move",
    }
    stale = client.post(
        "/deals/d1/move",
        data={"stage_key": "proposal", "version": "2"},
        headers={"Accept": "application/json", "X-CSRF-Token": token},
    )
    assert stale.status_code == 409 and "version 3, not 2" in stale.json()["message"]
    assert deals.moves == [] and deals.cards["d1"].stage_key == "new"


def test_an_accepted_drag_and_the_keyboard_form_move_the_card(ann):
    client, deals = ann
    token = csrf(client.get("/board/line-1").text)
    dragged = client.post(
        "/deals/d1/move",
        data={"stage_key": "proposal", "version": "3"},
        headers={"Accept": "application/json", "X-CSRF-Token": token},
    )
    assert dragged.json() == {"ok": True, "message": "moved"}
    keyed = client.post(
        "/deals/d2/move",
        data={"csrf_token": token, "stage_key": "new", "version": "1", "next": "/board/line-1"},
        follow_redirects=False,
    )
    assert keyed.status_code == 303 and keyed.headers["location"] == "/board/line-1?notice=moved"
    assert deals.moves == [("d1", "proposal", 3), ("d2", "new", 1)]
    assert "Deal moved." in client.get(keyed.headers["location"]).text


def test_a_refused_keyboard_move_shows_the_board_with_deals_message(ann):
    client, _ = ann
    token = csrf(client.get("/board/line-1").text)
    answer = client.post(
        "/deals/d1/move",
        data={"csrf_token": token, "stage_key": "won_only", "sales_line_id": "line-1"},
    )
    assert answer.status_code == 409
    assert "a deal is won with CloseDealWon, not by a stage move" in answer.text


def test_a_move_without_the_form_token_is_refused(ann):
    client, deals = ann
    answer = client.post("/deals/d1/move", data={"stage_key": "proposal"})
    assert answer.status_code == 403 and deals.moves == []


def test_a_deal_of_another_team_answers_like_one_that_does_not_exist(ann):
    client, deals = ann
    deals.teams["team-1"] = set()  # Ann is no member of the deal's team any more
    hidden = client.get("/deals/d1")
    missing = client.get("/deals/no-such-deal")
    assert hidden.status_code == missing.status_code == 404
    assert main(hidden.text) == main(missing.text)  # the page differs only in its own address
    assert "Deal d1" not in hidden.text


def card_html(page: str, deal_id: str) -> str:
    start = page.index(f'data-deal="{deal_id}"')
    return page[start : page.index("</li>", start)]


def test_a_card_says_its_days_in_stage_stalled_and_mine_in_each_language(ann):
    """The cards' words and figures come from board_view (prepared once per column): a card
    past its stage's expected days is stalled, the signed-in person's own is marked, and a
    Persian board writes Persian digits and points its arrows right to left."""
    client, deals = ann
    late = deals.cards["d1"]
    deals.cards["d1"] = replace(late, stage_entered_at=late.stage_entered_at - timedelta(days=10))
    deals.cards["d3"] = replace(deals.cards["d2"], id="d3", name="Deal d3", owner_user_id="x")
    page = client.get("/board/line-1").text
    stalled, fresh = card_html(page, "d1"), card_html(page, "d3")
    assert 'class="deal-card stalled"' in page and "stalled" not in fresh
    assert "€1,000.10 · 10%" in stalled
    assert "10 days in stage · <strong>stalled</strong> · mine" in stalled
    assert "0 days in stage</p>" in fresh  # another's deal: not marked mine
    assert 'aria-label="Move Deal d3 back to New"' in fresh
    assert '<span aria-hidden="true">←</span>' in fresh
    client.post("/language", data={"csrf_token": csrf(page), "lang": "fa"})
    persian = card_html(client.get("/board/line-1").text, "d1")
    assert "۱۰ روز در این مرحله · <strong>متوقف</strong> · مال من" in persian
    assert "۱٬۰۰۰٫۱۰" in persian and "· ۱۰%" in persian
    assert 'aria-label="بردن Deal d1 به Proposal"' in persian
    assert '<span aria-hidden="true">←</span>' in persian  # "on" points left in a rtl page


def _recorded(deals, name: str, calls: list) -> None:
    """``deals.<name>`` records its arguments and answers with the deal, as deals would."""

    def record(token: str, deal_or_activity_id: str, *args: object, **kwargs: object) -> object:
        calls.append((name, deal_or_activity_id, *args, *sorted(kwargs.items())))
        return deals.get(token, "d1")

    setattr(deals, name, record)


@pytest.mark.parametrize(
    ("path", "form", "notice", "call"),
    [
        (
            "/deals/d1/won",
            {"actual_revenue": "1,200.50", "currency": "EUR", "actual_close_date": "2026-03-01"},
            "won",
            ("close_won", "d1", Decimal("1200.50"), "EUR", "2026-03-01"),
        ),
        (
            "/deals/d1/lost",
            {"reason": "price", "competitor": " Acme ", "note": "too dear "},
            "lost",
            ("close_lost", "d1", "price", "Acme", "too dear"),
        ),
        (
            "/deals/d1/reopen",
            {"reason": " talks again "},
            "reopened",
            ("reopen", "d1", "talks again"),
        ),
    ],
)
def test_close_and_reopen_forms_reach_deals_with_their_fields(ann, path, form, notice, call):
    client, deals = ann
    calls: list = []
    _recorded(deals, call[0], calls)
    token = csrf(client.get("/board/line-1").text)
    answer = client.post(
        path, data={"csrf_token": token, "next": "/board/line-1", **form}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/board/line-1?notice={notice}"
    assert calls == [call]


def test_an_activity_and_a_completed_task_reach_deals_with_their_fields(ann):
    client, deals = ann
    calls: list = []
    _recorded(deals, "log_activity", calls)
    _recorded(deals, "complete_task", calls)
    token = csrf(client.get("/board/line-1").text)
    logged = client.post(
        "/deals/d1/activities",
        data={
            "csrf_token": token,
            "kind": "call",
            "subject": " Intro ",
            "body": "notes",
            "direction": "outbound",
            "duration_minutes": "15",
        },
        follow_redirects=False,
    )
    done = client.post(
        "/deals/d1/tasks/a-7/complete",
        data={"csrf_token": token, "done": "0"},
        follow_redirects=False,
    )
    assert logged.headers["location"] == "/deals/d1?notice=logged"
    assert done.headers["location"] == "/deals/d1?notice=task_done"
    assert calls == [
        (
            "log_activity",
            "d1",
            ("body", "notes"),
            ("direction", "outbound"),
            ("due_at", None),
            ("duration_minutes", 15),
            ("kind", "call"),
            ("subject", "Intro"),
        ),
        ("complete_task", "a-7", False),
    ]
