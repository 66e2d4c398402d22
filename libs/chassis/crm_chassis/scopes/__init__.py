"""A service's local replica of territory's access scopes: who may see which team's records.

Territory is the one authority for access; answering every leads or deals call with a gRPC round
trip to it would double each call's latency and make territory a single point of failure. So each
consuming service keeps, in its OWN database, the complete scopes of every user as territory last
published them (``user_access_changed`` carries the whole snapshot, versioned by
``access_version``). The worker writes the replica (:func:`apply_user_access_changed`, via
:class:`crm_chassis.scopes.worker.ScopeReplicaHandlers`); the api reads it through
:class:`ScopeReplica`, which remembers an answer for at most ``max_staleness_seconds``.

Staleness budget of a revocation (the platform promises one second, end to end): territory's
commit -> relay poll (<= 50 ms) -> broker -> worker applies (one small transaction) -> the api's
remembered answer expires (<= ``max_staleness_seconds``, 0.25 s by default). Propagation is
tested in ``libs/chassis/tests/scopes/test_revocation_integration.py`` and timed by
``bench/revocation_bench.py`` (commit -> replica ~35 ms, -> denied by the api ~250 ms here).

Deny by default: an unknown user, a deactivated user and a user whose snapshot lists no scopes
all read as :attr:`UserScopes.is_empty`.
"""

from __future__ import annotations

from crm_chassis.scopes.messages import from_proto, user_access_changed_message
from crm_chassis.scopes.model import ROLE_STRENGTH, ROLES, SOURCES, Grant, UserScopes
from crm_chassis.scopes.replica import ScopeReplica
from crm_chassis.scopes.store import apply_snapshot, apply_user_access_changed
from crm_chassis.scopes.tables import create_scope_tables, scope_tables

__all__ = [
    "ROLES",
    "ROLE_STRENGTH",
    "SOURCES",
    "Grant",
    "ScopeReplica",
    "UserScopes",
    "apply_snapshot",
    "apply_user_access_changed",
    "create_scope_tables",
    "from_proto",
    "scope_tables",
    "user_access_changed_message",
]
