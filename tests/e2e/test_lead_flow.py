"""End to end over the real processes of identity, territory and leads (api, worker and relay
each, on PostgreSQL and RabbitMQ): a lead captured by a web form is routed by territory's rules
to a team and an owner the moment it arrives; only that team and the managers above it see it,
never an administrator who is not a member; moving the owner to another team ends their access
and hands the lead to a remaining member, with the history kept. The processes export their
spans to a local OTLP/HTTP collector (crm_testkit.otlp): one lead's capture -> route -> assign
is one trace across three processes."""

from __future__ import annotations

import os

import grpc
import pytest
from e2e_platform import As, Stubs, german_line, small_company, unique, visible_lead, web_form_lead
from sqlalchemy import create_engine, text

from crm.leads.v1 import events_pb2 as leads_events
from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import teams_pb2
from crm_chassis import events as wire
from crm_devrun.bed import PlatformBed
from crm_testkit.otlp import OtlpCollector

pytestmark = pytest.mark.integration
NOT_FOUND = grpc.StatusCode.NOT_FOUND


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    # Every process exports its spans to a local collector (test_lead_trace.py reads them).
    with OtlpCollector() as collector:
        env = {"CRM_OTLP_ENDPOINT": collector.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"}
        with PlatformBed(
            ["identity", "territory", "leads"], tmp_path_factory.mktemp("bed"), env=env
        ) as bed:
            stubs = Stubs(bed)
            admin = As(bed.admin_token())
            company = small_company(bed, stubs, admin)
            line = german_line(stubs, admin, company)
            yield dict(bed=bed, stubs=stubs, admin=admin, line=line, collector=collector, **company)


def routed(platform, person: As, lead_id: str):
    return visible_lead(platform["stubs"], person, lead_id)


def test_a_new_lead_is_routed_and_quarantined_to_its_team(platform):
    stubs, people, bed = platform["stubs"], platform["people"], platform["bed"]
    form = platform["admin"]  # an administrator captures (like a web form's service account)
    created = form(stubs.leads.CreateLead, web_form_lead(platform["line"].id))
    lead_id = created.lead.id
    lead = bed.wait_for(
        lambda: routed(platform, people["sue"], lead_id),
        60,
        "the lead was not routed to Berlin with an owner",
    )
    berlin = {people[n].user_id for n in ("ann", "bob", "sue")}
    assert lead.assignment.team_id == platform["berlin"].id
    assert lead.assignment.owner_user_id in berlin and lead.assignment.explanation
    assert lead.score.grade != lead_pb2.GRADE_UNSPECIFIED  # scored on arrival too
    # Visible to the team and the manager above; not to the admin nor to another team.
    for name in ("ann", "bob", "dee"):
        bed.wait_for(
            lambda: routed(platform, people[name], lead_id),  # noqa: B023
            30,
            f"{name} cannot see the team's lead",
        )
    assert form.code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND
    assert people["cid"].code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND


def test_moving_the_owner_revokes_access_and_hands_the_lead_over(platform):
    stubs, people, bed, admin = (
        platform["stubs"],
        platform["people"],
        platform["bed"],
        platform["admin"],
    )
    created = admin(stubs.leads.CreateLead, web_form_lead(platform["line"].id))
    lead_id = created.lead.id
    lead = bed.wait_for(lambda: routed(platform, people["sue"], lead_id), 60, "not routed")
    owner_id = lead.assignment.owner_user_id
    owner = next(p for p in people.values() if p.user_id == owner_id)
    bed.wait_for(lambda: routed(platform, owner, lead_id), 30, "the owner cannot see the lead")
    # A teammate covers for the owner: the actor is recorded.
    teammate = next(people[n] for n in ("ann", "bob", "sue") if people[n].user_id != owner_id)
    teammate(
        stubs.leads.RecordLeadActivity,
        ls.RecordLeadActivityRequest(
            activity=lead_pb2.LeadActivity(
                id=unique("visit"), lead_id=lead_id, kind=lead_pb2.ACTIVITY_KIND_PAGE_VISITED
            )
        ),
    )
    admin(
        stubs.members.MoveMember,
        teams_pb2.MoveMemberRequest(
            user_id=owner_id,
            from_team_id=platform["berlin"].id,
            to_team_id=platform["munich"].id,
            role=teams_pb2.TEAM_ROLE_EXPERT,
        ),
    )
    bed.wait_for(
        lambda: owner.code(stubs.leads.GetLead, ls.GetLeadRequest(lead_id=lead_id)) == NOT_FOUND,
        30,
        "the moved owner still sees the old team's lead",
    )
    remaining = {people[n].user_id for n in ("ann", "bob", "sue")} - {owner_id}
    handed = bed.wait_for(
        lambda: (
            lambda lead: lead if lead and lead.assignment.owner_user_id in remaining else None
        )(routed(platform, people["sue"], lead_id)),
        60,
        "the leaver's lead was not handed to a remaining member",
    )
    assert handed.assignment.team_id == platform["berlin"].id
    history = people["sue"](
        stubs.leads.GetLeadHistory, ls.GetLeadHistoryRequest(lead_id=lead_id)
    ).entries
    steps = [
        (entry.action, {c.field: (c.old_value, c.new_value) for c in entry.changes})
        for entry in history
    ]
    assert [action for action, _ in steps] == ["created", "assigned", "assigned"]
    # What the leaver was given stays in the history, attributed as it happened.
    assert steps[1][1]["assignment.owner_user_id"] == ("", owner_id)
    assert steps[2][1]["assignment.owner_user_id"] == (owner_id, handed.assignment.owner_user_id)
    assert steps[2][1]["assignment.method"] == ("routed", "handover")


CREATE_LEAD = "/crm.leads.v1.LeadService/CreateLead"


def test_capture_route_assign_is_one_trace_across_three_processes(platform):
    """leads' api serves CreateLead and writes lead_created; leads' relay publishes it;
    territory's worker routes the lead and writes lead_routed; territory's relay publishes it;
    leads' worker applies the assignment. Each hop's span is a child of the one that caused it."""
    stubs, bed, collector = platform["stubs"], platform["bed"], platform["collector"]
    trace_id, caller_span = os.urandom(16).hex(), os.urandom(8).hex()
    token = platform["admin"].token
    created = stubs.leads.CreateLead(
        web_form_lead(platform["line"].id),
        metadata=(
            ("authorization", f"Bearer {token}"),
            ("traceparent", f"00-{trace_id}-{caller_span}-01"),
        ),
        timeout=15,
    )
    bed.wait_for(
        lambda: routed(platform, platform["people"]["sue"], created.lead.id), 60, "not routed"
    )

    def one(trace, name, service, process):
        found = [
            s for s in trace.values() if (s.name, s.service, s.process) == (name, service, process)
        ]
        return found[0] if len(found) == 1 else None

    def complete():
        trace = {s.span_id: s for s in collector.spans() if s.trace_id == trace_id}
        hops = {
            "capture": one(trace, CREATE_LEAD, "leads", "api"),
            "created": one(trace, "lead_created create", "leads", "api"),
            "published": one(trace, "lead_created publish", "leads", "relay"),
            "route": one(trace, "lead_created process", "territory", "worker"),
            "routed": one(trace, "lead_routed create", "territory", "worker"),
            "relayed": one(trace, "lead_routed publish", "territory", "relay"),
            "assign": one(trace, "lead_routed process", "leads", "worker"),
        }
        return (trace, hops) if all(hops.values()) else None

    trace, hops = bed.wait_for(complete, 30, "the lead's trace did not arrive whole")

    def ancestors(span):
        chain, parent = [], span.parent_span_id
        while parent in trace:
            chain.append(parent)
            parent = trace[parent].parent_span_id
        return chain

    assert hops["capture"].parent_span_id == caller_span  # continues the caller's trace
    assert hops["capture"].span_id in ancestors(hops["created"])  # via its transaction
    assert hops["published"].parent_span_id == hops["created"].span_id
    assert hops["route"].parent_span_id == hops["created"].span_id
    assert hops["route"].span_id in ancestors(hops["routed"])
    assert hops["relayed"].parent_span_id == hops["routed"].span_id
    assert hops["assign"].parent_span_id == hops["routed"].span_id
    # Three processes: the capture, the routing and the assignment.
    assert len({hops[name].pid for name in ("capture", "route", "assign")}) == 3
    # Each unit of work is a span of its own: the capture's and both consumers' transactions.
    transactions = [s for s in trace.values() if s.name.endswith(" transaction")]
    assert {(s.service, s.process) for s in transactions} >= {
        ("leads", "api"),
        ("territory", "worker"),
        ("leads", "worker"),
    }
    assert not [s.name for s in trace.values() if s.error]


def test_an_import_travels_as_batches_and_every_lead_gets_an_owner(platform):
    """The bulk lane across the real processes: leads announces each import batch as one
    leads_captured, territory answers each with one leads_routed, leads' worker sets the owners
    and announces them in leads_assigned batches; no per-lead lead_created, lead_routed or
    lead_assigned is published for the imported leads."""
    stubs, people, bed = platform["stubs"], platform["people"], platform["bed"]
    tag = unique("bulk")
    columns = ["E-Mail", "Last name", "Company", "Country"]

    def requests():
        yield ls.ImportLeadsRequest(
            header=ls.ImportHeader(
                import_id=tag,
                columns=columns,
                default_sales_line_id=platform["line"].id,
                default_channel=lead_pb2.CHANNEL_PURCHASED_LIST,
            )
        )
        for n in range(1, 451):
            values = [f"row{n}.{tag}@import.example", f"Bulk{n}{tag}", f"Bulk {tag} {n}", "DE"]
            yield ls.ImportLeadsRequest(
                row=ls.ImportRow(row_number=n, values=dict(zip(columns, values, strict=True)))
            )

    answers = list(people["sue"](stubs.leads.ImportLeads, requests(), timeout=300))
    assert answers[-1].done and answers[-1].rows_accepted == 450
    leads_db = create_engine(bed.database_urls["leads"])
    territory_db = create_engine(bed.database_urls["territory"])

    def one(engine, sql, **params):
        with engine.connect() as connection:
            return connection.execute(text(sql), params).one()

    try:
        bed.wait_for(
            lambda: (
                one(
                    leads_db,
                    "SELECT count(owner_user_id) FROM leads WHERE email LIKE :p",
                    p=f"row%.{tag}@import.example",
                )[0]
                == 450
            ),
            120,
            "the imported leads did not all get an owner",
        )
        batches, per_lead = one(
            leads_db,
            "SELECT count(*) FILTER (WHERE event_type = 'leads_captured'), "
            "count(*) FILTER (WHERE event_type = 'lead_created') FROM outbox WHERE payload LIKE :t",
            t=f"%{tag}%",
        )
        assert (batches, per_lead) == (3, 0)  # 450 rows in batches of 200, no lead_created
        (answered,) = one(
            territory_db, "SELECT count(*) FROM outbox WHERE event_type = 'leads_routed'"
        )
        assert answered >= 3
        # The assignments go out per applied batch: one leads_assigned names each imported lead
        # once, and none of them has a lead_assigned of its own.
        (per_lead_assigned,) = one(
            leads_db,
            "SELECT count(*) FROM outbox WHERE event_type = 'lead_assigned' AND aggregate_id IN "
            "(SELECT id FROM leads WHERE email LIKE :p)",
            p=f"row%.{tag}@import.example",
        )
        assert per_lead_assigned == 0
        with leads_db.connect() as connection:
            ids = set(
                connection.execute(
                    text("SELECT id FROM leads WHERE email LIKE :p"),
                    {"p": f"row%.{tag}@import.example"},
                ).scalars()
            )
            bodies = connection.execute(
                text("SELECT payload FROM outbox WHERE event_type = 'leads_assigned'")
            ).scalars()
            announced = [
                item.lead_id
                for body in bodies
                for item in wire.decode(body, leads_events.LeadsAssigned).assigned
                if item.lead_id in ids
            ]
        assert sorted(announced) == sorted(ids)
    finally:
        leads_db.dispose()
        territory_db.dispose()
