"""Migration import of accounts and contacts: per-row report, bad rows named, re-runs add
nothing, a crash mid-file loses no accepted row, a dry run stores nothing, history keeps the
record's own time and says it was imported."""

import datetime as dt

import pytest

from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_deals.service_layer import migration

ACCOUNTS = [
    {"Id": "SF-1", "Name": "Acme GmbH", "Team": "team-a", "Created": "2019-03-01"},
    {"Id": "SF-2", "Name": "", "Team": "team-a", "Created": "2019-03-02"},  # no name
    {"Id": "SF-3", "Name": "Beta AG", "Team": "team-b", "Created": ""},  # not alice's team
    {"Id": "", "Name": "No id", "Team": "team-a", "Created": ""},
    {"Id": "SF-5", "Name": "Gamma", "Team": "team-a", "Created": "2999-01-01"},  # future
    {"Id": "SF-6", "Name": "Delta", "Team": "team-a", "Created": "2020-06-30T10:00:00+02:00"},
]
MAPPING = {"Id": "external_id", "Name": "name", "Team": "team_id", "Created": "created_at"}


def run(world, rows, kind="accounts", mapping=MAPPING, dry_run=False, batch_size=2):
    plan = migration.plan_import(
        world.alice, world.deps, kind=kind, column_mapping=mapping, dry_run=dry_run
    )
    return list(
        migration.import_rows(
            world.deps, world.alice, plan, enumerate(rows, start=1), batch_size=batch_size
        )
    )


def test_bad_rows_are_reported_with_their_field_and_good_ones_stored(world):
    reports = run(world, ACCOUNTS)
    final = reports[-1]
    assert final.done and (final.rows_read, final.rows_accepted, final.rows_rejected) == (6, 2, 4)
    problems = {(p.row_number, p.field) for r in reports for p in r.problems}
    assert problems == {(2, "name"), (3, "team_id"), (4, "external_id"), (5, "created_at")}
    accepted = {a.row_number: a for r in reports for a in r.accepted}
    acme = world.get("accounts", accepted[1].record_id)
    assert acme.name == "Acme GmbH" and acme.created_at == dt.datetime(2019, 3, 1, tzinfo=dt.UTC)
    delta = world.get("accounts", accepted[6].record_id)
    assert delta.created_at == dt.datetime(2020, 6, 30, 8, 0, tzinfo=dt.UTC)
    created = world.uow.events("account_created")
    assert [e.account.name for e in created] == ["Acme GmbH", "Delta"]
    history = [e for e in world.uow.state.history if e.record_id == acme.id]
    assert (history[0].action, history[0].at) == ("created", acme.created_at)
    assert history[-1].action == "imported" and "SF-1" in history[-1].note


def test_a_rerun_adds_nothing(world):
    run(world, ACCOUNTS)
    accounts, events = len(world.uow.state.table("accounts")), len(world.uow.emitted)
    again = run(world, ACCOUNTS)
    assert len(world.uow.state.table("accounts")) == accounts and len(world.uow.emitted) == events
    assert {a.row_number for r in again for a in r.accepted if a.already_imported} == {1, 6}


def test_a_crash_mid_file_loses_no_accepted_row(world, monkeypatch):
    rows = [
        {"Id": f"X-{i}", "Name": f"Account {i}", "Team": "team-a", "Created": ""}
        for i in range(1, 8)
    ]
    plan = migration.plan_import(world.alice, world.deps, kind="accounts", column_mapping=MAPPING)
    reported = []
    commits = {"n": 0}
    real_commit = type(world.uow).commit

    def commit_then_crash(self):
        commits["n"] += 1
        if commits["n"] == 3:  # the third batch's commit never happens
            raise RuntimeError("process killed")
        real_commit(self)

    monkeypatch.setattr(type(world.uow), "commit", commit_then_crash)
    with pytest.raises(RuntimeError):
        for report in migration.import_rows(
            world.deps, world.alice, plan, enumerate(rows, start=1), batch_size=2
        ):
            reported += report.accepted
    monkeypatch.undo()
    stored = {a.id for a in world.uow.state.table("accounts").values()}
    assert [a.row_number for a in reported] == [1, 2, 3, 4]
    assert {a.record_id for a in reported} <= stored and len(stored) == 4
    # the same file again: the four stay, the other three are added, nothing twice
    final = run(world, rows)[-1]
    assert (final.rows_accepted, len(world.uow.state.table("accounts"))) == (7, 7)


def test_a_dry_run_reports_like_a_real_run_and_stores_nothing(world):
    dry = run(world, ACCOUNTS, dry_run=True)
    assert dry[-1].rows_accepted == 2 and not world.uow.state.table("accounts")
    assert not world.uow.events("account_created") and not world.uow.state.table("import_keys")


