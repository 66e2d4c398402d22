"""The SQL search returns exactly what the domain's reference search (LeadQuery.matches and
sort_key, as the in-memory repository applies them) returns, page by page, on a few hundred
random leads -- on PostgreSQL (per-team LATERAL plan) and on SQLite (portable fallback)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace
from decimal import Decimal

import pytest

from crm_chassis.db import make_engine, make_session_factory
from crm_leads import migrate
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.domain.access import Scope, TeamRole
from crm_leads.domain.assignment import Assignment, AssignmentMethod
from crm_leads.domain.lead import Lead, LeadStatus
from crm_leads.domain.scoring.engine import Score, grade_for
from crm_leads.domain.search import LeadFilter, SortField, TimeRange, build_query
from crm_leads.domain.values import (
    Channel,
    Company,
    CompanySize,
    LeadData,
    Location,
    Person,
    Source,
)

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
TEAMS = ["t-north", "t-south", "t-east", "t-west"]
QUEUE = "t-queue"
FIRST = ["Jörg", "Ann", "Zoë", "Émile", "Bob", "Åsa", "Li", "Marta"]
LAST = ["Müller", "O'Brien", "Smith", "Núñez", "Lee", "Dupont", "Kowalski", "Berg"]
COMPANIES = ["ACME GmbH", "Globex Inc", "Initech", "Umbrella Corp", "Hooli", "Café Crème SARL"]
COUNTRIES = ["DE", "FR", "US", "SE", "PL"]
INDUSTRIES = ["software", "retail", "banking"]
OWNERS = ["u1", "u2", "u3", "u4"]
STATUSES = [
    LeadStatus.NEW,
    LeadStatus.WORKING,
    LeadStatus.QUALIFIED,
    LeadStatus.DISQUALIFIED,
    LeadStatus.MERGED,
    LeadStatus.CONVERTED,
]


def random_lead(rng: random.Random, n: int) -> Lead:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    data = LeadData(
        person=Person(
            first, f"{last} {n}", "", f"{first[:2].lower()}{n}@{rng.choice(['x', 'y'])}.example"
        ),
        company=Company(
            rng.choice(COMPANIES), rng.choice(INDUSTRIES), rng.choice([None, *CompanySize])
        ),
        location=Location(rng.choice(COUNTRIES)),
        source=Source(rng.choice([None, *Channel]), rng.choice(["", "camp-1", "camp-2"])),
        sales_line_id=rng.choice(["line-a", "line-b"]),
        custom_attributes=rng.choice([{}, {"tier": "gold"}, {"tier": "silver", "x": "1"}]),
    )
    created = T0 + dt.timedelta(minutes=rng.randrange(0, 600), seconds=rng.choice([0, 0.5]))
    # Many equal scores and times: the id must break every tie the same way.
    team = rng.choice(TEAMS + [""])
    assignment = (
        Assignment(team, rng.choice(OWNERS + [""]), AssignmentMethod.ROUTED)
        if team
        else Assignment("", "", AssignmentMethod.UNROUTABLE, queue_team_id=QUEUE)
    )
    value = rng.choice([None, 0, 10, 50, 50, 75, 90, 100])
    score = (
        Score(value, grade_for(value), (), value, None, Decimal("0.00"), 1, created)
        if value is not None
        else None
    )
    return Lead(
        id=f"lead-{n:04d}",
        data=data,
        created_at=created,
        updated_at=created + dt.timedelta(hours=rng.randrange(0, 3)),
        status=rng.choice(STATUSES),
        assignment=assignment,
        score=score,
        version=1,
    )


def random_filter(rng: random.Random) -> LeadFilter:
    """Zero to three filters at once, each drawn from values the leads really have."""

    def some(values, k=2):
        return frozenset(rng.sample(values, rng.randint(1, k)))

    choices = {
        "statuses": lambda: some(STATUSES, 3),
        "min_score": lambda: rng.choice([25, 50, 75]),
        "max_score": lambda: rng.choice([50, 80]),
        "grades": lambda: some([grade_for(v) for v in (10, 30, 60, 80)]),
        "channels": lambda: some(list(Channel), 3),
        "campaign_ids": lambda: some(["camp-1", "camp-2"], 1),
        "owner_user_ids": lambda: some(OWNERS),
        "team_ids": lambda: some(TEAMS),
        "countries": lambda: some(COUNTRIES, 3),
        "industries": lambda: some(INDUSTRIES),
        "company_sizes": lambda: some(list(CompanySize), 3),
        "sales_line_ids": lambda: some(["line-a", "line-b"], 1),
        "created": lambda: rng.choice(
            [
                TimeRange(T0 + dt.timedelta(hours=2), None),
                TimeRange(None, T0 + dt.timedelta(hours=5)),
            ]
        ),
        "updated": lambda: TimeRange(T0 + dt.timedelta(hours=1), T0 + dt.timedelta(hours=8)),
        "text": lambda: rng.choice(
            ["jo", "MUL", "acme", "ann glob", "cafe", "nu", "o bri", "zoe 1", "x example"]
        ),
        "unassigned_only": lambda: True,
        "custom_attributes": lambda: rng.choice([{"tier": "gold"}, {"x": "1"}]),
    }
    names = rng.sample(sorted(choices), rng.randint(0, 3))
    return LeadFilter(**{name: choices[name]() for name in names})


def reference(leads: list[Lead], query) -> list[str]:
    rows = sorted(
        (lead for lead in leads if query.matches(lead)),
        key=query.sort_key,
        reverse=not query.ascending,
    )
    return [lead.id for lead in rows[: query.page_size + 1]]


def load(engine, leads: list[Lead]):
    factory = make_session_factory(engine)
    with SqlLeadsUnitOfWork(factory) as uow:
        for lead in leads:
            uow.leads.add(replace(lead))
        uow.commit()
    return lambda: SqlLeadsUnitOfWork(factory)


def compare_pages(make_uow, leads: list[Lead], seed: int, queries: int) -> tuple[int, int]:
    """(pages compared, pages that were not empty)."""
    rng = random.Random(seed)
    compared = nonempty = 0
    for _ in range(queries):
        teams = rng.sample(TEAMS + [QUEUE], rng.randint(1, 3))
        scope = Scope("viewer", {team: TeamRole.EXPERT for team in teams})
        lead_filter = random_filter(rng)
        sort = rng.choice(list(SortField))
        ascending = rng.choice([None, True, False])
        cursor = ""
        for _page in range(4):  # follow the cursor: pages neither skip nor repeat
            query = build_query(
                scope,
                lead_filter,
                sort=sort,
                ascending=ascending,
                page_size=rng.choice([1, 3, 7, 25]),
                cursor=cursor,
            )
            with make_uow() as uow:
                found = [lead.id for lead in uow.leads.search(query)]
            expected = reference(leads, query)
            assert found == expected, (lead_filter, sort, ascending, cursor)
            compared += 1
            nonempty += bool(found)
            if len(found) <= query.page_size:
                break
            cursor = query.cursor_after(
                next(lead for lead in leads if lead.id == found[query.page_size - 1])
            )
    return compared, nonempty


LEADS = [random_lead(random.Random(7), n) for n in range(400)]


@pytest.fixture(scope="module")
def postgres_search(engine):
    return load(engine, LEADS)


def test_postgres_search_equals_the_reference_search(postgres_search):
    compared, nonempty = compare_pages(postgres_search, LEADS, seed=11, queries=250)
    # The random filters must find something often enough for the comparison to mean much.
    assert compared >= 250 and nonempty >= compared // 3, (compared, nonempty)


def test_sqlite_search_equals_the_reference_search(tmp_path):
    url = f"sqlite:///{tmp_path}/leads.db"
    migrate.upgrade(url)
    engine = make_engine(url)
    try:
        compared, nonempty = compare_pages(load(engine, LEADS), LEADS, seed=12, queries=120)
        assert compared >= 120 and nonempty >= compared // 3, (compared, nonempty)
    finally:
        engine.dispose()
