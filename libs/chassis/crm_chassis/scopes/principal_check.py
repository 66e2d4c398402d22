"""Refuse a deactivated person's token at once in a service that keeps the access replica.

Tokens are verified locally and stay valid until they expire (at most the token lifetime); a
deactivation reaches this service as territory's ``user_access_changed`` snapshot with
``active = false``. Checking that snapshot on every call (remembered by the replica for at most
its staleness bound) ends the person's sessions here within the revocation second, as identity
and territory already do with their own copies. A user territory has never published (version 0)
is not refused here: they simply see no team's records.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_chassis.errors import Unauthenticated
from crm_chassis.scopes.replica import ScopeReplica


def refuse_deactivated_users(replica: ScopeReplica) -> Callable[[object], None]:
    """A ``principal_check`` for ``crm_chassis.grpc.start_server`` / ``serve``."""

    def check(principal: Any) -> None:
        if principal.kind != "user":
            return
        scopes = replica.scopes_of(principal.subject_id)
        if scopes.version > 0 and not scopes.active:
            raise Unauthenticated(
                "this account is deactivated: its sessions have ended; an "
                "administrator can reactivate it (crmctl users reactivate)"
            )

    return check
