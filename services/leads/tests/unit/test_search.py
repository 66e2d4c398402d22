"""SearchLeads: filters, sort, keyset cursor, scope."""

import datetime as dt

import pytest

from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_leads.domain.lead import LeadStatus
from crm_leads.domain.scoring.engine import Grade
from crm_leads.domain.search import LeadFilter, SortField, TimeRange
from crm_leads.domain.values import Channel
from crm_leads.service_layer import lifecycle, scoring
from crm_leads.service_layer.searching import search_leads


@pytest.fixture
def scored(world):
    """Five team-a leads with scores 10..50 from a country rule, created a minute apart."""
    scoring.update_scoring_model(
        world.deps,
        world.meg,
        world.line,
        fit_rules=[
            {
                "id": f"c{n}",
                "attribute": "custom.tier",
                "operator": "equals",
                "values": [str(n)],
                "points": n * 10,
            }
            for n in range(1, 6)
        ],
        engagement_rules=[],
    )
    made = []
    for n in range(1, 6):
        made.append(
            world.lead_in(
                custom_attributes__tier=str(n),
                person__first_name=f"P{n}",
                company__name=f"Company {n}",
                location__country="DE" if n % 2 else "FR",
                source__channel="event" if n < 3 else "referral",
            )
        )
        world.clock.advance(dt.timedelta(minutes=1))
    return made


def ids(page):
    return [lead.id for lead in page.items]


def test_default_sort_is_score_descending(world, scored):
    page = search_leads(world.deps, world.ann, LeadFilter())
    assert [lead.score.value for lead in page.items] == [50, 40, 30, 20, 10]
    assert page.next_cursor == ""


def test_cursor_pages_through_without_gaps_or_repeats(world, scored):
    seen, cursor = [], ""
    while True:
        page = search_leads(world.deps, world.ann, LeadFilter(), page_size=2, cursor=cursor)
        seen += ids(page)
        cursor = page.next_cursor
        if not cursor:
            break
    assert seen == [lead.id for lead in reversed(scored)]


def test_cursor_tolerates_changes_between_pages(world, scored):
    first = search_leads(world.deps, world.ann, LeadFilter(), page_size=2)
    world.capture(caller=world.ann)  # a new lead in no team: not in ann's scope anyway
    lifecycle.disqualify(world.deps, world.ann, scored[0].id, "spam")
    rest = search_leads(world.deps, world.ann, LeadFilter(), page_size=10, cursor=first.next_cursor)
    assert ids(rest) == [scored[2].id, scored[1].id, scored[0].id]


@pytest.mark.parametrize(
    "lead_filter, expected",
    [
        (LeadFilter(min_score=20, max_score=40), [4, 3, 2]),
        (LeadFilter(grades=frozenset({Grade.C})), [4, 3]),
        (LeadFilter(countries=frozenset({"FR"})), [4, 2]),
        (LeadFilter(channels=frozenset({Channel.EVENT})), [2, 1]),
        (LeadFilter(text="compa 3"), [3]),
        (LeadFilter(text="p5 acme"), [5]),  # e-mail jo5@acme.example
        (LeadFilter(text="p5 zeta"), []),
        (LeadFilter(custom_attributes={"tier": "2"}), [2]),
        (LeadFilter(owner_user_ids=frozenset({"bob"})), []),
        (LeadFilter(team_ids=frozenset({"team-a", "team-b"})), [5, 4, 3, 2, 1]),
        (LeadFilter(statuses=frozenset({LeadStatus.NEW})), [5, 4, 3, 2, 1]),
    ],
)
def test_filters(world, scored, lead_filter, expected):
    page = search_leads(world.deps, world.ann, lead_filter)
    assert ids(page) == [scored[n - 1].id for n in expected]


def test_created_range_and_ascending_time_sort(world, scored):
    window = TimeRange(world.t0 + dt.timedelta(minutes=1), world.t0 + dt.timedelta(minutes=3))
    page = search_leads(
        world.deps, world.ann, LeadFilter(created=window), sort=SortField.CREATED_AT
    )
    assert ids(page) == [scored[1].id, scored[2].id]


def test_merged_leads_appear_only_when_asked_for(world, scored):
    from crm_leads.service_layer.leads import merge_leads

    merge_leads(world.deps, world.ann, scored[0].id, scored[1].id)
    assert scored[1].id not in ids(search_leads(world.deps, world.ann, LeadFilter()))
    merged = search_leads(
        world.deps, world.ann, LeadFilter(statuses=frozenset({LeadStatus.MERGED}))
    )
    assert ids(merged) == [scored[1].id]


def test_a_cursor_only_works_with_its_own_query(world, scored):
    page = search_leads(world.deps, world.ann, LeadFilter(), page_size=2)
    with pytest.raises(InvalidArgument, match="other filters or sort"):
        search_leads(world.deps, world.ann, LeadFilter(text="p"), cursor=page.next_cursor)
    with pytest.raises(InvalidArgument, match="not a cursor this service issued"):
        search_leads(world.deps, world.ann, LeadFilter(), cursor="garbage!")


def test_bad_query_values_are_reported_together(world):
    with pytest.raises(ValidationErrors) as caught:
        search_leads(
            world.deps,
            world.ann,
            LeadFilter(min_score=60, max_score=20, text="x" * 201),
            page_size=501,
        )
    assert {p for p, _ in caught.value.problems} == {
        "filter.min_score",
        "filter.text",
        "page.page_size",
    }


def test_an_admin_outside_every_team_finds_nothing(world, scored):
    assert search_leads(world.deps, world.ada, LeadFilter()).items == []
