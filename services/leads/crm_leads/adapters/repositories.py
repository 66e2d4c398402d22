"""SQLAlchemy repository of leads: a unit of work's identity map of loaded leads, written back
(changed rows only) when the unit of work flushes, and the reads of the service layer.

The service layer changes Lead objects and never calls "save": every lead this repository hands
out or is given is tracked, and :meth:`flush` writes those whose row changed. Reads flush first,
so they see the unit of work's own changes.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from crm_leads.adapters import orm, search_sql, search_text
from crm_leads.adapters.lead_rows import lead_from_row, lead_row
from crm_leads.adapters.locks import lock_keys
from crm_leads.domain.duplicates import TAKING_PART, DuplicateKeys
from crm_leads.domain.lead import OPEN, READ_ONLY, Lead
from crm_leads.domain.search import LeadQuery
from crm_leads.service_layer import repositories

L = orm.leads
# Statements built once, values as parameters: building and cache-keying a 50-column
# insert with inline values per call cost more than the database round trip.
_INSERT = insert(L)
_UPDATE = update(L).where(L.c.id == bindparam("lead_id_"))
_GET = {lock: (select(L).where(L.c.id == bindparam("lead_id")).with_for_update(of=L) if lock
               else select(L).where(L.c.id == bindparam("lead_id"))) for lock in (True, False)}
_OPEN = sorted(status.value for status in OPEN)
_READ_ONLY = sorted(status.value for status in READ_ONLY)
_PENDING = ("requested", "converting", "failed_retrying")


class SqlLeadRepository(repositories.LeadRepository):
    def __init__(self, session: Session):
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        # lead id -> (the Lead handed out, its row as last read or written; None: not inserted)
        self._tracked: dict[str, tuple[Lead, dict | None]] = {}

    # -- identity map -----------------------------------------------------------------------
    def _track(self, rows) -> list[Lead]:
        result = []
        for row in rows:
            row = dict(row._mapping)
            known = self._tracked.get(row["id"])
            if known is None:
                lead = lead_from_row(row)
                self._tracked[lead.id] = (lead, lead_row(lead))
                result.append(lead)
            else:
                result.append(known[0])
        return result

    def flush(self) -> None:
        """Write new and changed leads. Leads leaving the duplicate check (merged, converting)
        go first, so a survivor taking over a merged lead's e-mail never meets the unique
        index while the merged one still holds it."""
        pending = []
        for lead_id, (lead, written) in self._tracked.items():
            row = lead_row(lead)
            if row != written:
                pending.append((lead.status in TAKING_PART, lead_id, lead, row, written))
        for _, lead_id, lead, row, written in sorted(pending, key=lambda item: item[:2]):
            if written is None:
                self.session.execute(_INSERT, row)
            else:
                changed = {name: value for name, value in row.items() if written[name] != value}
                self.session.execute(_UPDATE, {"lead_id_": lead_id, **changed})
            self._tracked[lead_id] = (lead, row)

    def _select(self, *conditions, lock: bool = True):
        statement = select(L).where(*conditions)
        if lock and self._postgres:
            statement = statement.with_for_update(of=L)
        return statement

    # -- port -------------------------------------------------------------------------------
    def add(self, lead: Lead) -> None:
        self._tracked[lead.id] = (lead, None)

    def get(self, lead_id: str) -> Lead | None:
        known = self._tracked.get(lead_id)
        if known is not None:
            return known[0]
        found = self._track(self.session.execute(_GET[self._postgres], {"lead_id": lead_id}))
        return found[0] if found else None

    def find_duplicates(self, keys: DuplicateKeys) -> list[Lead]:
        self.flush()
        wanted = [(column, value) for column, value in (
            (L.c.duplicate_email, keys.email), (L.c.duplicate_phone, keys.phone),
            (L.c.duplicate_company_person, keys.company_person)) if value]
        if not wanted:
            return []
        lock_keys(self.session, [("duplicate", column.name, value) for column, value in wanted])
        condition = or_(*(column == value for column, value in wanted))
        return self._track(self.session.execute(self._select(condition)))

    def search(self, query: LeadQuery) -> list[Lead]:
        self.flush()
        if self._postgres and query.filter.text_terms and not query.filter.owner_user_ids:
            rows = search_text.page(self.session, query)   # common and rare words alike
        else:
            rows = search_sql.search(self.session, query, postgres=self._postgres)
        return [self._tracked[row["id"]][0] if row["id"] in self._tracked else lead_from_row(row)
                for row in rows]

    def open_leads_of(self, team_id: str, owner_user_id: str) -> list[Lead]:
        self.flush()
        statement = self._select(L.c.team_id == team_id, L.c.owner_user_id == owner_user_id,
                                 L.c.status.in_(_OPEN)).order_by(L.c.id)
        return self._track(self.session.execute(statement))

    def ids_after(self, sales_line_id: str, after_id: str, limit: int) -> list[str]:
        self.flush()
        statement = (select(L.c.id)
                     .where(L.c.sales_line_id == sales_line_id, L.c.id > after_id,
                            L.c.status.not_in(_READ_ONLY))
                     .order_by(L.c.id).limit(limit))
        return list(self.session.execute(statement).scalars())

    def by_conversion(self, conversion_id: str) -> Lead | None:
        self.flush()
        found = self._track(self.session.execute(self._select(L.c.conversion_id == conversion_id)))
        return found[0] if found else None

    def due_conversions(self, now: dt.datetime, limit: int) -> list[Lead]:
        self.flush()
        # Same rule as Conversion.is_due, on the partial index of pending conversions.
        due = and_(L.c.conversion_state.in_(_PENDING),
                   or_(L.c.conversion_state == "requested",
                       L.c.conversion_next_attempt_at <= now))
        statement = select(L).where(due).order_by(L.c.conversion_next_attempt_at, L.c.id)
        if self._postgres:
            # Two dispatchers never send the same conversion at once; each takes other rows.
            statement = statement.with_for_update(of=L, skip_locked=True)
        return self._track(self.session.execute(statement.limit(limit)))
