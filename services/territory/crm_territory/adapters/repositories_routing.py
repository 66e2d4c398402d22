"""Repositories of assignment state: team ledgers (locked per team), routing decisions (one per
lead, enforced by the primary key) and owner choices of hand-overs (one per team and subject).

Conflicts between two transactions become :class:`TransactionConflict` (the use cases retry):
a second decision of one lead or a second choice for one subject (unique key), and a deadlock
between two batches locking the same teams' ledgers in different orders.
"""

from __future__ import annotations

import contextlib
import json

from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from crm_chassis.bulk_insert import BulkInsert
from crm_territory.adapters import orm
from crm_territory.adapters.json_columns import (
    choice_from_dict,
    choice_to_dict,
    dumps,
    lead_from_dict,
    lead_to_dict,
    ledger_from_row,
    ledger_members_to_text,
    match_from_dict,
    match_to_dict,
)
from crm_territory.domain.assignment import OwnerChoice, TeamLedger
from crm_territory.domain.routing import Outcome, RoutingDecision, UnroutableReason
from crm_territory.service_layer import repositories
from crm_territory.service_layer.repositories import TransactionConflict

# SQLSTATEs of PostgreSQL that mean "another transaction interfered; run it again".
_RETRYABLE = {
    "23505": "recorded by another transaction first",
    "40P01": "deadlock",
    "40001": "serialization failure",
}


def _is_unique_violation_on_sqlite(exc: DBAPIError) -> bool:
    return isinstance(exc, IntegrityError) and "UNIQUE constraint failed" in str(exc.orig)


@contextlib.contextmanager
def conflicts_retryable(what: str):
    """Translate a unique violation or a broken lock cycle into TransactionConflict; any other
    database error (a NOT NULL violation is a bug) propagates as it is."""
    try:
        yield
    except DBAPIError as exc:
        code = getattr(exc.orig, "pgcode", None)
        if code in _RETRYABLE:
            raise TransactionConflict(f"{what}: {_RETRYABLE[code]}") from exc
        if _is_unique_violation_on_sqlite(exc):
            raise TransactionConflict(f"{what}: {_RETRYABLE['23505']}") from exc
        raise


_L = orm.team_ledgers
_LEDGER_UPDATE = (
    update(_L)
    .where(_L.c.team_id == bindparam("ledger_team_id"))
    .values(seq=bindparam("ledger_seq"), members=bindparam("ledger_members"))
)
_LEDGER_LOCKED = select(_L).where(_L.c.team_id == bindparam("team_id")).with_for_update()


def _insert_if_missing(dialect: str):
    builder = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        builder(_L)
        .values(team_id=bindparam("team_id"), seq=0, members="{}")
        .on_conflict_do_nothing()
    )


class SqlLedgerRepository(repositories.LedgerRepository):
    """A team's ledger row is locked (SELECT ... FOR UPDATE) when first read in a unit of work
    and stays locked until it ends: two workers cannot both hand out the same queue place.
    On SQLite the whole database is locked by the writing transaction (BEGIN IMMEDIATE)."""

    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[str, TeamLedger] = {}

    def get(self, team_id: str) -> TeamLedger:
        if team_id in self._seen:
            return self._seen[team_id]
        with conflicts_retryable(f"ledger of team {team_id}"):
            row = self._session.execute(_LEDGER_LOCKED, {"team_id": team_id}).first()
            if row is None:
                # Create the row first so there is something to lock; a concurrent creator's
                # insert is ignored and both then queue on the same row lock.
                dialect = self._session.get_bind().dialect.name
                self._session.execute(_insert_if_missing(dialect), {"team_id": team_id})
                row = self._session.execute(_LEDGER_LOCKED, {"team_id": team_id}).first()
        ledger = ledger_from_row(row.team_id, row.seq, row.members)
        self._seen[team_id] = ledger
        return ledger

    def save(self, ledger: TeamLedger) -> None:
        if ledger.team_id not in self._seen:
            self.get(ledger.team_id)  # lock (and create) before writing
        self._session.execute(
            update(_L)
            .where(_L.c.team_id == ledger.team_id)
            .values(seq=ledger.seq, members=ledger_members_to_text(ledger))
        )
        self._seen[ledger.team_id] = ledger

    def save_many(self, ledgers: list[TeamLedger]) -> None:
        for ledger in ledgers:
            if ledger.team_id not in self._seen:
                self.get(ledger.team_id)
        if ledgers:  # one executemany: a batch touching every team costs one statement
            self._session.execute(
                _LEDGER_UPDATE,
                [
                    {
                        "ledger_team_id": ledger.team_id,
                        "ledger_seq": ledger.seq,
                        "ledger_members": ledger_members_to_text(ledger),
                    }
                    for ledger in ledgers
                ],
            )
        for ledger in ledgers:
            self._seen[ledger.team_id] = ledger


_D = orm.routing_decisions
_INSERT_DECISIONS = BulkInsert(_D)
_DECISION = select(_D).where(_D.c.lead_id == bindparam("lead_id"))
_DECISIONS = select(_D).where(_D.c.lead_id.in_(bindparam("lead_ids", expanding=True)))
_LEAVE_QUEUE = (
    update(_D)
    .where(_D.c.lead_id.in_(bindparam("lead_ids", expanding=True)), _D.c.in_queue.is_(True))
    .values(in_queue=False)
    .returning(_D.c.lead_id)
)
_COUNT_QUEUED = select(func.count()).select_from(_D).where(_D.c.in_queue.is_(True))
_COUNT_FOR_TEAM = select(func.count()).select_from(_D).where(_D.c.team_id == bindparam("team_id"))


