"""SQLAlchemy repository of leads: a unit of work's identity map of loaded leads, written back
(changed rows only) when the unit of work flushes, and the reads of the service layer.

The service layer changes Lead objects and never calls "save": every lead this repository hands
out or is given is tracked, and :meth:`flush` writes those whose row changed. Reads that return
rows flush first, so they see the unit of work's own changes; the duplicate lookup instead
matches the unit of work's new and changed leads in memory, so an import batch is written once,
at commit, with one INSERT for all its new leads.

Dirty tracking: a Lead's persisted state is its attributes, each an immutable value (frozen
dataclasses, enums, strings, tuples) that a change rebinds, never mutates. A lead whose
attributes are the very objects last read or written is unchanged and is not serialised again;
any other is serialised and compared with its last row (an equal row writes nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator

from sqlalchemy import (
    String,
    and_,
    bindparam,
    column,
    insert,
    null,
    or_,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkUpdate
from crm_leads.adapters import orm, search_sql, search_text
from crm_leads.adapters.deferred import DeferredInserts
from crm_leads.adapters.lead_rows import (
    ASSIGNMENT_READ,
    ASSIGNMENT_WRITTEN,
    lead_assignment_from_row,
    lead_columns,
    lead_from_row,
    lead_row,
)
from crm_leads.adapters.locks import LOCK_SQL, lock_keys, ordered_keys
from crm_leads.adapters.prepared import Prepared, available
from crm_leads.domain.duplicates import TAKING_PART, DuplicateKeys
from crm_leads.domain.lead import OPEN, READ_ONLY, Lead
from crm_leads.domain.search import LeadQuery
from crm_leads.service_layer import repositories
from crm_leads.service_layer.unit_of_work import CaptureLookup

L, K = orm.leads, orm.idempotency_keys
# Statements built once, values as parameters: building and cache-keying a 50-column
# insert with inline values per call cost more than the database round trip.
_INSERT = insert(L)
_UPDATE = update(L).where(L.c.id == bindparam("lead_id_"))
_GET = {
    lock: (
        select(L).where(L.c.id == bindparam("lead_id")).with_for_update(of=L)
        if lock
        else select(L).where(L.c.id == bindparam("lead_id"))
    )
    for lock in (True, False)
}
_KEY_COLUMNS = (
    ("email", L.c.duplicate_email),
    ("phone", L.c.duplicate_phone),
    ("company_person", L.c.duplicate_company_person),
)
# The predicate of the partial unique indexes, verbatim, so the planner uses them.
_DUPLICATE = and_(
    text(orm.TAKING_PART_SQL), or_(*(column == bindparam(name) for name, column in _KEY_COLUMNS))
)
# A capture's reads in one statement: the idempotency key with its lead (a replay), and the
# leads taking part that share a duplicate key (a NULL key matches nothing), one branch per
# key: prepared, its generic plan is made once, and an OR of the three keys planned on a
# still small table is a sequential scan kept while the table grows (an equality per branch
# is an index scan at any size). Run after the keys' advisory locks (a statement's snapshot
# predates a lock it waits for inside itself).
_CAPTURE_LOOKUP = union_all(
    select(K.c.fingerprint.label("key_fingerprint"), K.c.lead_id.label("key_lead_id"), *L.c)
    .select_from(K.outerjoin(L, L.c.id == K.c.lead_id))
    .where(K.c.caller_id == bindparam("caller_id"), K.c.key == bindparam("key")),
    *(
        select(null().label("key_fingerprint"), null().label("key_lead_id"), *L.c).where(
            text(orm.TAKING_PART_SQL), column == bindparam(name)
        )
        for name, column in _KEY_COLUMNS
    ),
)
_FIND_DUPLICATES = select(L).where(_DUPLICATE)


def _prepared(name: str, statement) -> Prepared:
    return Prepared(name, str(statement.compile(dialect=_PSYCOPG2)))


# The same statements prepared on the connection (adapters/prepared.py); the lookup is sent
# in one round trip after the advisory locks (two statements, each with its own snapshot).
_PSYCOPG2 = pg_psycopg2.dialect()
_LOOKUP_PREPARED = _prepared("leads_capture_lookup", _CAPTURE_LOOKUP)
_LOCKED_LOOKUP = _LOOKUP_PREPARED.textual(
    column("key_fingerprint", String), column("key_lead_id", String), *L.c, prefix=LOCK_SQL
)
_GET_PREPARED = {
    lock: _prepared(f"leads_get{'_for_update' if lock else ''}", _GET[lock])
    for lock in (True, False)
}
_GET_TEXTUAL = {lock: prepared.textual(*L.c) for lock, prepared in _GET_PREPARED.items()}
_OPEN = sorted(status.value for status in OPEN)
_READ_ONLY = sorted(status.value for status in READ_ONLY)
_PENDING = ("requested", "converting", "failed_retrying")
_STATE = tuple(
    f.name for f in dataclasses.fields(Lead) if f.name not in ("id", "new_history", "new_events")
)
_state_of = operator.attrgetter(*_STATE)


@functools.cache
def _bulk_update(columns: tuple[str, ...]) -> BulkUpdate:
    return BulkUpdate(L, "id", columns)


class _Tracked:
    """A lead handed out or added, with what the database holds of it: ``state``, the
    attribute values last read or written (None: a new lead, not inserted yet)."""

    __slots__ = ("_row", "keys", "keys_of", "lead", "locked", "partial", "state")

    def __init__(self, lead: Lead, new: bool, locked: bool, partial: bool = False):
        self.lead, self.locked = lead, locked
        self.partial = partial  # read from ASSIGNMENT_READ only (prefetch(assignment_only))
        self.state = None if new else _state_of(lead)
        self._row: dict | None = None
        self.keys_of, self.keys = None, None

    @property
    def new(self) -> bool:
        return self.state is None

    def unchanged(self) -> bool:
        state = self.state
        return state is not None and all(
            now is then for now, then in zip(_state_of(self.lead), state, strict=True)
        )

    def changed_columns(self) -> dict:
        """The columns whose values differ from what the database holds, of the attributes
        replaced since (only those are serialised, old and new: applying a routing decision
        touches three of a lead's twelve attributes)."""
        now = dict(zip(_STATE, _state_of(self.lead), strict=True))
        then = dict(zip(_STATE, self.state, strict=True))  # type: ignore[arg-type]
        replaced = [name for name in _STATE if now[name] is not then[name]]
        if self.partial and not ASSIGNMENT_WRITTEN.issuperset(replaced):
            raise RuntimeError(
                f"lead {self.lead.id} was read for its assignment only and then had "
                f"{sorted(set(replaced) - ASSIGNMENT_WRITTEN)} changed; read it whole first "
                "(LeadRepository.read_whole)"
            )
        if self._row is not None:
            before = self._row
        else:
            before = lead_columns({name: then[name] for name in replaced})
        after = lead_columns({name: now[name] for name in replaced})
        return {column: value for column, value in after.items() if before[column] != value}

    def updated(self) -> None:
        """The changed columns were written: the row now holds the lead's values."""
        self._row, self.state = None, _state_of(self.lead)

    def written(self, row: dict) -> None:
        self._row, self.state = row, _state_of(self.lead)

    def complete(self, whole: Lead) -> None:
        """A partial lead completed from ``whole`` (its row, read under the lock the partial
        read took): what the use case left untouched comes from the row, its changes stay."""
        lead, then = self.lead, self.state
        assert then is not None  # a partial lead was read, not added
        for name, before, value in zip(_STATE, then, _state_of(whole), strict=True):
            if getattr(lead, name) is before:
                setattr(lead, name, value)
        self._row, self.state, self.partial = None, _state_of(whole), False

    def duplicate_keys(self) -> DuplicateKeys:
        data = self.lead.data
        if self.keys_of is not data:  # LeadData is immutable: same object, same keys
            self.keys_of, self.keys = data, DuplicateKeys.of(data)
        return self.keys


def lookup_keys(keys: DuplicateKeys) -> list[tuple[str, ...]]:
    """The advisory lock keys of a capture's duplicate keys (see adapters/locks.py)."""
    return [
        ("duplicate", column.name, value)
        for name, column in _KEY_COLUMNS
        if (value := getattr(keys, name))
    ]


class SqlLeadRepository(repositories.LeadRepository):
    def __init__(self, session: Session):
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self._tracked: dict[str, _Tracked] = {}
        self._key_index: dict[tuple[str, str], set[str]] = {}  # (key name, value) -> ids

    # -- identity map -----------------------------------------------------------------------
    def _track(self, rows, locked: bool) -> list[Lead]:
        locked = locked or not self._postgres  # SQLite: the transaction holds the write lock
        result = []
        for row in rows:
            row = dict(row._mapping)
            known = self._tracked.get(row["id"])
            if known is not None and known.partial:  # any whole read completes it
                known.complete(lead_from_row(row))
            if known is None:
                lead = lead_from_row(row)
                self._tracked[lead.id] = _Tracked(lead, False, locked)
                result.append(lead)
                continue
            if locked and not known.locked and known.unchanged():
                # First read without a lock, now locked: the row may have changed in between.
                fresh = lead_from_row(row)
                for name in _STATE:
                    setattr(known.lead, name, getattr(fresh, name))
                known._row, known.state = None, _state_of(known.lead)
            known.locked = known.locked or locked
            result.append(known.lead)
        return result

    def flush(self, deferred: DeferredInserts | None = None) -> None:
        """Write new and changed leads. Leads leaving the duplicate check (merged, converting)
        go first, then changed ones, then the new ones in one INSERT (or, at commit, into
        ``deferred`` with the unit of work's other rows), so a lead taking over another's
        e-mail never meets the unique index while the other still holds it."""
        pending = []
        for lead_id, tracked in self._tracked.items():
            if tracked.unchanged():
                continue
            if tracked.new:
                pending.append((tracked.lead.status in TAKING_PART, True, lead_id, tracked, None))
            elif changed := tracked.changed_columns():
                pending.append(
                    (tracked.lead.status in TAKING_PART, False, lead_id, tracked, changed)
                )
            else:
                tracked.updated()  # new objects, same values
        new_rows = []
        # Updates changing the same columns go out as one statement (a batch of routing
        # decisions changes 250 leads alike: one UPDATE ... FROM (VALUES ...), BulkUpdate).
        # Order is kept within the groups that matter: leaving the duplicate check first.
        updates: dict[tuple[bool, tuple[str, ...]], list[dict]] = {}
        for taking_part, new, lead_id, tracked, changed in sorted(pending, key=lambda p: p[:3]):
            if new:
                row = lead_row(tracked.lead, tracked.duplicate_keys())
                if taking_part:
                    new_rows.append(row)
                else:
                    self._write_updates(updates)
                    self.session.execute(_INSERT, row)
                tracked.written(row)
            else:
                updates.setdefault((taking_part, tuple(sorted(changed))), []).append(
                    {"id": lead_id, **changed}
                )
                tracked.updated()
        self._write_updates(updates)
        if deferred is not None:
            for row in new_rows:
                deferred.execute(_INSERT, row)
        elif new_rows:
            self.session.execute(_INSERT, new_rows)  # one executemany (multi-row VALUES)

    def _write_updates(self, updates: dict) -> None:
        for (_, columns), rows in sorted(updates.items()):
            _bulk_update(columns).execute(self.session, rows)
        updates.clear()

    def _select(self, *conditions, lock: bool = True):
        statement = select(L).where(*conditions)
        if lock and self._postgres:
            statement = statement.with_for_update(of=L)
        return statement

    def _sharing_in_memory(self, keys: DuplicateKeys) -> list[Lead]:
        """Tracked leads sharing a key, by an index of their keys (an import batch asks once
        per row: a scan of the batch per row was quadratic). A lead whose data was replaced
        since its keys were indexed is indexed again under its new keys first; entries of old
        keys are left behind and filtered out by the final check."""
        index = self._key_index
        for lead_id, tracked in self._tracked.items():
            if tracked.keys_of is not tracked.lead.data:
                current = tracked.duplicate_keys()
                for name, _ in _KEY_COLUMNS:
                    if value := getattr(current, name):
                        index.setdefault((name, value), set()).add(lead_id)
        candidates = set()
        for name, _ in _KEY_COLUMNS:
            if value := getattr(keys, name):
                candidates |= index.get((name, value), set())
        return [
            self._tracked[lead_id].lead
            for lead_id in sorted(candidates)
            if keys.shared_with(self._tracked[lead_id].duplicate_keys())
        ]

    # -- port -------------------------------------------------------------------------------
    def add(self, lead: Lead) -> None:
        self._tracked[lead.id] = _Tracked(lead, True, True)

    def prefetch(self, lead_ids: list[str], *, assignment_only: bool = False) -> None:
        """Read and lock the leads in one statement, in id order (two batches locking the same
        leads then wait for each other instead of deadlocking). ``assignment_only``: leads not
        read yet are read from the ASSIGNMENT_READ columns (a batch of routing decisions: a
        whole lead is 50 columns and two JSON documents to decode); writing any other of their
        attributes is refused until :meth:`read_whole` or another read completes them."""
        wanted = sorted(
            {i for i in lead_ids if i and (i not in self._tracked or not self._tracked[i].locked)}
        )
        if assignment_only:
            fresh = [i for i in wanted if i not in self._tracked]
            wanted = [i for i in wanted if i in self._tracked]
            if fresh:
                statement = select(*(L.c[name] for name in ASSIGNMENT_READ)).where(
                    L.c.id.in_(fresh)
                )
                if self._postgres:
                    statement = statement.with_for_update(of=L)
                data_of_line: dict = {}
                for row in self.session.execute(statement.order_by(L.c.id)):
                    lead = lead_assignment_from_row(row._mapping, data_of_line)
                    self._tracked[lead.id] = _Tracked(lead, False, True, partial=True)
        if wanted:
            self._track(
                self.session.execute(self._select(L.c.id.in_(wanted)).order_by(L.c.id)), True
            )

    def read_whole(self, lead: Lead) -> None:
        tracked = self._tracked.get(lead.id)
        if tracked is not None and tracked.partial:
            self._track(self.session.execute(_GET[self._postgres], {"lead_id": lead.id}), True)

    def get(self, lead_id: str, *, for_update: bool = True) -> Lead | None:
        known = self._tracked.get(lead_id)
        if known is not None and (known.locked or not for_update):
            return known.lead
        lock = for_update and self._postgres
        statement = _GET[lock]
        connection = self.session.connection()
        if available(connection):
            _GET_PREPARED[lock].ensure(connection)
            statement = _GET_TEXTUAL[lock]
        found = self._track(self.session.execute(statement, {"lead_id": lead_id}), lock)
        return found[0] if found else None

    def find_duplicates(self, keys: DuplicateKeys) -> list[Lead]:
        wanted = lookup_keys(keys)
        if not wanted:
            return []
        lock_keys(self.session, wanted)
        found = self._track(self.session.execute(_FIND_DUPLICATES, _key_values(keys)), False)
        return _union(found, self._sharing_in_memory(keys))

    def lookup_capture(self, caller_id: str, key: str, keys: DuplicateKeys) -> CaptureLookup:
        """The unit of work's capture lookup: lock the idempotency key and the duplicate keys
        (one statement), then read the key, its lead and the duplicates (one statement)."""
        locks = [("idempotency", caller_id, key)] + lookup_keys(keys)
        parameters = {"caller_id": caller_id, "key": key, **_key_values(keys)}
        connection = self.session.connection()
        if available(connection):  # locks and lookup in one round trip
            _LOOKUP_PREPARED.ensure(connection)
            rows = list(
                self.session.execute(_LOCKED_LOOKUP, {"keys": ordered_keys(locks), **parameters})
            )
        else:
            lock_keys(self.session, locks)
            rows = list(self.session.execute(_CAPTURE_LOOKUP, parameters))
        previous = next(
            (
                (row.key_fingerprint, row.key_lead_id)
                for row in rows
                if row.key_fingerprint is not None
            ),
            None,
        )
        leads = self._track([row for row in rows if row.id is not None], False)
        if previous is not None:
            return CaptureLookup(
                previous, self._tracked[previous[1]].lead if previous[1] in self._tracked else None
            )
        return CaptureLookup(duplicates=_union(leads, self._sharing_in_memory(keys)))

    def prefetch_captures(
        self, caller_id: str, requests: list[tuple[str, DuplicateKeys]]
    ) -> dict[str, tuple | None]:
        """A batch's lookups at once (an import batch): lock every row's idempotency and
        duplicate keys in one statement (one global order, so two imports cannot deadlock on
        them), then read all the keys, their leads and the leads sharing any duplicate key in
        one statement. Returns key -> (fingerprint, lead id) or None; every lead read is
        tracked, so a row's duplicates are then found among the tracked leads."""
        locks, values = [], {"email": set(), "phone": set(), "company_person": set()}
        for key, keys in requests:
            locks += [("idempotency", caller_id, key)] + lookup_keys(keys)
            for name in values:
                if getattr(keys, name):
                    values[name].add(getattr(keys, name))
        lock_keys(self.session, locks)
        wanted = sorted({key for key, _ in requests})
        statement = union_all(
            select(
                K.c.fingerprint.label("key_fingerprint"),
                K.c.key.label("key_name"),
                K.c.lead_id.label("key_lead_id"),
                *L.c,
            )
            .select_from(K.outerjoin(L, L.c.id == K.c.lead_id))
            .where(K.c.caller_id == caller_id, K.c.key.in_(wanted)),
            *(
                select(null(), null(), null(), *L.c).where(
                    text(orm.TAKING_PART_SQL), column.in_(sorted(values[name]))
                )
                for name, column in _KEY_COLUMNS
                if values[name]
            ),
        )
        rows = list(self.session.execute(statement))
        self._track([row for row in rows if row.id is not None], False)
        found: dict[str, tuple | None] = dict.fromkeys(wanted)
        for row in rows:
            if row.key_fingerprint is not None:
                found[row.key_name] = (row.key_fingerprint, row.key_lead_id)
        return found

    def prefetched_capture(self, previous: tuple | None, keys: DuplicateKeys) -> CaptureLookup:
        """A capture's lookup answered from :meth:`prefetch_captures` (keys still locked)."""
        if previous is not None:
            known = self._tracked.get(previous[1])
            return CaptureLookup(previous, known.lead if known else None)
        return CaptureLookup(duplicates=self._sharing_in_memory(keys))

    def search(self, query: LeadQuery) -> list[Lead]:
        self.flush()
        with search_sql.without_transaction(self.session, postgres=self._postgres):
            if self._postgres and query.filter.text_terms and not query.filter.owner_user_ids:
                rows = search_text.page(self.session, query)  # common and rare words alike
            else:
                rows = search_sql.search(self.session, query, postgres=self._postgres)
        return [
            self._tracked[row["id"]].lead if row["id"] in self._tracked else lead_from_row(row)
            for row in rows
        ]

    def open_leads_of(self, team_id: str, owner_user_id: str) -> list[Lead]:
        self.flush()
        statement = self._select(
            L.c.team_id == team_id, L.c.owner_user_id == owner_user_id, L.c.status.in_(_OPEN)
        ).order_by(L.c.id)
        return self._track(self.session.execute(statement), True)

    def ids_after(self, sales_line_id: str, after_id: str, limit: int) -> list[str]:
        self.flush()
        statement = (
            select(L.c.id)
            .where(
                L.c.sales_line_id == sales_line_id, L.c.id > after_id, L.c.status.not_in(_READ_ONLY)
            )
            .order_by(L.c.id)
            .limit(limit)
        )
        return list(self.session.execute(statement).scalars())

    def every_after(self, after_id: str, limit: int) -> list[Lead]:
        self.flush()
        statement = self._select(L.c.id > after_id, lock=False).order_by(L.c.id).limit(limit)
        return self._track(self.session.execute(statement), False)

    def by_conversion(self, conversion_id: str) -> Lead | None:
        self.flush()
        found = self._track(
            self.session.execute(self._select(L.c.conversion_id == conversion_id)), True
        )
        return found[0] if found else None

    def due_conversions(self, now: dt.datetime, limit: int) -> list[Lead]:
        self.flush()
        # Same rule as Conversion.is_due, on the partial index of pending conversions.
        due = and_(
            L.c.conversion_state.in_(_PENDING),
            or_(L.c.conversion_state == "requested", L.c.conversion_next_attempt_at <= now),
        )
        statement = select(L).where(due).order_by(L.c.conversion_next_attempt_at, L.c.id)
        if self._postgres:
            # Two dispatchers never send the same conversion at once; each takes other rows.
            statement = statement.with_for_update(of=L, skip_locked=True)
        return self._track(self.session.execute(statement.limit(limit)), True)


def _key_values(keys: DuplicateKeys) -> dict[str, str | None]:
    return {name: getattr(keys, name) or None for name, _ in _KEY_COLUMNS}


def _union(first: list[Lead], second: list[Lead]) -> list[Lead]:
    return list({id(lead): lead for lead in first + second}.values())