def test_contacts_find_their_account_by_its_external_id(world):
    run(world, ACCOUNTS)
    contacts = [
        {"Id": "C-1", "Account": "SF-1", "Last": "Doe", "Email": "jo@acme.example"},
        {"Id": "C-2", "Account": "SF-404", "Last": "Roe", "Email": ""},
        {"Id": "C-3", "Account": "SF-1", "Last": "Poe", "Email": "not-an-address"},
    ]
    mapping = {
        "Id": "external_id",
        "Account": "account_external_id",
        "Last": "last_name",
        "Email": "email",
    }
    reports = run(world, contacts, kind="contacts", mapping=mapping)
    (accepted,) = [a for r in reports for a in r.accepted]
    contact = world.get("contacts", accepted.record_id)
    assert contact.last_name == "Doe" and contact.team_id == "team-a"
    assert {(p.row_number, p.field) for r in reports for p in r.problems} == {
        (2, "account_external_id"),
        (3, "email"),
    }


def test_a_header_with_unknown_fields_or_no_external_id_is_refused_at_once(world):
    with pytest.raises(ValidationErrors) as err:
        migration.plan_import(
            world.alice, world.deps, kind="accounts", column_mapping={"Name": "nom"}
        )
    assert {field for field, _ in err.value.problems} == {"column_mapping[Name]", "column_mapping"}
    with pytest.raises(InvalidArgument, match="cannot be imported"):
        migration.plan_import(world.alice, world.deps, kind="invoices", column_mapping={})


DEALS = [
    {
        "Id": "D-1",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "Won in 2019",
        "Stage": "negotiate",
        "Cur": "EUR",
        "Amount": "12000.00",
        "Status": "won",
        "Closed": "2019-11-15",
        "Created": "2019-06-01",
        "Reason": "",
        "Competitor": "",
    },
    {
        "Id": "D-2",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "Lost in 2018",
        "Stage": "propose",
        "Cur": "EUR",
        "Amount": "5000",
        "Status": "lost",
        "Closed": "2018-02-01",
        "Created": "2017-12-01",
        "Reason": "competitor",
        "Competitor": "Rival Inc",
    },
    {
        "Id": "D-3",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "No close date",
        "Stage": "",
        "Cur": "EUR",
        "Amount": "1",
        "Status": "won",
        "Closed": "",
        "Created": "",
        "Reason": "",
        "Competitor": "",
    },
    {
        "Id": "D-4",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "Bad amount",
        "Stage": "",
        "Cur": "JPY",
        "Amount": "10.5",
        "Status": "open",
        "Closed": "",
        "Created": "",
        "Reason": "",
        "Competitor": "",
    },
    {
        "Id": "D-5",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "Lost, no reason",
        "Stage": "",
        "Cur": "EUR",
        "Amount": "1",
        "Status": "lost",
        "Closed": "2020-01-01",
        "Created": "2019-01-01",
        "Reason": "",
        "Competitor": "",
    },
]
DEAL_MAPPING = {
    "Id": "external_id",
    "Acct": "account_external_id",
    "Line": "sales_line_id",
    "Name": "name",
    "Stage": "stage_key",
    "Cur": "currency",
    "Amount": "amount",
    "Status": "status",
    "Closed": "close_date",
    "Created": "created_at",
    "Reason": "lost_reason",
    "Competitor": "competitor",
}


def test_deals_closed_years_ago_keep_their_dates_stage_amounts_and_reasons(world):
    run(world, ACCOUNTS)
    reports = run(world, DEALS, kind="deals", mapping=DEAL_MAPPING)
    accepted = {a.row_number: a.record_id for r in reports for a in r.accepted}
    assert set(accepted) == {1, 2}
    assert {(p.row_number, p.field) for r in reports for p in r.problems} == {
        (3, "close_date"),
        (4, "amount"),
        (5, "lost_reason"),
    }
    won, lost = world.get("opportunities", accepted[1]), world.get("opportunities", accepted[2])
    assert (won.status, won.stage_key, str(won.actual_revenue)) == (
        "won",
        "negotiate",
        "12000.00 EUR",
    )
    assert won.actual_close_date == dt.date(2019, 11, 15)
    assert won.created_at == dt.datetime(2019, 6, 1, tzinfo=dt.UTC)
    assert (lost.status, lost.lost_reason, lost.lost_competitor) == (
        "lost",
        "competitor",
        "Rival Inc",
    )
    # the events carry the business dates: reporting files them in their own quarters
    (won_event,) = world.uow.events("deal_won")
    assert won_event.deal.actual_close_date == "2019-11-15"
    (lost_event,) = world.uow.events("deal_lost")
    assert lost_event.deal.actual_close_date == "2018-02-01"
    account = world.get("accounts", won.account_id)
    assert account.relationship == "customer"
    assert account.customer_since == dt.datetime(2019, 11, 15, tzinfo=dt.UTC)
    assert not world.uow.events("automation_fired")
    again = run(world, DEALS, kind="deals", mapping=DEAL_MAPPING)
    assert sum(a.already_imported for r in again for a in r.accepted) == 2
    assert len(world.uow.events("deal_won")) == 1


