"""What a capture sends to PostgreSQL and which locks reads take.

* a new lead with a sales line: its models read, then ``leads_capture_new``, all in autocommit
  (without a line: one call, test_capture_round_trips.py); with a campaign, in a transaction;
* a replayed capture: the locks and the lookup, no write, no commit;
* reads (GetLead, history, activities, score explanation) take no row lock: a transaction
  holding the lead's row lock does not hold them up, while a change waits for it;
* an import batch looks its rows up in one statement, serialises each lead once and sends one
  INSERT per table;
* a batch of routing decisions is one UPDATE of the columns they change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import threading

import pytest
from sqlalchemy import event, func, select, text

from crm_chassis.caller import Caller
from crm_leads.adapters import lead_rows, orm, repositories
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.service_layer import (
    activities,
    assignment,
    campaigns,
    history,
    importing,
    lifecycle,
    scoring,
)
from crm_leads.service_layer import leads as lead_cases
from crm_testkit import wait_until

pytestmark = pytest.mark.integration

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


@contextlib.contextmanager
def recorded(engine):
    """The SQL statements and commits the engine sends while the block runs."""
    seen = {"statements": [], "commits": 0}

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        seen["statements"].append(" ".join(statement.split()))

    def on_commit(conn):
        seen["commits"] += 1

    event.listen(engine, "before_cursor_execute", on_statement)
    event.listen(engine, "commit", on_commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        event.remove(engine, "commit", on_commit)


def counts(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (orm.leads, orm.lead_history, orm.outbox, orm.idempotency_keys)
        )


def leads_statements(seen) -> list[str]:
    """Without the access replica's reads (the chassis' scope cache, staleness 0 in tests)."""
    return [s for s in seen["statements"] if "access_version" not in s]


def test_a_new_lead_with_a_sales_line_reads_its_models_then_captures_without_a_transaction(
    deps, engine, h
):
    """Without a sales line a capture is one call (test_capture_round_trips.py); with one,
    the line's scoring and predictive models are read first, in autocommit as the call."""
    h.capture(deps, **h.person_values())
    before = counts(engine)
    with recorded(engine) as seen:
        result = h.capture(deps, **h.person_values())
    assert not result.replayed
    statements = leads_statements(seen)
    assert len(statements) == 3, statements
    assert "FROM scoring_models" in statements[0] and "FROM predictive_models" in statements[1]
    assert statements[2].startswith("SELECT leads_capture_new(")
    assert seen["commits"] == 0  # the call committed by itself
    lead, history, outbox, keys = (
        after - then for after, then in zip(counts(engine), before, strict=True)
    )
    assert (lead, history, outbox, keys) == (1, 1, 2, 1)


def test_a_capture_naming_a_campaign_calls_the_function_in_its_transaction(deps, engine, h):
    """The campaign is checked first, which begins the transaction: the call joins it."""
    campaign = campaigns.create_campaign(
        deps,
        h.MARKETING,
        {"name": h.unique("Fair"), "channel": "event", "starts_on": "2026-04-01", "cost": "1 EUR"},
    )
    values = h.person_values(**{"source.campaign_id": campaign.id})
    before = counts(engine)
    with recorded(engine) as seen:
        assert not h.capture(deps, **values).replayed
    statements = leads_statements(seen)
    assert "FROM campaigns" in statements[0]
    assert statements[-1].startswith("SELECT leads_capture_new(")
    assert seen["commits"] == 1
    assert tuple(a - b for a, b in zip(counts(engine), before, strict=True)) == (1, 1, 2, 1)


def test_a_replayed_capture_writes_and_commits_nothing(deps, engine, h):
    values, key = h.person_values(), h.unique("key")
    first = h.capture(deps, key=key, **values)
    before = counts(engine)
    with recorded(engine) as seen:
        again = h.capture(deps, key=key, **values)
    assert again.replayed and again.lead.id == first.lead.id
    assert again.lead.version == first.lead.version
    assert not [s for s in seen["statements"] if s.startswith(WRITES)], seen["statements"]
    assert not [s for s in seen["statements"] if "FOR UPDATE" in s], seen["statements"]
    assert seen["commits"] == 0
    assert counts(engine) == before


