"""Bulk import: column mapping, per-row report, crash mid-import and re-run."""

import pytest

from crm_chassis.errors import PermissionDenied, ValidationErrors
from crm_leads.service_layer.importing import import_rows, plan_import

COLUMNS = ["E-Mail", "First name", "Last name", "Company", "Country", "Phone"]


def rows(*specs):
    """(row number, values) from (email, first, last, company, country, phone) tuples."""
    return [(n, dict(zip(COLUMNS, spec, strict=False))) for n, spec in enumerate(specs, start=1)]


GOOD = [(f"p{n}@acme.example", f"P{n}", f"L{n}", "Acme", "DE", "") for n in range(1, 8)]


def run(world, data, import_id="file-1", batch_size=3, caller=None):
    caller = caller or world.mia
    plan = plan_import(
        caller,
        import_id=import_id,
        column_mapping={},
        columns=COLUMNS,
        default_channel="purchased_list",
        default_sales_line_id=world.line,
    )
    return list(import_rows(world.deps, caller, plan, data, batch_size=batch_size))


def test_aliases_map_common_column_names(world):
    plan = plan_import(world.mia, import_id="f", column_mapping={}, columns=COLUMNS + ["Notes"])
    assert plan.column_mapping["E-Mail"] == "person.email"
    assert plan.column_mapping["Last name"] == "person.last_name"
    assert plan.unmapped_columns == ("Notes",)


def test_bad_mapping_is_refused_before_any_row(world):
    with pytest.raises(ValidationErrors) as caught:
        plan_import(
            world.mia,
            import_id="",
            column_mapping={"A": "person.shoe", "B": "person.email", "C": "person.email"},
            default_channel="pigeon",
        )
    assert {p for p, _ in caught.value.problems} == {"default_channel"}
    with pytest.raises(ValidationErrors) as caught:
        plan_import(
            world.mia,
            import_id="",
            column_mapping={"A": "person.shoe", "B": "person.email", "C": "person.email"},
        )
    found = dict(caught.value.problems)
    assert set(found) == {"import_id", "column_mapping.A", "column_mapping.C"}
    assert "like column 'B'" in found["column_mapping.C"]


def test_only_sales_marketing_and_management_import(world):
    with pytest.raises(PermissionDenied, match="importing leads"):
        plan_import(world.ada, import_id="f", column_mapping={"E-Mail": "person.email"})


def test_valid_rows_are_accepted_and_bad_ones_reported_per_field(world):
    data = rows(
        *GOOD[:3],
        ("not-an-email", "X", "Y", "Acme", "Narnia", ""),
        ("p1@acme.example", "Dup", "Dup", "Other", "DE", ""),
        ("", "", "", "", "", "030 123"),
        GOOD[3],
    )
    reports = run(world, data)
    final = reports[-1]
    assert final.done and (final.rows_read, final.rows_accepted, final.rows_rejected) == (7, 4, 3)
    problems = [(p.row_number, p.field, p.reason) for r in reports for p in r.problems]
    fields = {(row, field) for row, field, _ in problems}
    assert {
        (4, "person.email"),
        (4, "location.country"),
        (5, "person.email"),
        (6, "person.phone"),
    } <= fields
    assert any(row == 5 and "same e-mail" in reason for row, _, reason in problems)
    assert len(world.store.leads) == 4
    assert [a.row_number for r in reports for a in r.accepted] == [1, 2, 3, 7]
    lead = world.store.leads[reports[0].accepted[0].lead_id]
    assert lead.data.source.channel.value == "purchased_list"
    assert lead.data.sales_line_id == world.line


def test_duplicates_within_the_file_are_caught(world):
    reports = run(world, rows(GOOD[0], GOOD[0]), batch_size=10)
    assert reports[-1].rows_accepted == 1 and reports[0].problems[0].row_number == 2


