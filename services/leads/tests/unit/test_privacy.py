"""leads' part of personal-data requests: who may export, a bad e-mail, an unknown person, and
the erasure step of deals' saga (one confirmation event naming what was erased)."""

import pytest

from crm_chassis.errors import InvalidArgument, PermissionDenied, Unauthenticated
from crm_leads.service_layer import privacy


def test_export_finds_the_persons_leads_by_email_without_regard_to_case(world):
    lead = world.lead_in(person__email="Vera.Vogel@Example.com", person__phone="+49 30 1234567")
    world.lead_in(person__email="someone@else.example")
    email, document = privacy.export_person(world.deps, world.dpo, " VERA.VOGEL@example.com ")
    assert email == "vera.vogel@example.com"
    assert [row["id"] for row in document["leads"]] == [lead.id]
    assert document["leads"][0]["phone"] == "+49301234567"


def test_an_unknown_person_is_an_empty_export_not_an_error(world):
    email, document = privacy.export_person(world.deps, world.dpo, "nobody@example.com")
    assert email == "nobody@example.com"
    assert all(records == [] for records in document.values())


@pytest.mark.parametrize("who", ["ann", "meg", "ada", "form"])
def test_everyone_without_the_data_protection_role_is_refused(world, who):
    with pytest.raises(PermissionDenied, match="data_protection_officer"):
        privacy.export_person(world.deps, getattr(world, who), "vera@example.com")


def test_no_caller_is_unauthenticated(world):
    with pytest.raises(Unauthenticated):
        privacy.export_person(world.deps, None, "vera@example.com")


@pytest.mark.parametrize("email", ["", "vera", "vera@", "@example.com", "a b@example.com"])
def test_a_bad_email_is_invalid_argument(world, email):
    with pytest.raises(InvalidArgument) as raised:
        privacy.export_person(world.deps, world.dpo, email)
    assert raised.value.field == "email"


def test_erasure_anonymises_the_leads_and_confirms_in_the_same_transaction(world):
    lead = world.lead_in(person__email="vera@example.com", person__first_name="Vera")
    erased = privacy.erase_person(
        world.deps, world.worker, request_id="r1", email="vera@example.com"
    )
    assert erased == {"leads": 1}
    person = world.store.leads[lead.id].data.person
    assert (person.first_name, person.email) == ("", "")
    (confirmation,) = world.events_of("personal_data_erased")
    assert confirmation.request_id == "r1"
    assert dict(confirmation.erased) == {"leads": 1}
    _, after = privacy.export_person(world.deps, world.dpo, "vera@example.com")
    assert after["leads"] == []


def test_erasing_an_unknown_person_confirms_with_nothing_erased(world):
    erased = privacy.erase_person(world.deps, world.worker, request_id="r2", email="x@example.com")
    assert erased == {}
    (confirmation,) = world.events_of("personal_data_erased")
    assert dict(confirmation.erased) == {}
