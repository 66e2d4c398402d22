"""The lead aggregate: lifecycle, history, read-only states, merging; duplicates; conversion saga;
routing outcome; access decisions (domain, no I/O)."""

import datetime as dt

import pytest

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from crm_leads.domain import access, capture, events
from crm_leads.domain.access import Scope, TeamRole
from crm_leads.domain.assignment import (
    Assignment,
    AssignmentMethod,
    RoutingDecision,
    routing_outcome,
)
from crm_leads.domain.conversion import Conversion, ConversionRequest, ConversionState, RetryPolicy
from crm_leads.domain.duplicates import DuplicateKeys, company_key, find_among
from crm_leads.domain.lead import DisqualificationReason, Lead, LeadStatus

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ANN = Actor("ann")


def data(**values):
    raw = {
        "person.first_name": "Jörg",
        "person.last_name": "Müller",
        "company.name": "ACME GmbH",
        "source.channel": "event",
        "person.email": "jm@acme.example",
    }
    raw.update({k.replace("__", "."): v for k, v in values.items()})
    return capture.build({k: v for k, v in raw.items() if v is not None}, now=NOW)


def new_lead(lead_id="L1", **values):
    lead = Lead.capture(lead_id, data(**values), ANN, NOW)
    return lead


def test_capture_records_version_1_history_and_event():
    lead = new_lead()
    assert lead.status is LeadStatus.NEW and lead.version == 1
    entry = lead.new_history[0]
    assert entry.action == "created" and entry.actor == ANN and entry.version == 1
    assert ("person.email", "", "jm@acme.example") in [
        (c.field, c.old, c.new) for c in entry.changes
    ]
    assert isinstance(lead.new_events[0], events.LeadCreated)
    assert lead.new_events[0].lead.version == 1


def test_lifecycle_new_working_qualified():
    lead = new_lead()
    lead.start_working(ANN, NOW, "called")
    lead.qualify(ANN, NOW)
    assert lead.status is LeadStatus.QUALIFIED and lead.version == 3
    assert [type(e).__name__ for e in lead.new_events] == [
        "LeadCreated",
        "LeadStatusChanged",
        "LeadStatusChanged",
        "LeadQualified",
    ]
    assert lead.new_history[1].changes[0].new == "working" and lead.new_history[1].note == "called"


def test_disqualify_needs_a_known_reason_and_a_note_for_other():
    lead = new_lead()
    with pytest.raises(InvalidArgument, match="no_budget"):
        lead.disqualify("too expensive", "", ANN, NOW)
    with pytest.raises(InvalidArgument, match="needs a note"):
        lead.disqualify("other", " ", ANN, NOW)
    lead.disqualify("chose_competitor", "went with X", ANN, NOW)
    assert lead.disqualification_reason is DisqualificationReason.CHOSE_COMPETITOR
    assert isinstance(lead.new_events[-1], events.LeadDisqualified)


def test_reactivation_returns_a_disqualified_lead_to_working():
    lead = new_lead()
    with pytest.raises(FailedPrecondition, match="only a disqualified lead"):
        lead.reactivate(ANN, NOW)
    lead.disqualify(DisqualificationReason.TIMING, "", ANN, NOW)
    lead.reactivate(ANN, NOW, "budget freed")
    assert lead.status is LeadStatus.WORKING and lead.disqualification_reason is None
    assert ("disqualification_reason", "timing", "") in [
        (c.field, c.old, c.new) for c in lead.new_history[-1].changes
    ]


def test_invalid_transitions_say_what_is_allowed():
    lead = new_lead()
    lead.qualify(ANN, NOW)
    with pytest.raises(FailedPrecondition, match="it is qualified, and only a new lead"):
        lead.start_working(ANN, NOW)


