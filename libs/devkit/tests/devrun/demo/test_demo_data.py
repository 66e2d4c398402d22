"""The demo company as data (crm_devrun.demo.company, .records): the same seed gives the same
company, the organisation has the shape the docs promise, names are Persian, Hebrew and English,
and the leads and deal history follow realistic, checkable distributions."""

from __future__ import annotations

import collections
import datetime as dt
import unicodedata

import pytest

from crm_devrun.demo.company import LEVEL_NAMES, build, period_months, target_periods
from crm_devrun.demo.records import LEAD_COLUMNS, duplicate_key, history, lead_rows

TODAY = dt.date(2026, 3, 18)


@pytest.fixture(scope="module")
def company():
    return build(17, TODAY)


@pytest.fixture(scope="module")
def leads(company):
    return lead_rows(company, 5000, 17)


@pytest.fixture(scope="module")
def past(company):
    return history(company, 18, TODAY, 17)


def script(text: str) -> str:
    letters = [unicodedata.name(ch).split()[0] for ch in text if ch.isalpha()]
    return collections.Counter(letters).most_common(1)[0][0]


def test_the_same_seed_gives_the_same_company_and_another_seed_another(company, leads, past):
    again = build(17, TODAY)
    assert again == company
    assert lead_rows(again, 5000, 17) == leads
    assert history(again, 18, TODAY, 17) == past
    other = build(18, TODAY)
    assert [p.email for p in other.people] != [p.email for p in company.people]
    assert lead_rows(other, 50, 18) != leads[:50]


def test_thirty_people_in_three_levels_with_supervisors_and_unit_managers(company):
    assert len(company.people) == 30
    assert len({p.email for p in company.people}) == 30
    assert {u.level for u in company.units} == {1, 2, 3}
    assert len(LEVEL_NAMES) == 3
    keys = {p.key for p in company.people}
    for unit in company.units:
        assert (
            unit.parent == "" if unit.level == 1 else unit.parent in {u.key for u in company.units}
        )
        assert unit.manager == "" or unit.manager in keys
    assert sum(1 for u in company.units if u.manager) == 3
    for team in company.teams:
        assert team.supervisor in keys and team.reps and set(team.reps) <= keys
        assert next(u for u in company.units if u.key == team.unit).level == 3
    in_teams = [k for t in company.teams for k in (t.supervisor, *t.reps)]
    assert len(in_teams) == len(set(in_teams))  # nobody in two teams
    marketers = [p for p in company.people if p.departments == ("marketing",)]
    assert len(marketers) == 2


def test_two_lines_one_on_contracts_one_on_pro_forma_invoices(company):
    assert {(line.key, line.workflow) for line in company.lines} == {
        ("enterprise", "contract"),
        ("smb", "quote"),
    }
    for line in company.lines:
        teams = company.teams_of(line.key)
        assert teams
        probabilities = [s.probability for s in line.stages]
        assert probabilities == sorted(probabilities)
        assert line.stages[-1].category == "commit"


def test_names_mix_persian_hebrew_and_english(company, leads):
    scripts = collections.Counter(script(p.name.display) for p in company.people)
    assert scripts["ARABIC"] >= 5 and scripts["HEBREW"] >= 5 and scripts["LATIN"] >= 4
    lead_scripts = collections.Counter(script(r["person.first_name"]) for r in leads)
    for name in ("ARABIC", "HEBREW", "LATIN"):
        assert lead_scripts[name] / len(leads) > 0.2
    assert all(p.email.isascii() for p in company.people)
    assert all(r["person.email"].isascii() for r in leads)


def test_leads_are_distinct_people_spread_like_a_real_inflow(company, leads):
    assert len(leads) == 5000
    assert all(set(r) == set(LEAD_COLUMNS) for r in leads)
    assert len({r["person.email"] for r in leads}) == 5000
    assert (
        len({(r["company.name"], r["person.first_name"], r["person.last_name"]) for r in leads})
        == 5000
    )
    countries = collections.Counter(r["location.country"] for r in leads)
    assert countries.most_common(2)[0][0] in {"IR", "IL"}
    assert countries["US"] < countries["DE"] < countries["IR"]
    with_campaign = sum(1 for r in leads if r["source.campaign_id"])
    assert 0.65 < with_campaign / len(leads) < 0.75
    channel_of = {c.key: c.channel for c in company.campaigns}
    assert all(
        r["source.channel"] == channel_of[r["source.campaign_id"]]
        for r in leads
        if r["source.campaign_id"]
    )
    enterprise = sum(1 for r in leads if r["sales_line_id"] == "enterprise")
    assert 0.1 < enterprise / len(leads) < 0.35
    assert all(
        (int(r["company.size"]) >= 250) == (r["sales_line_id"] == "enterprise") for r in leads
    )
    # every country has a territory of each line: a rule or the line's catch-all
    assert set(countries) <= {c for t in company.teams for c in t.countries}


