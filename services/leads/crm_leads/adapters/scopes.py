"""ScopeReader and TeamDirectory answered from the local replica of territory's scopes
(crm_chassis.scopes, written by the worker from ``user_access_changed``)."""

from __future__ import annotations

from crm_chassis.scopes import ScopeReplica
from crm_leads.domain.access import Scope, TeamRole


class ReplicaScopeReader:
    def __init__(self, replica: ScopeReplica):
        # Public: the api refuses a deactivated person's token from the same replica
        # (entrypoints/api.py), and tests invalidate it after writing a snapshot.
        self.replica = replica

    def scope_of(self, user_id: str) -> Scope:
        # roles_by_team is empty for an unknown or deactivated user: deny by default.
        roles = self.replica.roles_by_team(user_id)
        return Scope(user_id, {team: TeamRole(role) for team, role in roles.items()})


class ReplicaTeamDirectory:
    def __init__(self, replica: ScopeReplica):
        self._replica = replica

    def members(self, team_id: str) -> frozenset[str]:
        """Members by membership grant; managing a unit above the team is no membership."""
        return frozenset(user_id for user_id, _role in self._replica.members(team_id))
