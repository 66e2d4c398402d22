"""Inserts held until commit and sent as one executemany per statement.

A capture writes a history entry, two outbox events and an idempotency key; sent as they are
made, each is a round trip of its own, and an import batch of 200 rows makes 800 of them. Held
here, a CreateLead sends one INSERT per table and an import batch one multi-row INSERT per
table. Only rows nothing reads back in the same unit of work are deferred (history, outbox,
idempotency keys: the idempotency repository answers its own pending keys itself).
"""
from __future__ import annotations

from sqlalchemy.orm import Session


class DeferredInserts:
    """Collects ``execute(statement, parameters)`` calls (the part of a Session the chassis'
    OutboxWriter uses) and sends them on :meth:`flush`, in first-use order of the statements."""

    def __init__(self, session: Session):
        self._session = session
        self._rows: dict[int, tuple[object, list[dict]]] = {}

    def execute(self, statement, parameters: dict) -> None:
        entry = self._rows.get(id(statement))
        if entry is None:
            entry = self._rows[id(statement)] = (statement, [])
        entry[1].append(parameters)

    def flush(self) -> None:
        rows, self._rows = self._rows, {}
        for statement, parameters in rows.values():
            self._session.execute(statement, parameters)