@pytest.fixture
def visible_lead(deps, grant_scopes, h):
    team, user = h.unique("team"), h.unique("rep")
    grant_scopes(user, {team: "expert"})
    caller = Caller(user, departments=frozenset({"sales"}), display_name="Rep")
    lead = h.capture(deps, caller).lead
    with deps.uow() as uow:  # placed in the caller's team, as a routing decision would
        placed = uow.leads.get(lead.id)
        placed.assignment = dataclasses.replace(placed.assignment, team_id=team)
        uow.commit()
    return caller, lead.id


@contextlib.contextmanager
def row_locked(engine, lead_id: str):
    """Another transaction holding the lead's row lock (SELECT ... FOR UPDATE) meanwhile."""
    with engine.connect() as holder:
        holder.execute(text("SELECT id FROM leads WHERE id = :id FOR UPDATE"), {"id": lead_id})
        try:
            yield
        finally:
            holder.rollback()


def run_in_thread(call) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def waiting_on_row_locks(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND wait_event IN ('tuple', 'transactionid')"
            )
        ).scalar_one()


READS = {
    "GetLead": lambda deps, caller, lead_id: lead_cases.get_lead(deps, caller, lead_id),
    "GetLeadHistory": lambda deps, caller, lead_id: history.lead_history(deps, caller, lead_id),
    "ListLeadActivities": lambda deps, caller, lead_id: activities.list_activities(
        deps, caller, lead_id
    ),
    "ExplainLeadScore": lambda deps, caller, lead_id: scoring.explain_lead_score(
        deps, caller, lead_id
    ),
}


@pytest.mark.parametrize("read", sorted(READS))
def test_a_read_does_not_wait_for_a_row_lock(deps, engine, visible_lead, read):
    caller, lead_id = visible_lead
    with row_locked(engine, lead_id):
        thread, outcome = run_in_thread(lambda: READS[read](deps, caller, lead_id))
        # A read taking the row lock would wait here until the holder lets go (after this).
        thread.join(20)
        assert not thread.is_alive(), f"{read} waited for the row lock"
    assert "error" not in outcome, outcome


def test_a_change_still_waits_for_the_row_lock(deps, engine, visible_lead):
    caller, lead_id = visible_lead
    with row_locked(engine, lead_id):
        thread, outcome = run_in_thread(
            lambda: lifecycle.start_working(deps, caller, lead_id, note="called")
        )
        wait_until(
            lambda: waiting_on_row_locks(engine) >= 1,
            timeout=10,
            message="the change never waited for the lead's row lock",
        )
    thread.join(20)
    assert "error" not in outcome, outcome


def test_an_import_batch_looks_up_once_serialises_each_lead_once_inserts_once_per_table(
    deps, engine, h, monkeypatch
):
    serialised = []
    real_lead_row = repositories.lead_row
    monkeypatch.setattr(
        repositories,
        "lead_row",
        lambda lead, *keys: serialised.append(lead.id) or real_lead_row(lead, *keys),
    )
    tag = h.unique("imp")
    plan = importing.plan_import(
        h.MARKETING,
        import_id=tag,
        column_mapping={},
        columns=["E-Mail", "Last name", "Company"],
        default_channel="purchased_list",
    )
    rows = [
        (
            i,
            {
                "E-Mail": f"row{i}.{tag}@import.example",
                "Last name": f"Row{i}",
                "Company": f"Firm {tag} {i}",
            },
        )
        for i in range(1, 41)
    ]
    rows.append(
        (41, {"E-Mail": f"row1.{tag}@import.example", "Last name": "Again", "Company": "Other"})
    )  # a duplicate of row 1 in the same batch
    with recorded(engine) as seen:
        reports = list(importing.import_rows(deps, h.MARKETING, plan, rows, batch_size=50))
    summary = reports[-1]
    assert (summary.rows_accepted, summary.rows_rejected) == (40, 1)
    assert [problem.row_number for problem in reports[0].problems] == [41]
    assert len(serialised) == len(set(serialised)) == 40
    lookups = [
        s for s in seen["statements"] if s.startswith("SELECT") and "lead_idempotency_keys" in s
    ]
    assert len(lookups) == 1, lookups  # the whole batch's keys and duplicates at once
    inserts = [s for s in seen["statements"] if s.startswith("INSERT")]
    assert sorted(s.split()[2] for s in inserts) == sorted(
        ["leads", "lead_history", "outbox", "lead_idempotency_keys"]
    )

    serialised.clear()
    with recorded(engine) as seen:
        rerun = list(importing.import_rows(deps, h.MARKETING, plan, rows[:40], batch_size=50))
    assert all(row.already_imported for row in rerun[0].accepted)
    assert not [s for s in seen["statements"] if s.startswith(WRITES)]