def test_update_records_only_real_changes():
    lead = new_lead()
    assert lead.update(lead.data, ANN, NOW) == ()
    changes = lead.update(data(person__title="CTO"), ANN, NOW)
    assert [(c.field, c.old, c.new) for c in changes] == [("person.title", "", "CTO")]
    assert lead.version == 2


def converting_lead():
    lead = new_lead(sales_line_id="line-1")
    lead.assign(Assignment("team-a", "ann", AssignmentMethod.ROUTED), ANN, NOW)
    conversion = Conversion("C1", ConversionRequest(opportunity_name="Deal"), NOW)
    lead.request_conversion(conversion, ANN, NOW)
    lead.conversion_progressed(conversion.dispatch(NOW), ANN, NOW)
    return lead


def test_converting_and_converted_leads_are_read_only():
    lead = converting_lead()
    assert lead.status is LeadStatus.CONVERTING
    with pytest.raises(FailedPrecondition, match="being converted"):
        lead.update(data(person__title="CTO"), ANN, NOW)
    done = lead.conversion.succeeded(
        account_id="acc", contact_id="con", opportunity_id="opp", now=NOW
    )
    lead.conversion_progressed(done, ANN, NOW)
    assert lead.status is LeadStatus.CONVERTED
    for change in (
        lambda: lead.update(data(person__title="CTO"), ANN, NOW),
        lambda: lead.disqualify("spam", "", ANN, NOW),
        lambda: lead.assign(Assignment("team-b"), ANN, NOW),
    ):
        with pytest.raises(FailedPrecondition, match="read-only; change opportunity opp"):
            change()


def test_conversion_needs_team_owner_and_sales_line():
    lead = new_lead()
    with pytest.raises(FailedPrecondition, match="assign it before converting"):
        lead.request_conversion(Conversion("C1", ConversionRequest(), NOW), ANN, NOW)
    lead.assign(Assignment("team-a", "ann", AssignmentMethod.ROUTED), ANN, NOW)
    with pytest.raises(FailedPrecondition, match="no sales line"):
        lead.request_conversion(Conversion("C1", ConversionRequest(), NOW), ANN, NOW)


def test_permanent_conversion_failure_returns_the_lead_to_qualified():
    lead = converting_lead()
    lead.conversion_progressed(
        lead.conversion.failed("account gone", NOW, permanent=True), ANN, NOW
    )
    assert lead.status is LeadStatus.QUALIFIED
    assert lead.conversion.state is ConversionState.FAILED
    assert "account gone" in lead.status_note


def test_saga_retries_with_capped_exponential_backoff():
    policy = RetryPolicy(
        reply_timeout=dt.timedelta(minutes=2),
        first_backoff=dt.timedelta(seconds=30),
        max_backoff=dt.timedelta(minutes=4),
    )
    saga = Conversion("C1", ConversionRequest(), NOW)
    assert saga.is_due(NOW)
    waits = []
    for _ in range(5):
        saga = saga.dispatch(NOW, policy)
        assert saga.state is ConversionState.CONVERTING and not saga.is_due(NOW)
        assert saga.is_due(NOW + dt.timedelta(minutes=2))
        saga = saga.timed_out(NOW, policy)
        waits.append(int((saga.next_attempt_at - NOW).total_seconds()))
    assert waits == [30, 60, 120, 240, 240] and saga.attempts == 5
    assert saga.state is ConversionState.FAILED_RETRYING and "attempt 5" in saga.last_error
    done = saga.succeeded(account_id="a", contact_id="c", opportunity_id="o", now=NOW)
    assert done.state is ConversionState.CONVERTED and not done.pending
    with pytest.raises(FailedPrecondition):
        done.dispatch(NOW)
    with pytest.raises(FailedPrecondition, match="without contact_id"):
        saga.succeeded(account_id="a", contact_id="", opportunity_id="o", now=NOW)


