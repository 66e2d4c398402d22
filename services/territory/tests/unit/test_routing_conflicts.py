"""A lead decided by another transaction first (two workers, one lead): the batch is rolled
back, routed again, and the lead counts as a duplicate — no second decision, no second event."""

import pytest

from crm_territory.service_layer import routing
from crm_territory.service_layer.repositories import TransactionConflict

from .conftest import WORKER, lead, rule


def team_with_territory(world):
    unit = world.unit("Sales")
    team = world.team("Reps", unit)
    world.member(team, "rep-1")
    world.member(team, "rep-2")
    line = world.line("SMB", team)
    world.territory("DE", line, team, 1, rule("DE", country=["DE"]))
    return team


def test_a_concurrent_decision_of_the_same_lead_makes_it_a_duplicate(world):
    team_with_territory(world)
    rival = routing.route_leads(world.deps, WORKER, leads=[lead("lead-x", country="DE")])[0]
    stored = world.uow.decisions.rows.pop("lead-x")  # "not yet committed" by the rival
    original_add = type(world.uow.decisions).add
    calls = []

    def add_racing(self, decision):
        calls.append(decision.lead_id)
        if len(calls) == 1:
            # The rival commits first (its row survives our rollback)... and our insert fails.
            world.uow._snapshot["decisions"].rows[stored.lead_id] = stored
            raise TransactionConflict("duplicate key")
        original_add(self, decision)

    type(world.uow.decisions).add = add_racing
    try:
        events_before = len(world.uow.events("lead_routed"))
        again = routing.route_leads(
            world.deps, WORKER, leads=[lead("lead-x", country="DE"), lead("lead-y", country="DE")]
        )
    finally:
        type(world.uow.decisions).add = original_add
    assert again[0].owner_user_id == rival.owner_user_id  # the rival's decision stands
    assert again[1].owner_user_id and again[1].lead_id == "lead-y"
    assert len(world.uow.events("lead_routed")) == events_before + 1  # only lead-y's
    assert world.metrics.duplicates == 1


def test_a_conflict_that_persists_is_raised_after_the_last_attempt(world):
    team_with_territory(world)
    original_add = type(world.uow.decisions).add

    def always_conflict(self, decision):
        raise TransactionConflict("deadlock")

    type(world.uow.decisions).add = always_conflict
    try:
        with pytest.raises(TransactionConflict):
            routing.route_leads(world.deps, WORKER, leads=[lead("lead-z", country="DE")])
    finally:
        type(world.uow.decisions).add = original_add
    assert world.uow.events("lead_routed") == [] and world.metrics.routed == []