def test_a_batch_of_routing_decisions_updates_only_the_assignment_in_one_statement(
    deps, engine, h, monkeypatch
):
    """Applying territory's leads_routed writes the columns the decision changed, one UPDATE for
    the batch, without serialising the rest of each lead; what is read back is what was set."""
    leads = [h.capture(deps).lead for _ in range(3)]
    serialised = []
    real_lead_row = repositories.lead_row
    monkeypatch.setattr(
        repositories,
        "lead_row",
        lambda lead, *keys: serialised.append(lead.id) or real_lead_row(lead, *keys),
    )
    now = dt.datetime.now(dt.UTC)
    decisions = [
        RoutingDecision(f"d-{lead.id}", lead.id, now, "line-int", "team-a", "ann", "rule x", "")
        for lead in leads
    ]
    with recorded(engine) as seen:
        assert assignment.apply_routings(deps, Caller.system("territory-routing"), decisions) == 3
    assert serialised == []
    updates = [s for s in seen["statements"] if s.startswith("UPDATE leads ")]
    assert len(updates) == 1, updates
    assert "FROM (VALUES" in updates[0]  # the batch's rows in the statement, one plan
    set_part = updates[0].split(" SET ", 1)[1].split(" FROM (VALUES ", 1)[0]
    set_columns = set(re.findall(r"(\w+) = CAST\(", set_part))
    assert set_columns == {
        "version",
        "updated_at",
        "team_id",
        "owner_user_id",
        "scope_team_id",
        "assignment_method",
        "assignment_explanation",
        "assigned_at",
        "routing_decision_id",
        "routing_decided_at",
    }
    with engine.connect() as connection:
        stored = connection.execute(
            select(orm.leads).where(orm.leads.c.id.in_([lead.id for lead in leads]))
        ).all()
    by_id = {row.id: row for row in stored}
    for lead in leads:
        got = by_id[lead.id]
        assert (got.team_id, got.owner_user_id, got.routing_decision_id) == (
            "team-a",
            "ann",
            f"d-{lead.id}",
        )
        assert got.version == lead.version + 1 and got.email == lead.data.person.email
    with recorded(engine) as seen:  # redelivered: nothing changes twice
        assert assignment.apply_routings(deps, Caller.system("territory-routing"), decisions) == 0
    assert not [s for s in seen["statements"] if s.startswith(WRITES)]


