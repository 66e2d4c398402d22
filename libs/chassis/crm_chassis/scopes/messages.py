"""territory's UserAccessChanged <-> the replica's values."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from crm.common.v1 import events_pb2 as common_events_pb2
from crm.territory.v1 import access_pb2, events_pb2, teams_pb2
from crm_chassis.scopes.model import Grant, UserScopes

_ROLE_NAMES = {
    teams_pb2.TEAM_ROLE_EXPERT: "expert",
    teams_pb2.TEAM_ROLE_SUPERVISOR: "supervisor",
    teams_pb2.TEAM_ROLE_MANAGER: "manager",
}
_ROLES = {name: value for value, name in _ROLE_NAMES.items()}
_SOURCE_NAMES = {
    access_pb2.SCOPE_SOURCE_MEMBERSHIP: "membership",
    access_pb2.SCOPE_SOURCE_UNIT_MANAGER: "unit_manager",
}
_SOURCES = {name: value for value, name in _SOURCE_NAMES.items()}


class MalformedScopes(ValueError):
    """The snapshot cannot be stored as it is (a poison event: no retry will fix it)."""


def from_proto(message: events_pb2.UserAccessChanged) -> UserScopes:
    snapshot = message.user_scopes
    user_id = snapshot.user_id or message.meta.aggregate_id
    if not user_id:
        raise MalformedScopes("user_access_changed without a user id")
    version = snapshot.access_version or message.meta.aggregate_version
    grants = []
    for scope in snapshot.scopes:
        role, source = _ROLE_NAMES.get(scope.role), _SOURCE_NAMES.get(scope.source)
        if role is None or source is None or not scope.team_id:
            raise MalformedScopes(
                f"user {user_id}: scope {scope.team_id or '(no team)'} has an "
                f"unknown role or source ({scope.role}, {scope.source})"
            )
        grants.append(Grant(scope.team_id, role, source, scope.unit_id))
    return UserScopes(
        user_id=user_id, version=version, active=snapshot.active, grants=tuple(grants)
    )


def user_access_changed_message(
    user_id: str,
    version: int,
    grants: Iterable[Grant] = (),
    *,
    active: bool = True,
    event_id: str | None = None,
) -> events_pb2.UserAccessChanged:
    """Build the event as territory publishes it (for tests and replays)."""
    message = events_pb2.UserAccessChanged(
        meta=common_events_pb2.EventMeta(
            event_id=event_id or uuid.uuid4().hex,
            event_type="user_access_changed",
            aggregate_type="user_access",
            aggregate_id=user_id,
            aggregate_version=version,
            producer="territory",
        ),
        user_scopes=access_pb2.UserScopes(user_id=user_id, access_version=version, active=active),
    )
    for grant in grants:
        message.user_scopes.scopes.add(
            team_id=grant.team_id,
            role=_ROLES[grant.role],
            source=_SOURCES[grant.source],
            unit_id=grant.unit_id,
        )
    return message
