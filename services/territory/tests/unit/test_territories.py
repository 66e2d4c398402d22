import pytest

from crm.territory.v1 import events_pb2
from crm_chassis.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    PermissionDenied,
    ValidationErrors,
)
from crm_territory.service_layer import territories
from crm_territory.service_layer.territories import ConditionInput, RuleInput

from .conftest import ADMIN, rule, user


@pytest.fixture
def setup(world):
    region = world.unit("R", world.unit("D"))
    team = world.team("A", region)
    world.member(team, "rep")
    return world, team, world.line("SMB", team)


def test_create_publishes_version_one(setup):
    world, team, line = setup
    t = world.territory("DE", line, team, 10, rule("Berlin", postal_code=["10"]))
    assert (t.rules_version, t.version) == (1, 1)
    event = world.uow.events("territory_rules_changed")[-1]
    assert event.change == events_pb2.CHANGE_KIND_CREATED
    assert event.territory.rules[0].description == "postal_code starts with 10"


def test_empty_team_and_team_off_the_line_are_refused(setup):
    world, team, line = setup
    empty = world.team("Empty", world.uow.units.get(team.unit_id))
    with pytest.raises(FailedPrecondition) as err:
        world.territory("X", line, empty, 1, rule("r", country=["DE"]))
    assert "does not work sales line" in err.value.message
    line2 = world.line("Other", empty)
    with pytest.raises(FailedPrecondition) as err:
        world.territory("X", line2, empty, 1, rule("r", country=["DE"]))
    assert "has no active member" in err.value.message


def test_priority_and_name_are_unique(setup):
    world, team, line = setup
    world.territory("DE", line, team, 1, rule("r", country=["DE"]))
    with pytest.raises(AlreadyExists) as err:
        world.territory("AT", line, team, 1, rule("r", country=["AT"]))
    assert "priority 1 is taken" in err.value.message
    with pytest.raises(AlreadyExists):
        world.territory("de", line, team, 2, rule("r", country=["AT"]))
    with pytest.raises(InvalidArgument):
        world.territory("AT", line, team, 0, rule("r", country=["AT"]))


def test_bad_rules_report_every_problem_with_its_place(setup):
    world, team, line = setup
    rules = [
        RuleInput("", [ConditionInput("colour", ["red"])]),
        RuleInput("Sizes", [ConditionInput("company_size", ranges=[("1", "50"), ("10", "20")])]),
    ]
    with pytest.raises(ValidationErrors) as err:
        world.territory("T", line, team, 1, *rules)
    fields = dict(err.value.problems)
    assert fields["rules[0].name"] == "must not be empty"
    assert fields["rules[0].conditions[0].attribute"].startswith("unknown attribute 'colour'")
    assert "overlaps" in fields["rules[1].conditions[0].ranges[1]"]
    # The message a person reads names each field once.
    assert "rules[0].name: must not be empty" in err.value.message
    assert "rules[0].conditions[0].attribute: unknown attribute 'colour'" in err.value.message
    assert err.value.message.count("rules[0].conditions[0].attribute") == 1
    with pytest.raises(InvalidArgument):
        world.territory("T", line, team, 1)


def test_rules_are_versioned_with_history(setup):
    world, team, line = setup
    t = world.territory("DE", line, team, 1, rule("r1", country=["DE"]))
    keep_id = t.rules[0].id
    t = territories.set_rules(
        world.deps,
        ADMIN,
        territory_id=t.id,
        rules=[
            RuleInput("r1", [ConditionInput("country", ["DE", "AT"])], id=keep_id),
            rule("rest"),
        ],
        expected_rules_version=1,
        comment="add AT",
    )
    assert t.rules_version == 2 and t.rules[0].id == keep_id
    versions = territories.list_rule_versions(world.deps, ADMIN, territory_id=t.id)
    assert [v.version for v in versions] == [2, 1] and versions[0].comment == "add AT"
    assert versions[0].changed_by == "admin-1"
    with pytest.raises(FailedPrecondition) as err:
        territories.set_rules(
            world.deps,
            ADMIN,
            territory_id=t.id,
            rules=[rule("x", country=["FR"])],
            expected_rules_version=1,
        )
    assert "changed meanwhile" in err.value.message
    with pytest.raises(ValidationErrors):  # shadowed rule refused, version unchanged
        territories.set_rules(
            world.deps, ADMIN, territory_id=t.id, rules=[rule("all"), rule("x", country=["FR"])]
        )
    assert territories.get_territory(world.deps, ADMIN, territory_id=t.id).rules_version == 2


def test_only_admins_change_territories(setup):
    world, team, line = setup
    t = world.territory("DE", line, team, 1, rule("r", country=["DE"]))
    with pytest.raises(PermissionDenied):
        territories.set_rules(
            world.deps, user("rep"), territory_id=t.id, rules=[rule("x", country=["FR"])]
        )


def test_update_list_deactivate(setup):
    world, team, line = setup
    de = world.territory("DE", line, team, 5, rule("r", country=["DE"]))
    world.territory("AT", line, team, 3, rule("r", country=["AT"]))
    assert [t.name for t in territories.list_territories(world.deps, ADMIN).items] == ["AT", "DE"]
    territories.update_territory(world.deps, ADMIN, territory_id=de.id, priority=1)
    assert [t.name for t in territories.list_territories(world.deps, ADMIN).items] == ["DE", "AT"]
    territories.deactivate_territory(world.deps, ADMIN, territory_id=de.id)
    assert [t.name for t in territories.list_territories(world.deps, ADMIN).items] == ["AT"]
    with pytest.raises(FailedPrecondition):
        territories.set_rules(
            world.deps, ADMIN, territory_id=de.id, rules=[rule("x", country=["FR"])]
        )
    assert {a.name for a in territories.list_rule_attributes()} >= {
        "country",
        "annual_revenue",
        "campaign",
        "product_interest",
    }