def _detail(d: RoutingDecision) -> str:
    return dumps(
        {
            "lead": lead_to_dict(d.lead),
            "match": match_to_dict(d.match) if d.match else None,
            "rules_tried": d.rules_tried,
            "choice": choice_to_dict(d.choice) if d.choice else None,
            "reason": d.unroutable_reason.value if d.unroutable_reason else None,
        }
    )


def _decision_values(d: RoutingDecision) -> dict:
    return dict(
        lead_id=d.lead_id,
        outcome=d.outcome.value,
        team_id=d.team_id,
        owner_user_id=d.owner_user_id,
        sales_line_id=d.sales_line_id,
        decided_at=d.decided_at,
        in_queue=d.in_queue,
        version=d.version,
        detail=_detail(d),
    )


def _decision(row) -> RoutingDecision:
    detail = json.loads(row.detail)
    return RoutingDecision(
        lead_from_dict(detail["lead"]),
        Outcome(row.outcome),
        row.decided_at,
        row.team_id,
        owner_user_id=row.owner_user_id,
        sales_line_id=row.sales_line_id,
        match=match_from_dict(detail["match"]) if detail["match"] else None,
        rules_tried=detail["rules_tried"],
        choice=choice_from_dict(detail["choice"]) if detail["choice"] else None,
        unroutable_reason=UnroutableReason(detail["reason"]) if detail["reason"] else None,
        in_queue=row.in_queue,
        version=row.version,
    )


class SqlDecisionRepository(repositories.DecisionRepository):
    """New decisions are inserted together (one executemany) before the next read of decisions
    and before commit: a bulk import's batch costs one round trip, not one per lead."""

    def __init__(self, session: Session):
        self._session = session
        self._seen: dict[str, RoutingDecision] = {}
        self._pending: list[RoutingDecision] = []
        self._missing: set[str] = set()  # read and not found in this unit of work

    def flush(self) -> None:
        if not self._pending:
            return
        rows = [_decision_values(d) for d in self._pending]
        self._pending.clear()
        with conflicts_retryable("routing decision"):
            _INSERT_DECISIONS.execute(self._session, rows)

    def prefetch(self, lead_ids: list[str]) -> None:
        wanted = [i for i in dict.fromkeys(lead_ids) if i not in self._seen]
        if not wanted:
            return
        for row in self._session.execute(_DECISIONS, {"lead_ids": wanted}):
            self._seen.setdefault(row.lead_id, _decision(row))
        self._missing.update(i for i in wanted if i not in self._seen)

    def get(self, lead_id: str) -> RoutingDecision | None:
        if lead_id in self._seen:
            return self._seen[lead_id]
        if lead_id in self._missing:
            # Read as absent in this transaction; a concurrent insert of it shows up as a
            # unique violation at flush, and the use case runs again.
            return None
        row = self._session.execute(_DECISION, {"lead_id": lead_id}).first()
        if row is None:
            return None
        return self._seen.setdefault(lead_id, _decision(row))

    def add(self, decision: RoutingDecision) -> None:
        self._pending.append(decision)
        self._seen[decision.lead_id] = decision
        self._missing.discard(decision.lead_id)

    def save(self, decision: RoutingDecision) -> None:
        self.flush()
        values = _decision_values(decision)
        del values["lead_id"]
        self._session.execute(update(_D).where(_D.c.lead_id == decision.lead_id).values(**values))
        self._seen[decision.lead_id] = decision

    def leave_queue(self, lead_ids) -> set[str]:
        """One UPDATE ... RETURNING: a batch of lead_assigned costs one statement and no
        decision is read back (decoding each one's detail was a tenth of the worker)."""
        wanted = sorted(set(lead_ids))  # one order for every writer of these rows
        if not wanted:
            return set()
        self.flush()
        left = set(self._session.execute(_LEAVE_QUEUE, {"lead_ids": wanted}).scalars())
        for lead_id in left:
            if (known := self._seen.get(lead_id)) is not None:
                known.in_queue = False
        return left

    def queued(self, after, limit: int, team_ids=None) -> list[RoutingDecision]:
        self.flush()
        query = select(_D).where(_D.c.in_queue.is_(True))
        if team_ids is not None:
            query = query.where(_D.c.team_id.in_(sorted(team_ids)))
        if after is not None:
            at, lead_id = after
            query = query.where(
                or_(_D.c.decided_at > at, and_(_D.c.decided_at == at, _D.c.lead_id > lead_id))
            )
        query = query.order_by(_D.c.decided_at, _D.c.lead_id).limit(limit)
        return [
            self._seen.setdefault(row.lead_id, _decision(row))
            for row in self._session.execute(query)
        ]

    def count_for_team(self, team_id: str) -> int:
        self.flush()
        return self._session.execute(_COUNT_FOR_TEAM, {"team_id": team_id}).scalar_one()

    def queued_count(self) -> int:
        """Size of the unassigned queue (for the metric; not a use-case port)."""
        self.flush()
        return self._session.execute(_COUNT_QUEUED).scalar_one()


_O = orm.owner_choices
_CHOICE = select(_O.c.choice).where(
    _O.c.team_id == bindparam("team_id"), _O.c.subject_id == bindparam("subject_id")
)


class SqlOwnerChoiceRepository(repositories.OwnerChoiceRepository):
    def __init__(self, session: Session):
        self._session = session

    def get(self, team_id: str, subject_id: str) -> OwnerChoice | None:
        text = self._session.execute(
            _CHOICE, {"team_id": team_id, "subject_id": subject_id}
        ).scalar()
        return choice_from_dict(json.loads(text)) if text is not None else None

    def add(self, team_id: str, subject_id: str, choice: OwnerChoice) -> None:
        with conflicts_retryable(f"owner choice for {subject_id}"):
            self._session.execute(
                insert(_O).values(
                    team_id=team_id, subject_id=subject_id, choice=dumps(choice_to_dict(choice))
                )
            )