def test_activities_land_on_imported_records_at_their_own_time(world):
    run(world, ACCOUNTS)
    run(world, DEALS, kind="deals", mapping=DEAL_MAPPING)
    rows = [
        {
            "external_id": "A-1",
            "target_type": "deal",
            "target_external_id": "D-1",
            "kind": "call",
            "subject": "kick-off",
            "occurred_at": "2019-06-03T09:30:00+02:00",
            "direction": "outbound",
            "duration_minutes": "30",
        },
        {
            "external_id": "A-2",
            "target_type": "account",
            "target_external_id": "SF-1",
            "kind": "note",
            "subject": "Met at fair",
            "occurred_at": "2018-04-01",
        },
        {
            "external_id": "A-3",
            "target_type": "deal",
            "target_external_id": "D-404",
            "kind": "note",
            "subject": "lost",
            "occurred_at": "",
        },
        {
            "external_id": "A-4",
            "target_type": "account",
            "target_external_id": "SF-1",
            "kind": "call",
            "subject": "long",
            "duration_minutes": "ten",
        },
    ]
    reports = run(world, rows, kind="activities", mapping={k: k for k in rows[0] | rows[3]})
    accepted = {a.row_number: a.record_id for r in reports for a in r.accepted}
    assert set(accepted) == {1, 2}
    assert {(p.row_number, p.field) for r in reports for p in r.problems} == {
        (3, "target_external_id"),
        (4, "duration_minutes"),
    }
    call = world.get("activities", accepted[1])
    assert call.occurred_at == dt.datetime(2019, 6, 3, 7, 30, tzinfo=dt.UTC)
    assert (call.kind, call.duration_minutes, call.target_type) == ("call", 30, "opportunity")
    again = run(world, rows, kind="activities", mapping={k: k for k in rows[0] | rows[3]})
    assert sum(a.already_imported for r in again for a in r.accepted) == 2


def test_a_deal_brings_the_stages_it_went_through_with_their_entered_times(world):
    run(world, ACCOUNTS)
    row = {
        "Id": "D-10",
        "Acct": "SF-1",
        "Line": "line-1",
        "Name": "Walked the pipeline",
        "Cur": "EUR",
        "Amount": "900",
        "Status": "won",
        "Closed": "2019-05-20",
        "Created": "2019-01-02",
        "Stages": "qualify=2019-01-02;propose=2019-02-10;negotiate=2019-04-01T09:30:00+02:00",
    }
    bad = [
        {**row, "Id": "D-11", "Stages": "propose=2018-12-01"},  # before created_at
        {**row, "Id": "D-12", "Stages": "propose=2019-03-01;qualify=2019-02-01"},  # out of order
        {**row, "Id": "D-13", "Stages": "nowhere=2019-03-01"},  # no such stage
        {**row, "Id": "D-14", "Stages": "negotiate=2019-06-01"},  # after the close date
        {**row, "Id": "D-15", "Stages": "propose"},  # no time
        {**row, "Id": "D-16", "Stage": "qualify"},  # stage_key is not the last stage
    ]
    mapping = {**DEAL_MAPPING, "Stages": "stage_history"}
    reports = run(world, [row, *bad], kind="deals", mapping=mapping)
    problems = {(p.row_number, p.field) for r in reports for p in r.problems}
    assert problems == {
        (2, "stage_history"),
        (3, "stage_history"),
        (4, "stage_history"),
        (5, "stage_history"),
        (6, "stage_history"),
        (7, "stage_key"),
    }
    (accepted,) = [a for r in reports for a in r.accepted]
    deal = world.get("opportunities", accepted.record_id)
    assert (deal.stage_key, deal.status) == ("negotiate", "won")
    assert deal.stage_entered_at == dt.datetime(2019, 4, 1, 7, 30, tzinfo=dt.UTC)
    changes = world.uow.events("deal_stage_changed")
    assert [(e.from_stage_key, e.to_stage_key) for e in changes] == [
        ("qualify", "propose"),
        ("propose", "negotiate"),
    ]
    assert changes[0].seconds_in_previous_stage == 39 * 86400
    assert changes[1].deal.stage_entered_at.ToDatetime() == dt.datetime(2019, 4, 1, 7, 30)
    moves = [
        e for e in world.uow.state.history if e.record_id == deal.id and e.action == "stage_changed"
    ]
    assert [e.at.date() for e in moves] == [dt.date(2019, 2, 10), dt.date(2019, 4, 1)]
    assert not world.uow.events("automation_fired")
