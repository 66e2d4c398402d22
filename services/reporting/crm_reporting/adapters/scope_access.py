"""ScopeReader from the chassis' local replica of territory's scopes (as leads and deals)."""

from __future__ import annotations

from sqlalchemy import Engine

from crm_chassis.scopes import ScopeReplica
from crm_reporting.service_layer.ports import ScopeReader


class ReplicaScopes(ScopeReader):
    def __init__(self, replica: ScopeReplica) -> None:
        self.replica = replica

    @classmethod
    def on(cls, engine: Engine, max_staleness_seconds: float) -> ReplicaScopes:
        return cls(ScopeReplica(engine, max_staleness_seconds=max_staleness_seconds))

    def roles_by_team(self, user_id: str) -> dict[str, str]:
        return self.replica.roles_by_team(user_id)

    def members(self, team_id: str) -> list[tuple[str, str]]:
        return self.replica.members(team_id)
