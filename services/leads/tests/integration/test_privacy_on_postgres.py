"""leads' part of personal-data requests on PostgreSQL: the export holds the person's leads and
history; erasing leaves no trace of the person in leads' tables (the lead row, its history, the
outbox payloads) and confirms through the outbox; other people are untouched."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from crm_chassis.caller import Caller
from crm_chassis.privacy import DATA_PROTECTION_OFFICER
from crm_leads.service_layer import privacy

pytestmark = pytest.mark.integration

DPO = Caller("dora", roles=frozenset({DATA_PROTECTION_OFFICER}))
ERASER = Caller.system("personal-data-erasure")


def _texts(engine, lead_id: str) -> str:
    with engine.begin() as connection:
        rows = [
            *connection.execute(text("SELECT * FROM leads WHERE id = :id"), {"id": lead_id}),
            *connection.execute(
                text("SELECT * FROM lead_history WHERE lead_id = :id"), {"id": lead_id}
            ),
            *connection.execute(
                text("SELECT payload FROM outbox WHERE aggregate_id = :id"), {"id": lead_id}
            ),
        ]
    return " ".join(str(value) for row in rows for value in row).lower()


def test_export_then_erasure_leaves_nothing_of_the_person(h, deps, engine):
    tag = h.unique("p")
    email = f"vera.{tag}@example.com"
    values = h.person_values(
        **{
            "person.email": email,
            "person.first_name": "Vera",
            "person.last_name": f"Vogel{tag}",
            "person.phone": "+49 30 7654321",
        }
    )
    lead = h.capture(deps, **values).lead
    other = h.capture(deps).lead
    found_email, document = privacy.export_person(deps, DPO, email.upper())
    assert found_email == email
    assert [row["id"] for row in document["leads"]] == [lead.id]
    assert document["leads"][0]["phone"] == "+49307654321"
    assert document["history"], "the lead's history is part of the export"
    json.dumps(document, default=str)  # what the api sends: every value serialisable
    assert f"vogel{tag}" in _texts(engine, lead.id)

    erased = privacy.erase_person(deps, ERASER, request_id="req-1", email=email)

    assert erased["leads"] == 1 and erased["outbox_events"] >= 1
    texts = _texts(engine, lead.id)
    assert email not in texts and f"vogel{tag}" not in texts and "7654321" not in texts
    _, after = privacy.export_person(deps, DPO, email)
    assert after["leads"] == []
    assert f"{other.data.person.email}".lower() in _texts(engine, other.id)
    with engine.begin() as connection:
        confirmation = connection.execute(
            text(
                "SELECT payload FROM outbox WHERE event_type = 'personal_data_erased' "
                "AND aggregate_id = 'req-1'"
            )
        ).scalar_one()
    assert json.loads(confirmation)["erased"]["leads"] == "1"


def test_erasing_an_unknown_person_confirms_with_nothing_erased(deps, engine):
    assert privacy.erase_person(deps, ERASER, request_id="req-2", email="no@body.example") == {}
