"""SQL side of personal-data requests in leads: one person's leads found by e-mail, exported
whole, and erased in place.

Erasing a lead anonymises it irreversibly and keeps the row (its status, source, campaign and
times still count in reports and in the conversion's references): the person's name, title,
e-mail and phone, the free text of its notes, its custom attributes and its search words go, its
consents are cleared, its duplicate keys are released. Its interactions keep kind and time but
lose their words; its activity details, history changes and outbox payloads are tombstoned
(``crm_chassis.privacy.redact``), and so is every other outbox payload naming the person by
address, phone or full name (``crm_chassis.privacy.PersonValues``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crm_chassis.outbox.tombstone import tombstone_outbox
from crm_chassis.privacy import ERASED, PersonValues, redact
from crm_leads.adapters import orm
from crm_leads.service_layer.repositories import PersonalDataRepository

_PERSON_FIELDS = ("first_name", "last_name", "title", "email", "phone")


def _plain(row: Any) -> dict[str, object]:
    return {key: value for key, value in row._mapping.items()}


class SqlPersonalDataRepository(PersonalDataRepository):
    def __init__(self, session: Session):
        self.session = session

    def _leads(self, email: str) -> list[Any]:
        t = orm.leads
        return list(
            self.session.execute(
                select(t).where(func.lower(t.c.email) == email).order_by(t.c.created_at, t.c.id)
            ).all()
        )

    def _rows(self, table, column, ids: list[str]) -> list[Any]:
        if not ids:
            return []
        return list(self.session.execute(select(table).where(column.in_(ids))).all())

    def find(self, email):
        leads = self._leads(email)
        ids = [row.id for row in leads]
        return {
            "leads": [_plain(row) for row in leads],
            "interactions": [
                _plain(r) for r in self._rows(orm.interactions, orm.interactions.c.lead_id, ids)
            ],
            "activity": [
                _plain(r) for r in self._rows(orm.activities, orm.activities.c.lead_id, ids)
            ],
            "history": [
                _plain(r) for r in self._rows(orm.lead_history, orm.lead_history.c.lead_id, ids)
            ],
        }

    def erase(self, email):
        leads = self._leads(email)
        ids = [row.id for row in leads]
        person = PersonValues.of(
            email,
            phones=[row.phone for row in leads],
            full_names=[f"{row.first_name} {row.last_name}" for row in leads],
            parts=[v for row in leads for v in (row.first_name, row.last_name, row.title)],
        )
        if not ids:
            return {"outbox_events": tombstone_outbox(self.session, orm.outbox, person)}
        t = orm.leads
        self.session.execute(
            update(t)
            .where(t.c.id.in_(ids))
            .values(
                **{name: "" for name in _PERSON_FIELDS},
                status_note="",
                custom_attributes={},
                consent_email_marketing=False,
                consent_phone_contact=False,
                consent_data_processing=False,
                duplicate_email=None,
                duplicate_phone=None,
                duplicate_company_person=None,
                search_text="",
            )
            .values(last_name=ERASED)
        )
        i = orm.interactions
        interactions = self.session.execute(
            update(i).where(i.c.lead_id.in_(ids)).values(subject=ERASED, body="")
        ).rowcount
        return {
            "leads": len(ids),
            "interactions": interactions,
            "activity": self._redact(orm.activities, "details", ids, person.all),
            "history_entries": self._redact(orm.lead_history, "changes", ids, person.all),
            "outbox_events": tombstone_outbox(self.session, orm.outbox, person, aggregate_ids=ids),
        }

    def _redact(self, table, column: str, ids: list[str], values: tuple[str, ...]) -> int:
        """Tombstone the JSON ``column`` of the leads' rows that mention the person."""
        changed = 0
        key = [c for c in table.primary_key.columns]
        for row in self.session.execute(select(table).where(table.c.lead_id.in_(ids))).all():
            document = getattr(row, column)
            cleaned = redact(document, values)
            if cleaned != document:
                self.session.execute(
                    update(table)
                    .where(*(c == getattr(row, c.name) for c in key))
                    .values({column: cleaned})
                )
                changed += 1
        return changed
