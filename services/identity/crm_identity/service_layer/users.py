"""Use cases on users: create, read, list, update, (de/re)activate, departments, passwords."""

from __future__ import annotations

from collections.abc import Iterable

from crm_chassis import paging
from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import AlreadyExists, InvalidArgument, NotFound
from crm_chassis.paging import Page
from crm_identity.domain import password_policy
from crm_identity.domain.throttling import PASSWORD
from crm_identity.domain.users import (
    DEPARTMENTS,
    ROLES,
    STATUSES,
    User,
    email_key,
    normalise_email,
    validate_departments,
    validate_roles,
)
from crm_identity.service_layer import event_messages, throttle
from crm_identity.service_layer.authorization import (
    require_admin,
    require_directory_reader,
    require_user,
)
from crm_identity.service_layer.dependencies import Dependencies
from crm_identity.service_layer.repositories import UserFilter
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

UPDATABLE_FIELDS = ("display_name", "email", "roles")
MAX_REASON_LENGTH = 500


def _load(uow: IdentityUnitOfWork, user_id: str) -> User:
    user = uow.users.get(user_id) if user_id else None
    if user is None:
        raise NotFound(f"no user with id {user_id!r}", field="id")
    return user


def create_user(
    deps: Dependencies,
    caller: Caller | None,
    *,
    email: str,
    display_name: str,
    password: str,
    departments: Iterable[str] = (),
    roles: Iterable[str] = (),
) -> User:
    caller = require_admin(caller)
    now = deps.clock.now()
    # Validate every field before the slow hash, so a form shows its problems at once.
    user = User.create(
        id=deps.ids.new_id(),
        email=email,
        display_name=display_name,
        password_hash="",
        departments=departments,
        roles=roles,
        now=now,
    )
    password_policy.check(password, email=user.email)
    with deps.uow() as uow:
        if uow.users.get_by_email(user.email_key) is not None:
            raise AlreadyExists(f"a user with e-mail {user.email} already exists", field="email")
    user.password_hash = deps.hasher.hash(password)
    with deps.uow() as uow:
        uow.users.add(user)  # the unique e-mail key settles a concurrent create
        event_messages.emit_user_event(
            uow, event_messages.USER_CREATED, event_messages.user_created(user), user, caller
        )
        uow.commit()
    return user


def get_user(deps: Dependencies, caller: Caller | None, user_id: str) -> User:
    require_directory_reader(caller)
    with deps.uow() as uow:
        return _load(uow, user_id)


def list_users(
    deps: Dependencies,
    caller: Caller | None,
    *,
    page_size: int = 0,
    cursor: str = "",
    status: str = "",
    department: str = "",
    role: str = "",
    query: str = "",
) -> Page[User]:
    """Users by e-mail; the cursor holds the e-mail key of the last user of the previous page."""
    require_directory_reader(caller)
    paging.page_size(page_size)  # refused before anything is read
    if status and status not in STATUSES:
        raise InvalidArgument(f"unknown status {status!r}", field="status")
    if department:
        validate_departments([department], "department")
    if role:
        validate_roles([role], "role")
    if len(query) > 200:
        raise InvalidArgument("query is longer than 200 characters", field="query")
    wanted = UserFilter(status=status, department=department, role=role, query=query.strip())

    def fetch(after: tuple[paging.KeyPart, ...] | None, limit: int) -> list[User]:
        return uow.users.list(wanted, str(after[0]) if after else "", limit)

    with deps.uow() as uow:
        return paging.fetch_page(fetch, lambda user: (user.email_key,), page_size, cursor)


def update_user(
    deps: Dependencies,
    caller: Caller | None,
    user_id: str,
    *,
    fields: list[str],
    email: str = "",
    display_name: str = "",
    roles: Iterable[str] = (),
    expected_version: int = 0,
) -> User:
    caller = require_admin(caller)
    if not fields:
        raise InvalidArgument(
            f"update_mask names no field; give any of {', '.join(UPDATABLE_FIELDS)}",
            field="update_mask",
        )
    unknown = sorted(set(fields) - set(UPDATABLE_FIELDS))
    if unknown:
        raise InvalidArgument(
            f"update_mask names field(s) that cannot be changed here: "
            f"{', '.join(unknown)}; allowed: {', '.join(UPDATABLE_FIELDS)} "
            "(departments: SetUserDepartments, status: Deactivate/Reactivate, "
            "password: ResetPassword)",
            field="update_mask",
        )
    with deps.uow() as uow:
        user = _load(uow, user_id)
        user.check_version(expected_version)
        previous = user.version
        before = event_messages.profile(user.email, user.display_name, user.roles)
        if "roles" in fields and user.id == caller.subject_id and "admin" not in roles:
            # Keeps at least one administrator: the one acting (self-deactivation is refused too).
            raise InvalidArgument(
                "you cannot remove your own admin role; ask another administrator",
                field="user.roles",
            )
        try:
            if (
                "email" in fields
                and email_key(email) != user.email_key
                and uow.users.get_by_email(email_key(normalise_email(email))) is not None
            ):
                raise AlreadyExists(
                    f"another user already has e-mail {email.strip()}", field="user.email"
                )
            changed = user.update_profile(
                now=deps.clock.now(),
                email=email if "email" in fields else None,
                display_name=display_name if "display_name" in fields else None,
                roles=roles if "roles" in fields else None,
            )
        except InvalidArgument as exc:  # name the field as the request does: user.<field>
            raise InvalidArgument(exc.message, field=f"user.{exc.field}") from None
        if changed:
            uow.users.update(user, previous)
            event_messages.emit_user_event(
                uow,
                event_messages.USER_UPDATED,
                event_messages.user_updated(user, changed, before),
                user,
                caller,
            )
            uow.commit()
        return user


