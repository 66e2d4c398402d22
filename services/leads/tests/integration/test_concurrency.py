"""Concurrent captures on PostgreSQL: the same idempotency key makes one lead; the same person
under two keys makes one lead and a clean ALREADY_EXISTS (or a merge); the unique index is the
last line of defence when two transactions insert the same person anyway.

Overlap is made certain, not hoped for: the test holds the advisory lock of the key itself, waits
until both captures are blocked on it (pg_stat_activity), then lets them go.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import replace

import pytest
from sqlalchemy import func, select, text

from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists
from crm_leads.adapters import orm
from crm_leads.adapters.locks import lock_key
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.domain.lead import Lead
from crm_leads.entrypoints.worker import ROUTING
from crm_leads.service_layer import assignment, campaigns
from crm_leads.service_layer import leads as lead_cases
from crm_testkit import wait_until

pytestmark = pytest.mark.integration


def waiting_on_advisory_locks(engine) -> int:
    with engine.connect() as connection:  # a fresh transaction each poll
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
            )
        ).scalar_one()


def run_blocked(engine, lock: int, calls) -> list:
    """Run ``calls`` in threads while holding advisory lock ``lock``; release it once all are
    blocked on it; return their results (or exceptions) in order."""
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[index] = exc

    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": lock})
        threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
        for thread in threads:
            thread.start()
        try:
            wait_until(
                lambda: waiting_on_advisory_locks(engine) >= len(calls),
                timeout=10,
                message="the captures never waited for the key's lock",
            )
        finally:
            holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": lock})
            holder.commit()
            for thread in threads:
                thread.join(20)
    return results


def leads_with_email(engine, email: str) -> int:
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(orm.leads).where(orm.leads.c.email == email)
        ).scalar_one()


KINDS = ["line", "no-line", "campaign"]


@pytest.fixture(scope="module")
def campaign_id(deps, h):
    return campaigns.create_campaign(
        deps,
        h.MARKETING,
        {"name": h.unique("Race"), "channel": "event", "starts_on": "2026-04-01", "cost": "1 EUR"},
    ).id


def person(h, kind: str, campaign_id: str = "") -> dict:
    """The capture paths that race here: with a sales line (its models read, then the call,
    in autocommit), without one (the call alone), naming a campaign (checked first: the call
    runs in that transaction and the commit follows it)."""
    values = h.person_values()
    if kind == "no-line":
        del values["sales_line_id"]
    if kind == "campaign":
        values["source.campaign_id"] = campaign_id
    return values


@pytest.mark.parametrize("kind", KINDS)
def test_two_concurrent_captures_with_one_key_make_one_lead(deps, engine, h, kind, campaign_id):
    values, key = person(h, kind, campaign_id), h.unique("key")
    results = run_blocked(
        engine,
        lock_key("idempotency", h.FORM.subject_id, key),
        [lambda: h.capture(deps, key=key, **values)] * 2,
    )
    assert all(not isinstance(result, Exception) for result in results), results
    assert results[0].lead.id == results[1].lead.id
    assert sorted(result.replayed for result in results) == [False, True]
    assert leads_with_email(engine, values["person.email"]) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_two_concurrent_captures_of_one_person_make_one_lead(
    deps, engine, h, grant_scopes, kind, campaign_id
):
    values = person(h, kind, campaign_id)
    email = values["person.email"]
    reject = run_blocked(
        engine,
        lock_key("duplicate", "duplicate_email", email),
        [lambda: h.capture(deps, **values), lambda: h.capture(deps, **values)],
    )
    assert sorted(type(result).__name__ for result in reject) == ["AlreadyExists", "CaptureResult"]
    assert leads_with_email(engine, email) == 1

    # MERGE by a caller who does not see the first lead (the web form): one lead, and the
    # loser is refused like any duplicate outside its scope.
    other = person(h, kind, campaign_id)
    merge = run_blocked(
        engine,
        lock_key("duplicate", "duplicate_email", other["person.email"]),
        [lambda: h.capture(deps, policy=lead_cases.DuplicatePolicy.MERGE, **other)] * 2,
    )
    assert sorted(type(result).__name__ for result in merge) == ["AlreadyExists", "CaptureResult"]
    assert leads_with_email(engine, other["person.email"]) == 1

    # MERGE by a member of the lead's team: both wait for the person's lock, both merge into it.
    team_id, member = h.unique("team"), h.unique("ann")
    grant_scopes(member, {team_id: "expert"})
    caller = Caller(member, departments=frozenset({"sales"}))
    third = person(h, kind, campaign_id)
    lead = h.capture(deps, **third).lead
    assert assignment.apply_routing(
        deps,
        ROUTING,
        RoutingDecision(
            h.unique("decision"),
            lead.id,
            dt.datetime.now(dt.UTC),
            "line-int",
            team_id,
            member,
            "test routing",
        ),
    )
    merge = run_blocked(
        engine,
        lock_key("duplicate", "duplicate_email", third["person.email"]),
        [lambda: h.capture(deps, caller, policy=lead_cases.DuplicatePolicy.MERGE, **third)] * 2,
    )
    assert [(result.lead.id, result.merged) for result in merge] == [(lead.id, True)] * 2
    assert leads_with_email(engine, third["person.email"]) == 1


def test_the_unique_index_refuses_a_second_insert_of_one_person(deps, engine, h):
    """Without the locks (two units of work adding leads directly), the duplicate e-mail index
    still lets only one in, and the loser gets ALREADY_EXISTS rather than an internal error."""
    lead = h.capture(deps).lead
    with deps.uow() as uow:
        uow.leads.get(lead.id)
    email = h.person_values()["person.email"]
    first, second = deps.uow(), deps.uow()
    outcome = {}
    with first:
        first.leads.add(_copy(lead, "a" * 32, email))
        first.leads.flush()  # holds the index entry until commit

        def insert_second():
            with second:
                second.leads.add(_copy(lead, "b" * 32, email))
                try:
                    second.commit()
                except AlreadyExists as exc:
                    outcome["error"] = exc

        thread = threading.Thread(target=insert_second)
        thread.start()
        wait_until(
            lambda: _waiting_on_transactions(engine) >= 1,
            timeout=10,
            message="the second insert never waited for the first",
        )
        first.commit()
        thread.join(20)
    assert "e-mail" in str(outcome["error"])
    assert leads_with_email(engine, email) == 1


def _copy(lead: Lead, lead_id: str, email: str) -> Lead:
    data = replace(
        lead.data, person=replace(lead.data.person, email=email, phone="", last_name=lead_id)
    )
    return replace(lead, id=lead_id, data=data, new_history=[], new_events=[])


def _waiting_on_transactions(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event = 'transactionid'"
            )
        ).scalar_one()


def test_a_capture_refused_by_the_unique_index_falls_back_to_the_duplicate_rule(deps, engine, h):
    """A lead inserted past the advisory locks (a unit of work adding it directly) while the
    one-call capture runs: the function's INSERT waits for it on the e-mail index and fails,
    nothing of the call is kept, and the full path answers the duplicate rule."""
    lead = h.capture(deps).lead
    with deps.uow() as uow:
        uow.leads.get(lead.id)
    values = person(h, "no-line")
    outcome = {}
    with deps.uow() as holder:
        holder.leads.add(_copy(lead, "c" * 32, values["person.email"]))
        holder.leads.flush()  # holds the index entry until commit

        def capture():
            try:
                outcome["result"] = h.capture(deps, **values)
            except AlreadyExists as exc:
                outcome["error"] = exc

        thread = threading.Thread(target=capture)
        thread.start()
        wait_until(
            lambda: _waiting_on_transactions(engine) >= 1,
            timeout=10,
            message="the capture never waited for the other insert",
        )
        holder.commit()
        thread.join(20)
    assert "outside the teams you may see" in str(outcome["error"]), outcome
    assert leads_with_email(engine, values["person.email"]) == 1