def test_history_has_won_lost_and_open_deals_at_every_stage(company, past):
    start = TODAY - dt.timedelta(days=round(18 * 30.44))
    deals = [row for team in company.teams for row in past.deals[team.key]]
    assert 800 < len(deals) < 1600
    statuses = collections.Counter(r["status"] for r in deals)
    assert statuses["won"] > 100 and statuses["lost"] > 150 and statuses["open"] > 80
    for line in company.lines:
        open_stages = {
            r["stage_key"]
            for r in deals
            if r["sales_line_id"] == line.key and r["status"] == "open"
        }
        assert open_stages == {s.key for s in line.stages}
        closed = [r for r in deals if r["sales_line_id"] == line.key and r["status"] != "open"]
        rate = sum(1 for r in closed if r["status"] == "won") / len(closed)
        assert abs(rate - line.win_rate) < 0.1
    for row in deals:
        created = dt.date.fromisoformat(row["created_at"])
        assert start <= created < TODAY
        if row["status"] != "open":
            assert created <= dt.date.fromisoformat(row["close_date"]) < TODAY
    lost = [r for r in deals if r["status"] == "lost"]
    assert len({r["lost_reason"] for r in lost}) >= 5
    assert all(r["competitor"] for r in lost if r["lost_reason"] == "competitor")
    assert past.campaign_wins and all(
        e in {r["external_id"] for r in deals} for e in past.campaign_wins
    )
    assert all(dt.date.fromisoformat(d) > TODAY for d in past.expected_close.values())


def test_every_record_refers_to_one_imported_before_it(company, past):
    for team in company.teams:
        accounts = {r["external_id"]: r for r in past.accounts[team.key]}
        assert all(r["team_id"] == team.key for r in accounts.values())
        assert all(r["account_external_id"] in accounts for r in past.contacts[team.key])
        deals = {r["external_id"]: r for r in past.deals[team.key]}
        for deal in deals.values():
            assert deal["owner_user_id"] in team.reps
            assert deal["created_at"] >= accounts[deal["account_external_id"]]["created_at"]
        for activity in past.activities[team.key]:
            assert activity["target_external_id"] in deals
            assert activity["occurred_at"][:10] < TODAY.isoformat()


def test_every_rep_has_tasks_due_today_on_open_deals(company, past):
    tasks = [r for rows in past.activities.values() for r in rows if r["kind"] == "task"]
    reps = {rep for team in company.teams for rep in team.reps}
    assert {t["owner_user_id"] for t in tasks} == reps
    assert all(t["due_at"].startswith(TODAY.isoformat()) for t in tasks)
    open_ids = set(past.expected_close)
    assert all(t["target_external_id"] in open_ids for t in tasks)


def test_targets_cover_the_history_and_the_months_ahead():
    periods = target_periods(TODAY, 18)
    months = [p for p in periods if period_months(p) == 1]
    assert len(months) == 21 and months[0] == "2024-10" and months[-1] == "2026-06"
    assert {"2025", "2026", "2025-Q3", "2026-Q2"} <= set(periods)
    assert len(periods) == len(set(periods))


def test_campaigns_have_costs_and_periods_within_the_history(company):
    for campaign in company.campaigns:
        assert campaign.starts_on <= campaign.ends_on <= TODAY
        assert float(campaign.cost) > 0


def test_the_duplicate_key_is_leads_own_latin_words_without_the_legal_form():
    assert duplicate_key("Pars Systems Co.", "Sara Ahmadi") == "pars systems|sara ahmadi"
    assert duplicate_key("Négev Labs Ltd.", "Noa Cohen") == "negev labs|noa cohen"
    # names in Persian or Hebrew script leave no Latin words: one such person per company
    assert duplicate_key("Pars Systems Co.", "سارا احمدی") == duplicate_key(
        "Pars Systems", "נועה כהן"
    )