def test_merge_fills_empty_fields_and_keeps_differing_values_in_the_note():
    survivor = new_lead("L1", person__phone="+49301234567")
    duplicate = new_lead(
        "L2", person__email="other@acme.example", person__phone="+4930999999", person__title="CFO"
    )
    survivor.merge_in(duplicate, ANN, NOW)
    assert survivor.data.person.title == "CFO" and survivor.data.person.email == "jm@acme.example"
    assert duplicate.status is LeadStatus.MERGED and duplicate.merged_into == "L1"
    assert survivor.merged_lead_ids == ("L2",)
    note = survivor.new_history[-1].note
    assert "merged lead L2" in note and "person.email=other@acme.example" in note
    assert duplicate.new_history[-1].changes[0].old == "new"
    with pytest.raises(FailedPrecondition, match="merged into lead L1"):
        duplicate.qualify(ANN, NOW)
    with pytest.raises(InvalidArgument):
        survivor.merge_in(survivor, ANN, NOW)


def test_duplicate_keys_ignore_case_accents_and_legal_forms():
    assert company_key("ACME GmbH") == company_key("Acme") == "acme"
    mine = DuplicateKeys.of(data(person__email=None))
    theirs = DuplicateKeys.of(
        data(
            person__first_name="Jorg",
            person__last_name="MULLER",
            company__name="acme",
            person__email="x@y.example",
        )
    )
    assert mine.shared_with(theirs) == ["company_person"]


def test_people_named_in_persian_or_hebrew_script_are_told_apart():
    def keys(first, last, company="شرکت نمونه"):
        return DuplicateKeys.of(
            data(person__first_name=first, person__last_name=last, company__name=company)
        )

    # two colleagues at one company are two people, in either script
    assert keys("علی", "رضایی").company_person != keys("مریم", "احمدی").company_person
    assert keys("דוד", "כהן", "חברה").company_person != keys("שרה", "לוי", "חברה").company_person
    # the same person typed on an Arabic keyboard, with a zero-width non-joiner, or with vowel
    # marks, is the same person
    assert keys("علي", "رضايي").company_person == keys("علی", "رضایی").company_person
    assert keys("عبد\u200cالله", "کریمی").company_person == keys("عبدالله", "كريمي").company_person
    assert keys("דָּוִד", "כהן", "חברה").company_person == keys("דוד", "כהן", "חברה").company_person
    assert company_key("شرکت ۱۲") == company_key("شرکت 12")


def test_only_open_leads_count_as_duplicates():
    existing = new_lead("L1")
    assert [lead.id for lead, _ in find_among(data(), [existing])] == ["L1"]
    existing.status = LeadStatus.CONVERTED
    assert find_among(data(), [existing]) == []


def decision(decision_id="d1", minutes=0, team="team-a", owner="ann"):
    return RoutingDecision(
        decision_id,
        "L1",
        NOW + dt.timedelta(minutes=minutes),
        "line-1",
        team,
        owner,
        "DE, software -> team-a",
    )


def test_routing_applies_once_and_never_over_a_person():
    outcome = routing_outcome(Assignment(), decision(), NOW)
    assert (outcome.team_id, outcome.owner_user_id, outcome.method) == (
        "team-a",
        "ann",
        AssignmentMethod.ROUTED,
    )
    assert routing_outcome(outcome, decision(), NOW) is None  # redelivery
    assert routing_outcome(outcome, decision("d0", minutes=-5), NOW) is None  # older
    assert (
        routing_outcome(outcome, decision("d2", minutes=5, team="team-b"), NOW).team_id == "team-b"
    )
    manual = Assignment("team-a", "bob", AssignmentMethod.MANUAL)
    assert routing_outcome(manual, decision("d3", minutes=9), NOW) is None