def test_crash_mid_import_loses_no_accepted_row_and_rerun_duplicates_none(world):
    commits = iter([False, True])  # the second batch's commit fails: the database went away
    world.crash_on_commit = lambda: next(commits, False)
    with pytest.raises(ConnectionError):
        run(world, rows(*GOOD), batch_size=3)
    assert len(world.store.leads) == 3  # batch 1 committed, batch 2 rolled back whole
    world.crash_on_commit = None
    reports = run(world, rows(*GOOD), batch_size=3)
    accepted = [a for r in reports for a in r.accepted]
    assert [a.already_imported for a in accepted] == [True] * 3 + [False] * 4
    assert len(world.store.leads) == 7
    # Announced per committed batch (the bulk lane): every lead once, none twice.
    announced = [lead.id for batch in world.events_of("leads_captured") for lead in batch.leads]
    assert sorted(announced) == sorted(world.store.leads)


def test_a_changed_file_under_the_same_import_id_is_refused_row_by_row(world):
    run(world, rows(GOOD[0]))
    changed = rows(("p1@acme.example", "Other", "Name", "Acme", "DE", ""))
    reports = run(world, changed)
    assert "use a new import id" in reports[0].problems[0].reason


def test_a_service_account_imports_only_with_capture_leads(world):
    for caller in (world.bare, world.mailer):
        with pytest.raises(PermissionDenied, match="capture_leads"):
            run(world, rows(GOOD[0]), caller=caller)
        with pytest.raises(PermissionDenied, match="capture_leads"):
            list(import_rows(world.deps, caller, None, rows(GOOD[0])))
    assert not world.store.leads
    assert run(world, rows(GOOD[0]), caller=world.form)[-1].rows_accepted == 1


def test_the_department_refusal_says_who_grants_it(world):
    with pytest.raises(PermissionDenied) as caught:
        run(world, rows(GOOD[0]), caller=world.ada)
    assert "sales or marketing or management" in caught.value.message
    assert "crmctl users departments set" in caught.value.message


def test_a_row_duplicating_a_lead_outside_the_scope_names_nothing(world):
    theirs = world.lead_in(team="team-b", owner="ben", person__email="p1@acme.example")
    for caller in (world.mia, world.ann):
        reports = run(world, rows(GOOD[0]), import_id=f"file-{caller.subject_id}", caller=caller)
        problem = reports[0].problems[0]
        assert "same e-mail" in problem.reason and theirs.id not in problem.reason
    mine = world.lead_in(person__email="p2@acme.example")
    reports = run(world, rows(GOOD[1]), import_id="file-ann-2", caller=world.ann)
    assert mine.id in reports[0].problems[0].reason  # in the caller's scope: named


def test_a_row_imported_before_names_its_lead_only_to_those_who_see_it(world):
    first = run(world, rows(GOOD[0]), caller=world.mia)
    lead_id = first[0].accepted[0].lead_id
    assert lead_id  # the importer learns the id of the lead it created
    from crm_leads.domain.assignment import RoutingDecision
    from crm_leads.service_layer.assignment import apply_routing

    apply_routing(
        world.deps,
        world.routing,
        RoutingDecision("r", lead_id, world.t0, world.line, "team-a", "ann", "test routing"),
    )
    seen = {}
    for caller in (world.ann, world.ben, world.mia):
        accepted = run(world, rows(GOOD[0]), caller=caller)[0].accepted[0]
        assert accepted.already_imported
        seen[caller.subject_id] = accepted.lead_id
    assert seen == {"ann": lead_id, "ben": "", "mia": ""}


def test_rows_without_a_channel_point_to_the_default_channel(world):
    plan = plan_import(
        world.mia,
        import_id="no-channel",
        column_mapping={},
        columns=COLUMNS,
        default_sales_line_id=world.line,
    )
    reports = list(import_rows(world.deps, world.mia, plan, rows(*GOOD[:2])))
    assert reports[-1].rows_accepted == 0 and reports[-1].rows_rejected == 2
    reasons = {p.reason for r in reports for p in r.problems if p.field == "source.channel"}
    assert len(reasons) == 1 and "--channel" in reasons.pop()
    with_channel = run(
        world, rows(("x@acme.example", "X", "Y", "Acme", "DE", "")), import_id="with-channel"
    )
    assert with_channel[-1].rows_accepted == 1