def deactivate_user(
    deps: Dependencies, caller: Caller | None, user_id: str, reason: str = ""
) -> User:
    caller = require_admin(caller)
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidArgument(
            f"reason is longer than {MAX_REASON_LENGTH} characters", field="reason"
        )
    if caller.subject_id == user_id:
        raise InvalidArgument(
            "you cannot deactivate yourself; ask another administrator", field="id"
        )
    with deps.uow() as uow:
        user = _load(uow, user_id)
        previous = user.version
        now = deps.clock.now()
        if user.deactivate(now):
            uow.users.update(user, previous)
            uow.sessions.revoke_all_of_user(user.id, now)
            event_messages.emit_user_event(
                uow,
                event_messages.USER_DEACTIVATED,
                event_messages.user_deactivated(user, reason.strip()),
                user,
                caller,
            )
            uow.commit()
        return user


def reactivate_user(deps: Dependencies, caller: Caller | None, user_id: str) -> User:
    caller = require_admin(caller)
    with deps.uow() as uow:
        user = _load(uow, user_id)
        previous = user.version
        user.reactivate(deps.clock.now())
        uow.users.update(user, previous)
        event_messages.emit_user_event(
            uow,
            event_messages.USER_REACTIVATED,
            event_messages.user_reactivated(user),
            user,
            caller,
        )
        uow.commit()
        return user


def set_user_departments(
    deps: Dependencies, caller: Caller | None, user_id: str, departments: Iterable[str]
) -> User:
    caller = require_admin(caller)
    with deps.uow() as uow:
        user = _load(uow, user_id)
        previous, before = user.version, user.departments
        change = user.set_departments(departments, deps.clock.now())
        if change is not None:
            added, removed = change
            uow.users.update(user, previous)
            event_messages.emit_user_event(
                uow,
                event_messages.USER_DEPARTMENTS_CHANGED,
                event_messages.user_departments_changed(user, before, added, removed),
                user,
                caller,
            )
            uow.commit()
        return user


def _set_password(
    deps: Dependencies,
    caller: Caller,
    user_id: str,
    new_hash: str,
    reset_by_admin: bool,
    expected_version: int | None = None,
) -> User:
    with deps.uow() as uow:
        user = _load(uow, user_id)
        if expected_version is not None:
            user.check_version(expected_version)
        previous = user.version
        now = deps.clock.now()
        user.set_password_hash(new_hash, now)
        uow.users.update(user, previous)
        uow.sessions.revoke_all_of_user(user.id, now)
        event_messages.emit_user_event(
            uow,
            event_messages.USER_PASSWORD_CHANGED,
            event_messages.user_password_changed(user, reset_by_admin),
            user,
            caller,
        )
        uow.commit()
        return user


def reset_password(
    deps: Dependencies, caller: Caller | None, user_id: str, new_password: str
) -> User:
    caller = require_admin(caller)
    with deps.uow() as uow:
        user = _load(uow, user_id)
    password_policy.check(new_password, email=user.email, field="new_password")
    return _set_password(deps, caller, user_id, deps.hasher.hash(new_password), True)


def change_own_password(
    deps: Dependencies,
    caller: Caller | None,
    current_password: str,
    new_password: str,
    client_address: str = "",
) -> User:
    caller = require_user(caller)
    if not current_password:
        raise InvalidArgument("current password is required", field="current_password")
    with deps.uow() as uow:
        user = _load(uow, caller.subject_id)
    # A stolen access token must not become a way to guess the password: same throttle as Login.
    throttle.ensure_allowed(deps, PASSWORD, user.email_key, client_address)
    if not deps.hasher.verify(user.password_hash, current_password):
        throttle.record_failure(deps, PASSWORD, user.email_key, client_address)
        raise InvalidArgument("current password is wrong", field="current_password")
    if new_password == current_password:
        raise InvalidArgument("new password must differ from the current one", field="new_password")
    password_policy.check(new_password, email=user.email, field="new_password")
    # expected_version: a concurrent reset by an administrator wins over this change.
    return _set_password(
        deps, caller, user.id, deps.hasher.hash(new_password), False, expected_version=user.version
    )


def list_departments(caller: Caller | None) -> list[tuple[str, str]]:
    require_authenticated(caller)
    return list(DEPARTMENTS.items())


def list_roles(caller: Caller | None) -> list[tuple[str, str]]:
    require_authenticated(caller)
    return list(ROLES.items())
