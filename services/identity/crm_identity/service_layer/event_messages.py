"""Domain objects as the crm.identity.v1 messages of the events identity emits, and their emission
through the unit of work (the outbox, in the transaction of the change)."""

from __future__ import annotations

from collections.abc import Iterable

from google.protobuf.message import Message

from crm.identity.v1 import events_pb2
from crm_chassis.caller import Caller
from crm_identity.domain.users import User
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

USER_CREATED = "user_created"
USER_UPDATED = "user_updated"
USER_DEACTIVATED = "user_deactivated"
USER_REACTIVATED = "user_reactivated"
USER_DEPARTMENTS_CHANGED = "user_departments_changed"
USER_PASSWORD_CHANGED = "user_password_changed"
PUBLISHED = (
    USER_CREATED,
    USER_UPDATED,
    USER_DEACTIVATED,
    USER_REACTIVATED,
    USER_DEPARTMENTS_CHANGED,
    USER_PASSWORD_CHANGED,
)


def snapshot(user: User) -> events_pb2.UserSnapshot:
    message = events_pb2.UserSnapshot(
        id=user.id,
        email=user.email,
        display_name=user.display_name,
        status=user.status,
        departments=sorted(user.departments),
        roles=sorted(user.roles),
        version=user.version,
    )
    message.created_at.FromDatetime(user.created_at)
    message.updated_at.FromDatetime(user.updated_at)
    return message


def profile(email: str, display_name: str, roles: Iterable[str]) -> events_pb2.UserProfile:
    return events_pb2.UserProfile(email=email, display_name=display_name, roles=sorted(roles))


def emit_user_event(
    uow: IdentityUnitOfWork, event_type: str, message: Message, user: User, caller: Caller
) -> str:
    return uow.emit(
        event_type,
        message,
        aggregate_type="user",
        aggregate_id=user.id,
        aggregate_version=user.version,
        actor=caller.actor,
    )


def user_created(user: User) -> events_pb2.UserCreated:
    return events_pb2.UserCreated(user=snapshot(user))


def user_updated(
    user: User, changed: list[str], before: events_pb2.UserProfile
) -> events_pb2.UserUpdated:
    return events_pb2.UserUpdated(
        user=snapshot(user),
        changed_fields=changed,
        before=before,
        after=profile(user.email, user.display_name, user.roles),
    )


def user_deactivated(user: User, reason: str) -> events_pb2.UserDeactivated:
    return events_pb2.UserDeactivated(user=snapshot(user), reason=reason)


def user_reactivated(user: User) -> events_pb2.UserReactivated:
    return events_pb2.UserReactivated(user=snapshot(user))


def user_departments_changed(
    user: User, before: Iterable[str], added: Iterable[str], removed: Iterable[str]
) -> events_pb2.UserDepartmentsChanged:
    return events_pb2.UserDepartmentsChanged(
        user=snapshot(user),
        departments_before=sorted(before),
        departments_after=sorted(user.departments),
        added=sorted(added),
        removed=sorted(removed),
    )


def user_password_changed(user: User, reset_by_admin: bool) -> events_pb2.UserPasswordChanged:
    return events_pb2.UserPasswordChanged(user=snapshot(user), reset_by_admin=reset_by_admin)
