"""Ports: what the use cases need from outside the leads service, as protocols.

Territory owns teams, memberships and the strategy of each team; leads never reads its data.
The adapters answer from the scope replica built from territory's events (ScopeReader,
TeamDirectory: adapters/scopes.py) or by gRPC (HandoverStrategy: adapters/territory_client.py).
The clock and the ids are the chassis' ports (crm_chassis.clock, crm_chassis.ids).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from crm_leads.domain.access import Scope


class ScopeReader(Protocol):
    def scope_of(self, user_id: str) -> Scope:
        """The teams whose leads ``user_id`` may see, with the effective role in each
        (territory's ListScopes / user_access_changed replica). Empty for strangers and for
        deactivated users."""


class TeamDirectory(Protocol):
    def members(self, team_id: str) -> frozenset[str]:
        """Current members (user ids) of a team; empty for an unknown team."""


class HandoverStrategy(Protocol):
    def distribute(
        self,
        team_id: str,
        leaving_user_id: str,
        lead_ids: list[str],
        remaining_member_ids: list[str],
    ) -> dict[str, str]:
        """New owner for each lead of a member who left ``team_id``, by the team's strategy
        (round robin, least loaded...). Returns lead id -> user id, every id in
        ``remaining_member_ids``; a lead left out stays unowned in the team."""


@dataclass(frozen=True)
class RescoreJob:
    """A line whose leads are being rescored in the background: the walk's generation (a newer
    model restarts the walk), why, and the last lead id done."""

    sales_line_id: str
    generation: int
    reason: str
    after_id: str


class RescoreJobQueue(Protocol):
    """The durable background rescoring jobs, one per sales line (adapters/rescore_jobs.py)."""

    def request(self, sales_line_id: str, reason: str, now: dt.datetime) -> None:
        """Record that the line needs rescoring (a model change restarts a running walk)."""

    def pending(self) -> list[RescoreJob]:
        """Every job not finished, oldest request first."""

    def advance(self, job: RescoreJob, after_id: str, rescored: int) -> bool:
        """Store the walk's position, or end the job when ``after_id`` is "" (done). False
        when a newer generation took over (the walk restarted)."""
