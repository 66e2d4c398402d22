"""crm_chassis.privacy and outbox tombstoning: the right, the person's e-mail, redaction that
keeps a document readable, and the outbox rows that mention a person (SQLite)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import MetaData, create_engine, insert, select
from sqlalchemy.orm import Session

from crm_chassis import privacy
from crm_chassis.caller import SERVICE, Caller
from crm_chassis.errors import InvalidArgument, PermissionDenied, Unauthenticated
from crm_chassis.outbox.tables import outbox_table
from crm_chassis.outbox.tombstone import tombstone_outbox

DPO = Caller("dora", roles=frozenset({privacy.DATA_PROTECTION_OFFICER}))


def test_only_a_person_holding_the_role_may():
    assert privacy.require_data_protection_officer(DPO, "x") is DPO
    for caller in (
        Caller("root", roles=frozenset({"admin"})),
        Caller("meg", departments=frozenset({"management"})),
        Caller("svc", kind=SERVICE, roles=frozenset({privacy.DATA_PROTECTION_OFFICER})),
    ):
        with pytest.raises(PermissionDenied, match="data_protection_officer"):
            privacy.require_data_protection_officer(caller, "exporting")
    with pytest.raises(Unauthenticated):
        privacy.require_data_protection_officer(None, "exporting")


def test_the_email_is_trimmed_lower_cased_or_refused():
    assert privacy.subject_email("  Vera.Vogel@Example.COM ") == "vera.vogel@example.com"
    for bad in ("", "vera", "vera@example", "@example.com", "a b@example.com", "x" * 250 + "@a.b"):
        with pytest.raises(InvalidArgument):
            privacy.subject_email(bad)


def test_masking_and_fingerprints_keep_no_address():
    assert privacy.masked("vera@example.com") == "v***@example.com"
    assert privacy.fingerprint("Vera@Example.com") == privacy.fingerprint("vera@example.com")
    assert "vera" not in privacy.fingerprint("vera@example.com")


def test_redaction_replaces_strings_mentioning_the_person_and_keeps_the_shape():
    values = privacy.needles(["vera@example.com", "Vera Vogel", "", "V."])
    assert values == ("vera vogel", "vera@example.com")
    document = {
        "lead": {"person": {"email": "VERA@example.com", "name": "Vera Vogel"}, "score": 7},
        "notes": ["call Vera Vogel tomorrow", "other"],
        "id": "l1",
    }
    assert privacy.redact(document, values) == {
        "lead": {"person": {"email": privacy.ERASED, "name": privacy.ERASED}, "score": 7},
        "notes": [privacy.ERASED, "other"],
        "id": "l1",
    }


def test_outbox_rows_mentioning_the_person_are_tombstoned_and_stay_valid_json():
    engine = create_engine("sqlite://")
    table = outbox_table(MetaData())
    table.metadata.create_all(engine)
    rows = [
        ("e1", "l1", {"lead": {"email": "vera@example.com", "company": "Acme"}}),
        ("e2", "l2", {"lead": {"email": "someone@else.com"}}),
        ("e3", "l1", {"lead": {"note": "Grüße an Vera Vogel"}}),
    ]
    with engine.begin() as connection:
        for event_id, aggregate_id, payload in rows:
            connection.execute(
                insert(table).values(
                    event_id=event_id,
                    event_type="lead_updated",
                    exchange="leads.events",
                    aggregate_type="lead",
                    aggregate_id=aggregate_id,
                    aggregate_version=1,
                    payload=json.dumps(payload, ensure_ascii=False),
                    headers="{}",
                    occurred_at=dt.datetime.now(dt.UTC),
                )
            )
    with Session(engine) as session:
        person = privacy.PersonValues.of("vera@example.com", full_names=["Vera Vogel"])
        assert tombstone_outbox(session, table, person, aggregate_ids=["l1"]) == 2
        session.commit()
        stored = {
            row.event_id: json.loads(row.payload)
            for row in session.execute(select(table.c.event_id, table.c.payload))
        }
    assert stored["e1"] == {"lead": {"email": privacy.ERASED, "company": "Acme"}}
    assert stored["e2"] == {"lead": {"email": "someone@else.com"}}
    assert stored["e3"] == {"lead": {"note": privacy.ERASED}}


def test_a_first_name_alone_is_erased_only_in_the_persons_own_records():
    person = privacy.PersonValues.of(
        "vera@example.com", full_names=["Vera Vogel"], parts=["Vera", "Vogel", "CTO"]
    )
    assert person.unique == ("vera vogel", "vera@example.com")
    assert person.parts == ("cto", "vera", "vogel")
    other = {"note": "Veranda for Otto, our CTO"}
    assert privacy.redact(other, person.unique) == other
    assert privacy.redact(other, person.all) == {"note": privacy.ERASED}


def test_the_values_a_document_gives_with_the_address():
    document = {
        "lead": {
            "person": {
                "first_name": "Vera",
                "last_name": "Vogel",
                "email": "VERA@example.com",
                "phone": "+4930123",
                "title": "CTO",
            }
        },
        "other": {"email": "otto@example.com", "first_name": "Otto"},
    }
    found = privacy.person_values(document, "vera@example.com")
    assert found.unique == ("+4930123", "vera vogel", "vera@example.com")
    assert found.parts == ("cto", "vera", "vogel")
