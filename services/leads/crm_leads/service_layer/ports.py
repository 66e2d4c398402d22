"""Ports: what the use cases need from outside the leads service, as protocols.

Territory owns teams, memberships and the strategy of each team; leads never reads its data.
The adapters answer from the scope replica built from territory's events (ScopeReader,
TeamDirectory: adapters/scopes.py) or by gRPC (HandoverStrategy: adapters/territory_client.py).
"""
from __future__ import annotations

import datetime as dt
import uuid
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
    def distribute(self, team_id: str, leaving_user_id: str, lead_ids: list[str],
                   remaining_member_ids: list[str]) -> dict[str, str]:
        """New owner for each lead of a member who left ``team_id``, by the team's strategy
        (round robin, least loaded...). Returns lead id -> user id, every id in
        ``remaining_member_ids``; a lead left out stays unowned in the team."""


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new unique id (UUID, hex)."""


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)


class UuidGenerator:
    def new_id(self) -> str:
        return uuid.uuid4().hex
