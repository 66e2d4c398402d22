"""Durable background rescoring jobs, one per sales line (table ``rescore_jobs``).

A model change (``scoring_model_changed``) or the decay sweep records a job; the worker's timer
walks the line's leads in batches (service_layer.scoring.rescore_batch, one transaction each)
and stores how far it got after each batch. A worker that dies resumes from the last stored
position; a batch done twice changes nothing (same score, no event). A newer model restarts the
walk: its generation grows, and a batch of the older walk can no longer move the position.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from crm_leads.adapters import orm
from crm_leads.service_layer.ports import RescoreJob

J = orm.rescore_jobs
MODEL_CHANGED = "model_changed"
DECAY = "decay"


def request(session: Session, sales_line_id: str, reason: str, now: dt.datetime) -> None:
    """Record that the line needs rescoring, inside the caller's transaction. A model change
    restarts a running walk; a decay request leaves a running walk alone (it covers decay)."""
    row = session.execute(
        select(J.c.generation).where(J.c.sales_line_id == sales_line_id).with_for_update()
    ).first()
    if row is None:
        session.execute(
            insert(J).values(
                sales_line_id=sales_line_id,
                generation=1,
                reason=reason,
                after_id="",
                requested_at=now,
                rescored=0,
            )
        )
    elif reason == MODEL_CHANGED:
        session.execute(
            update(J)
            .where(J.c.sales_line_id == sales_line_id)
            .values(
                generation=row.generation + 1,
                reason=reason,
                after_id="",
                requested_at=now,
                rescored=0,
            )
        )


class RescoreJobs:
    """The RescoreJobQueue port on the rescore_jobs table, each call a transaction of its own."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self._sessions = session_factory

    def request(self, sales_line_id: str, reason: str, now: dt.datetime) -> None:
        with self._sessions() as session:
            request(session, sales_line_id, reason, now)
            session.commit()

    def pending(self) -> list[RescoreJob]:
        with self._sessions() as session:
            return [
                RescoreJob(row.sales_line_id, row.generation, row.reason, row.after_id)
                for row in session.execute(select(J).order_by(J.c.requested_at))
            ]

    def advance(self, job: RescoreJob, after_id: str, rescored: int) -> bool:
        """Store the walk's position, or end the job when ``after_id`` is "" (done). False when
        a newer generation took over (the walk restarted)."""
        with self._sessions() as session:
            mine = (J.c.sales_line_id == job.sales_line_id) & (J.c.generation == job.generation)
            if after_id:
                result = session.execute(
                    update(J)
                    .where(mine)
                    .values(after_id=after_id, rescored=J.c.rescored + rescored)
                )
            else:
                result = session.execute(delete(J).where(mine))
            session.commit()
            return bool(result.rowcount)
