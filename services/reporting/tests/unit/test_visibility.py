"""The visibility matrix (territory's view_reports): member, manager above, sibling manager,
administrator in no team; a scope the caller may not report on answers like an unknown id."""

from __future__ import annotations

import pytest
from reporting_events import Deal, at, org, pipeline

from crm_chassis.caller import Caller
from crm_chassis.errors import NotFound, PermissionDenied, Unauthenticated
from crm_reporting.domain.periods import PeriodKind, resolve
from crm_reporting.domain.scope import Scope, ScopeKind
from crm_reporting.service_layer import reports
from crm_reporting.service_layer.consumption import record_event

WORKER = Caller.system("reporting-worker")
JAN = resolve(PeriodKind.MONTH, date="2026-01-10")
SEES, HIDDEN, NO_RIGHT = "sees", NotFound, PermissionDenied

# alice/bob: experts of t1; sam: supervisor of t1; mia: manager of t1; uma: manages unit
# north (t1, t2); sid: manages sibling unit south (t3); ceo: manages hq (every team); tom: expert
# of t2; root: administrator in no team.
MATRIX = {
    Scope(ScopeKind.TEAM, "t1"): {
        "alice": NO_RIGHT,
        "sam": SEES,
        "mia": SEES,
        "uma": SEES,
        "sid": HIDDEN,
        "ceo": SEES,
        "tom": NO_RIGHT,
        "root": NO_RIGHT,
    },
    Scope(ScopeKind.UNIT, "north"): {
        "alice": NO_RIGHT,
        "sam": HIDDEN,
        "mia": HIDDEN,
        "uma": SEES,
        "sid": HIDDEN,
        "ceo": SEES,
        "root": NO_RIGHT,
    },
    Scope(ScopeKind.COMPANY): {
        "sam": NO_RIGHT,
        "uma": NO_RIGHT,
        "sid": NO_RIGHT,
        "ceo": SEES,
        "root": NO_RIGHT,
    },
    Scope(ScopeKind.PERSON, "alice"): {
        "alice": SEES,
        "bob": NO_RIGHT,
        "sam": SEES,
        "mia": SEES,
        "uma": SEES,
        "sid": HIDDEN,
        "ceo": SEES,
        "root": NO_RIGHT,
    },
    Scope(ScopeKind.SALES_LINE, "line-1"): {
        "alice": NO_RIGHT,
        "sam": SEES,
        "sid": SEES,
        "root": NO_RIGHT,
    },
}
CASES = [(scope, user, outcome) for scope, row in MATRIX.items() for user, outcome in row.items()]


@pytest.fixture
def deps(world):
    deal = Deal("d1")
    for event in [*org(), pipeline(), deal.created(at("2026-01-05")), deal.won(at("2026-01-20"))]:
        record_event(world.deps, WORKER, event=event)
    return world.deps


@pytest.mark.parametrize(
    "scope, user, outcome", CASES, ids=lambda v: getattr(v, "id", None) or str(v)
)
def test_visibility_matrix(deps, scope, user, outcome):
    caller = Caller(subject_id=user, roles=frozenset({"admin"}) if user == "root" else frozenset())
    if outcome == SEES:
        rate = reports.win_rate_report(deps, caller, scope=scope, period=JAN)
        # the sibling manager sees line-1's deals of their own teams only: none
        assert rate.won == (0 if user == "sid" else 1)
    else:
        with pytest.raises(outcome):
            reports.win_rate_report(deps, caller, scope=scope, period=JAN)


def test_hidden_and_unknown_ids_answer_alike(deps):
    sid = Caller(subject_id="sid")
    for kind, hidden, unknown in [
        (ScopeKind.TEAM, "t1", "zz"),
        (ScopeKind.UNIT, "north", "zz"),
        (ScopeKind.PERSON, "alice", "zz"),
    ]:
        with pytest.raises(NotFound) as seen:
            reports.win_rate_report(deps, sid, scope=Scope(kind, hidden), period=JAN)
        with pytest.raises(NotFound) as missing:
            reports.win_rate_report(deps, sid, scope=Scope(kind, unknown), period=JAN)
        assert str(seen.value).replace(hidden, "?") == str(missing.value).replace(unknown, "?")


def test_services_and_anonymous_callers_see_nothing(deps):
    with pytest.raises(PermissionDenied):
        reports.win_rate_report(
            deps,
            Caller(subject_id="svc", kind="service"),
            scope=Scope(ScopeKind.TEAM, "t1"),
            period=JAN,
        )
    with pytest.raises(Unauthenticated):
        reports.win_rate_report(deps, None, scope=Scope(ScopeKind.TEAM, "t1"), period=JAN)


def test_an_expert_sees_only_their_own_figures(deps, world):
    alice = Caller(subject_id="alice")
    assert (
        reports.win_rate_report(deps, alice, scope=Scope(ScopeKind.PERSON, "alice"), period=JAN).won
        == 1
    )
    bob = Caller(subject_id="bob")
    assert (
        reports.win_rate_report(deps, bob, scope=Scope(ScopeKind.PERSON, "bob"), period=JAN).won
        == 0
    )
