"""Migration 0005 recomputes the company-and-name keys stored before names in every script kept
their letters, on PostgreSQL and SQLite: a new capture of a stored Persian-named person is found
as a duplicate, two colleagues with Persian names are not, ASCII names keep their keys, and a
recomputed key another open lead already holds is left empty instead of failing the upgrade."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from crm_chassis.context import Actor
from crm_leads import migrate
from crm_leads.adapters import orm
from crm_leads.adapters.lead_rows import lead_row
from crm_leads.adapters.repositories import SqlLeadRepository
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.lead import Lead, LeadStatus
from crm_leads.domain.normalise import fold
from crm_leads.domain.values import Company, LeadData, Person
from crm_testkit import temporary_postgres_database

pytestmark = pytest.mark.integration

BEFORE = "0004_capture_function"
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
ACME = "ACME GmbH"
# Two colleagues of one company, and the first one's name once more as a keyboard with Arabic
# letters and a zero-width non-joiner types it.
ZAHRA = ("زهرا", "محمدی")
MARYAM = ("مریم", "حسینی")
ZAHRA_ARABIC_KEYBOARD = ("زهرا", "محمدي")
COMPANY_IN_PERSIAN = "شرکت نوآوران"
NOOR = "Noor Ltd"
FILLERS = 2100
ALI = ("علی", "رضایی")
ALI_ARABIC_KEYBOARD = ("علي", "رضايي")


def old_key(first_name: str, last_name: str, company: str) -> str | None:
    """The key as stored before: only the letters a-z and digits of the folded names."""

    def words(value: str) -> list[str]:
        return re.findall(r"[a-z0-9]+", fold(value))

    company_words = words(company)
    while len(company_words) > 1 and company_words[-1] in {"gmbh", "ltd", "co"}:
        company_words.pop()
    name = " ".join(company_words)
    person = " ".join(words(first_name) + words(last_name))
    return f"{name}|{person}" if name and last_name else None


def data(first_name: str, last_name: str, company: str = ACME) -> LeadData:
    return LeadData(
        person=Person(first_name=first_name, last_name=last_name),
        company=Company(name=company),
    )


def store(connection, lead_id: str, first_name, last_name, company=ACME, status=None, key=None):
    """A lead row as written before the migration: its key of the old form (or ``key``)."""
    lead = Lead.capture(lead_id, data(first_name, last_name, company), Actor("ann"), NOW)
    if status:
        lead = dataclasses.replace(lead, status=status)
    row = lead_row(lead)
    row["duplicate_company_person"] = (
        key if key is not None else old_key(first_name, last_name, company)
    )
    connection.execute(orm.leads.insert(), [row])


def keys(connection) -> dict[str, str | None]:
    rows = connection.execute(select(orm.leads.c.id, orm.leads.c.duplicate_company_person))
    return dict(rows.all())


def without_fillers(stored: dict[str, str | None]) -> dict[str, str | None]:
    return {lead_id: key for lead_id, key in stored.items() if not lead_id.startswith("lead-fill")}


def _check(url: str) -> None:
    migrate.upgrade(url, BEFORE)
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            # The colleagues could not both be stored open under the old key "acme|": the
            # second was stored converted (no longer taking part).
            store(connection, "lead-zahra", *ZAHRA)
            store(connection, "lead-maryam", *MARYAM, status=LeadStatus.CONVERTED)
            store(connection, "lead-jorg", "Jörg", "Müller")
            store(connection, "lead-company", "Reza", "Karimi", COMPANY_IN_PERSIAN)
            # A capture after the change stored the new key; an older row names the same person
            # (Arabic yeh) under its old key. The row holding the key keeps it, though its id
            # sorts later; the old row is left without it rather than breaking the index.
            store(connection, "lead-b-captured", *ALI, NOOR, key=f"noor|{' '.join(ALI)}")
            store(connection, "lead-a-old", *ALI_ARABIC_KEYBOARD, NOOR)
            # More than two batches of 1,000 ASCII-named leads, then one more Persian name: the
            # keyset walks past the first batches, and ASCII keys are left as they are.
            for number in range(FILLERS):
                store(connection, f"lead-fill-{number:05}", "Jan", f"Novak{number}", "Filler")
            store(connection, "lead-zz-last", *MARYAM, "Last Co")
        with engine.connect() as connection:
            assert without_fillers(keys(connection)) == {
                "lead-zz-last": "last|",
                "lead-zahra": "acme|",
                "lead-maryam": "acme|",
                "lead-jorg": "acme|jorg muller",
                "lead-company": None,
                "lead-b-captured": "noor|علی رضایی",
                "lead-a-old": "noor|",
            }

        migrate.upgrade(url)

        with engine.connect() as connection:
            stored = keys(connection)
        assert all(
            stored[f"lead-fill-{number:05}"] == f"filler|jan novak{number}"
            for number in range(FILLERS)
        )
        assert without_fillers(stored) == {
            "lead-zz-last": "last|مریم حسینی",
            "lead-zahra": DuplicateKeys.of(data(*ZAHRA)).company_person,
            "lead-maryam": DuplicateKeys.of(data(*MARYAM)).company_person,
            "lead-jorg": "acme|jorg muller",
            "lead-company": DuplicateKeys.of(
                data("Reza", "Karimi", COMPANY_IN_PERSIAN)
            ).company_person,
            "lead-b-captured": "noor|علی رضایی",
            "lead-a-old": None,
        }
        assert stored["lead-zahra"] == "acme|زهرا محمدی"
        # The madda is a mark the key leaves out, like an accent.
        assert stored["lead-company"] == "شرکت نواوران|reza karimi"

        with Session(engine) as session:
            repository = SqlLeadRepository(session)
            again = repository.find_duplicates(DuplicateKeys.of(data(*ZAHRA_ARABIC_KEYBOARD)))
            assert [lead.id for lead in again] == ["lead-zahra"]
            colleague = repository.find_duplicates(DuplicateKeys.of(data("فاطمه", "احمدی")))
            assert colleague == []
            # Maryam's lead is converted: it takes no part, with its key recomputed all the same.
            assert repository.find_duplicates(DuplicateKeys.of(data(*MARYAM))) == []

        # Nothing to undo on the way down, and the keys stay as recomputed.
        migrate.downgrade(url, BEFORE)
        with engine.connect() as connection:
            assert keys(connection) == stored
    finally:
        engine.dispose()


def test_postgres_keys_are_recomputed():
    with temporary_postgres_database("leads_keys") as url:
        _check(url)


def test_sqlite_keys_are_recomputed(tmp_path):
    _check(f"sqlite:///{tmp_path}/leads.db")
