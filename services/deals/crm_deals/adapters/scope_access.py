"""ScopeReader and TeamDirectory from the chassis' local replica of territory's scopes.

Access checks read the replica (built by the worker from ``user_access_changed``) instead of
calling territory, so they cost no network call; the replica's short cache bounds how long a
revocation takes to be seen (max_staleness_seconds, well under the platform's one second).
"""

from __future__ import annotations

from sqlalchemy import Engine

from crm_chassis.scopes import ScopeReplica
from crm_deals.service_layer.ports import ScopeReader, TeamDirectory, TeamMember


class ReplicaScopes(ScopeReader, TeamDirectory):
    def __init__(self, replica: ScopeReplica):
        self.replica = replica

    @classmethod
    def on(cls, engine: Engine, max_staleness_seconds: float) -> ReplicaScopes:
        return cls(ScopeReplica(engine, max_staleness_seconds=max_staleness_seconds))

    def roles_by_team(self, user_id: str):
        return self.replica.roles_by_team(user_id)

    def members(self, team_id: str) -> list[TeamMember]:
        return [TeamMember(user_id, role) for user_id, role in self.replica.members(team_id)]

    def managers_of(self, team_id: str) -> list[str]:
        return list(self.replica.managers_of(team_id))
