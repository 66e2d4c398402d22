"""The common capture in one step (``uow.capture_new``) and the fallback to the full path,
on fakes: the reference unit of work looks up, then writes and commits; the use case takes
the full path (key first) whenever the key, a duplicate or an unknown campaign is found."""

import pytest

from crm_chassis.errors import AlreadyExists, InvalidArgument, ValidationErrors
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.service_layer.leads import DuplicatePolicy


class Spy:
    """Wraps the fake unit of work: records what capture_new answered and whether the full
    path's capture_lookup ran."""

    def __init__(self, world):
        self.answers, self.lookups = [], 0
        make = world.deps.uow

        def uow():
            made = make()
            capture_new, capture_lookup = made.capture_new, made.capture_lookup

            def spied_new(*args):
                answer = capture_new(*args)
                self.answers.append(answer)
                return answer

            def spied_lookup(*args):
                self.lookups += 1
                return capture_lookup(*args)

            made.capture_new, made.capture_lookup = spied_new, spied_lookup
            return made

        world.deps = type(world.deps)(**{**world.deps.__dict__, "uow": uow})


@pytest.fixture
def spy(world):
    return Spy(world)


def test_a_new_lead_is_committed_by_capture_new_alone(world, spy):
    result = world.capture(person__email="new@acme.example")
    assert spy.answers == [True]
    assert spy.lookups == 1  # the reference version's own lookup, inside capture_new
    assert world.store.leads[result.lead.id] == result.lead
    assert world.store.keys[("webform", "key-2")][1] == result.lead.id
    assert world.event_types() == ["lead_created", "lead_scored"]


def test_a_replay_falls_back_without_writing_in_the_first_step(world, spy):
    same = {"person__email": "a@acme.example", "person__last_name": "Lee"}
    first = world.capture(key="k1", **same)
    events = list(world.events)
    again = world.capture(key="k1", **same)
    assert spy.answers == [True, False]
    assert again.replayed and again.lead.id == first.lead.id
    assert world.events == events and len(world.store.leads) == 1


def test_a_duplicate_falls_back_to_the_duplicate_rule(world, spy):
    world.capture(person__email="dup@acme.example")
    with pytest.raises(AlreadyExists):
        world.capture(person__email="dup@acme.example", person__last_name="Other")
    assert spy.answers == [True, False] and len(world.store.leads) == 1


def test_a_converted_namesake_is_no_duplicate(world, spy):
    """The reference lookup returns every lead sharing a key; the full path then decides."""
    first = world.capture(person__email="twice@acme.example")
    world.store.leads[first.lead.id].status = type(first.lead.status)("converted")
    second = world.capture(person__email="twice@acme.example", person__last_name="Again")
    assert not second.replayed and second.lead.id != first.lead.id


def test_an_unknown_campaign_takes_the_full_path_and_its_order(world, spy):
    world.capture(key="k1", person__email="a@acme.example")
    with pytest.raises(InvalidArgument, match="already used for another lead"):
        world.capture(key="k1", person__email="b@acme.example", source__campaign_id="nope")
    with pytest.raises(ValidationErrors, match="campaign nope does not exist"):
        world.capture(key="k2", person__email="b@acme.example", source__campaign_id="nope")
    assert spy.answers == [True] and len(world.store.leads) == 1


def test_the_reference_step_does_not_write_when_the_key_is_known(world):
    lead = world.capture(key="k1", person__email="a@acme.example").lead
    calls = []
    with world.deps.uow() as uow:
        done = uow.capture_new(
            "webform", "k1", DuplicateKeys.of(lead.data), lambda: calls.append(1)
        )
    assert done is False and calls == []


def test_merge_still_merges_after_the_fallback(world, spy):
    lead = world.lead_in(owner="ann", person__email="m@acme.example", company__industry="")
    result = world.capture(
        caller=world.ann,
        person__email="m@acme.example",
        company__industry="software",
        policy=DuplicatePolicy.MERGE,
    )
    assert result.merged and result.lead.id == lead.id
    assert spy.answers[-1] is False