def test_a_batch_of_routing_decisions_reads_the_assignment_and_a_changed_line_reads_whole(
    deps, engine, h
):
    """The batch reads its leads' assignment columns only; a decision moving a lead to another
    sales line reads that lead whole before changing its data, so no column is lost."""
    kept, moved = h.capture(deps).lead, h.capture(deps).lead
    now = dt.datetime.now(dt.UTC)
    decisions = [
        RoutingDecision(f"d-{kept.id}", kept.id, now, "line-int", "team-a", "ann", "rule x", ""),
        RoutingDecision(
            f"d-{moved.id}", moved.id, now, "line-other", "team-a", "ann", "rule y", ""
        ),
    ]
    with recorded(engine) as seen:
        assert assignment.apply_routings(deps, Caller.system("territory-routing"), decisions) == 2
    reads = [s for s in seen["statements"] if s.startswith("SELECT") and "FROM leads" in s]
    assert "score_document" not in reads[0] and "team_id" in reads[0], reads
    assert len([s for s in reads if "score_document" in s]) == 1  # the moved lead, whole
    with engine.connect() as connection:
        stored = {
            row.id: row
            for row in connection.execute(
                select(orm.leads).where(orm.leads.c.id.in_([kept.id, moved.id]))
            )
        }
    for lead, line in ((kept, "line-int"), (moved, "line-other")):
        row = stored[lead.id]
        assert (row.sales_line_id, row.team_id, row.owner_user_id) == (line, "team-a", "ann")
        assert (row.email, row.last_name, row.company_name) == (
            lead.data.person.email,
            lead.data.person.last_name,
            lead.data.company.name,
        )
        assert row.score_document is not None and row.search_text == lead_rows.search_text(
            lead.data
        )


def test_a_lead_read_for_its_assignment_refuses_other_changes_until_read_whole(deps, h):
    lead_id = h.capture(deps).lead.id
    with deps.uow() as uow:
        uow.leads.prefetch([lead_id], assignment_only=True)
        partial = uow.leads.get(lead_id)
        assert partial is not None and partial.data.person.email == ""  # not read
        partial.data = dataclasses.replace(partial.data, sales_line_id="line-other")
        with pytest.raises(RuntimeError, match="read it whole first"):
            uow.commit()
    with deps.uow() as uow:
        uow.leads.prefetch([lead_id], assignment_only=True)
        lead = uow.leads.get(lead_id)
        assert lead is not None
        uow.leads.read_whole(lead)
        assert lead.data.person.email.endswith("@acme.example")
        lead.data = dataclasses.replace(lead.data, sales_line_id="line-other")
        uow.commit()
    with deps.uow() as uow:
        stored = uow.leads.get(lead_id, for_update=False)
        assert stored is not None and stored.data.sales_line_id == "line-other"
        assert stored.data.person.email.endswith("@acme.example")


def test_a_captured_lead_is_scored_without_reading_activities_or_interactions(deps, engine, h):
    """A lead made by this capture has none yet: under a model with engagement and interaction
    rules, neither CreateLead nor an import row asks for them; a later rescore does."""
    line = h.unique("line-rules")
    scoring.update_scoring_model(
        deps,
        h.MARKETING,
        line,
        fit_rules=[],
        engagement_rules=[
            {"kind": "demo_requested", "points": 40, "half_life_days": "7", "max_points": 60}
        ],
        interaction_rules=[
            {
                "kind": "call",
                "outcome": "connected",
                "points": 15,
                "half_life_days": "14",
                "max_points": 30,
            }
        ],
    )
    tag = h.unique("imp")
    plan = importing.plan_import(
        h.MARKETING,
        import_id=tag,
        column_mapping={"E-Mail": "person.email"},
        default_channel="event",
        default_sales_line_id=line,
    )
    rows = [(1, {"E-Mail": f"{tag}@rules.example"})]
    with recorded(engine) as seen:
        lead = h.capture(deps, **h.person_values(sales_line_id=line)).lead
        reports = list(importing.import_rows(deps, h.MARKETING, plan, rows))
    assert reports[0].rows_accepted == 1, reports[0].problems
    assert not [s for s in seen["statements"] if "lead_activities" in s or "lead_interactions" in s]
    with recorded(engine) as seen, deps.uow() as uow:
        stored = uow.leads.get(lead.id)
        assert stored is not None
        scoring.rescore(uow, stored, dt.datetime.now(dt.UTC))
    assert [s for s in seen["statements"] if "lead_activities" in s]
    assert [s for s in seen["statements"] if "lead_interactions" in s]
