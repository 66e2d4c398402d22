"""The board's and the deal page's web endpoints on fakes: deals' totals shown as deals sent
them, a refused drag answered with deals' own message (the script snaps the card back), the
keyboard form, CSRF on moves, and the not-found page for a deal of another team."""

from __future__ import annotations

import re

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
