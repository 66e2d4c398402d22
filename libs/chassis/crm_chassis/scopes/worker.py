"""The replica's event handler, as a mixin for a service's nameko worker class.

    class LeadsWorker(ScopeReplicaHandlers):
        name = "leads"
        uow = UnitOfWorkProvider(...)

and in the service's manifest::

    [[subscriptions]]
    source = "territory"
    event = "user_access_changed"
    method = "on_user_access_changed"
"""

from __future__ import annotations

from typing import Any

from crm.territory.v1 import events_pb2
from crm_chassis.logging import get_logger
from crm_chassis.messaging.handlers import idempotent_event_handler
from crm_chassis.scopes.store import apply_user_access_changed

log = get_logger("crm_chassis.scopes")


class ScopeReplicaHandlers:
    @idempotent_event_handler("territory", "user_access_changed", events_pb2.UserAccessChanged)
    def on_user_access_changed(self, event: events_pb2.UserAccessChanged, uow: Any) -> None:
        applied = apply_user_access_changed(uow.session, event)
        if not applied:
            log.info(
                "user_access_snapshot_older_than_stored",
                user_id=event.user_scopes.user_id,
                access_version=event.user_scopes.access_version,
            )