def test_unroutable_decision_puts_the_lead_in_the_queue_team_s_view():
    unroutable = RoutingDecision("d1", "L1", NOW, "line-1", "", "x", "no rule", "team-q")
    outcome = routing_outcome(Assignment(), unroutable, NOW)
    assert outcome.method is AssignmentMethod.UNROUTABLE and outcome.in_unassigned_queue
    assert (outcome.owner_user_id, outcome.queue_team_id) == ("", "team-q")
    lead = new_lead()
    lead.assign(outcome, ANN, NOW)
    assert Scope("tia", {"team-q": TeamRole.EXPERT}).can_see(lead)
    assert not MANAGER.can_see(lead)


MEMBER = Scope("ann", {"team-a": TeamRole.EXPERT})
SUPERVISOR = Scope("sue", {"team-a": TeamRole.SUPERVISOR})
MANAGER = Scope("meg", {"team-a": TeamRole.MANAGER})
TEAM_A = frozenset({"ann", "bob"})


def placed(owner="ann"):
    lead = new_lead()
    lead.assign(Assignment("team-a", owner, AssignmentMethod.ROUTED), ANN, NOW)
    return lead


def test_expert_may_claim_an_unowned_lead_but_not_reassign():
    assert (
        access.assignment_method(MEMBER, placed(""), "team-a", "ann", TEAM_A)
        is AssignmentMethod.CLAIMED
    )
    with pytest.raises(PermissionDenied, match="only a supervisor or manager"):
        access.assignment_method(MEMBER, placed("bob"), "team-a", "ann", TEAM_A)


def test_supervisor_reassigns_within_the_team_only_a_manager_transfers():
    assert (
        access.assignment_method(SUPERVISOR, placed(), "team-a", "bob", TEAM_A)
        is AssignmentMethod.MANUAL
    )
    with pytest.raises(PermissionDenied, match="manager role in its current team"):
        access.assignment_method(SUPERVISOR, placed(), "team-b", "ben", frozenset({"ben"}))
    assert (
        access.assignment_method(MANAGER, placed(), "team-b", "ben", frozenset({"ben"}))
        is AssignmentMethod.MANUAL
    )
    with pytest.raises(InvalidArgument, match="no active member or does not exist"):
        access.assignment_method(MANAGER, placed(), "team-x", "", frozenset())


def test_experts_change_only_their_own_leads_leaders_any():
    assert access.require_changeable(MEMBER, placed("ann"), "L1")
    with pytest.raises(PermissionDenied, match="owned by someone else"):
        access.require_changeable(MEMBER, placed("bob"), "L1")
    assert access.require_changeable(SUPERVISOR, placed("bob"), "L1")


def test_owner_must_be_a_member_of_the_target_team():
    with pytest.raises(InvalidArgument, match="not a member of team team-a"):
        access.assignment_method(MANAGER, placed(), "team-a", "zed", TEAM_A)


def test_a_lead_outside_the_scope_is_not_found_like_an_unknown_one():
    lead = placed()
    stranger = Scope("ada")
    with pytest.raises(Exception) as hidden:
        access.require_visible(stranger, lead, "L1")
    with pytest.raises(Exception) as unknown:
        access.require_visible(stranger, None, "L1")
    assert type(hidden.value) is type(unknown.value) and str(hidden.value) == str(unknown.value)


def test_absorbing_a_capture_takes_newly_given_consent_with_its_time():
    lead = new_lead()
    later = NOW.replace(hour=12)
    incoming = capture.build(
        {
            "person.email": "jm@acme.example",
            "source.channel": "web_form",
            "consent.email_marketing": "yes",
            "consent.captured_at": later.isoformat(),
        },
        now=later,
    )
    lead.absorb(incoming, ANN, later, "captured again")
    assert lead.data.consent.email_marketing and lead.data.consent.captured_at == later
    changed = {c.field for c in lead.new_history[-1].changes}
    assert changed == {"consent.email_marketing", "consent.captured_at"}


def test_history_of_a_capture_lists_only_given_values():
    fields = {c.field for c in new_lead().new_history[0].changes}
    assert "consent.email_marketing" not in fields and "person.email" in fields
