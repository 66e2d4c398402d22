"""First start: create the first administrator when there is none (idempotent)."""
from __future__ import annotations

from crm_chassis.errors import AlreadyExists, InvalidArgument

from crm_identity.domain.users import User
from crm_identity.service_layer import users
from crm_identity.service_layer.authorization import Caller
from crm_identity.service_layer.dependencies import Dependencies

COMPONENT = "identity.bootstrap"


def bootstrap_admin(deps: Dependencies, *, email: str, password: str, display_name: str = ""
                    ) -> User | None:
    """Create an admin from the given credentials unless an active admin already exists.

    Returns the new user, or None when nothing had to be done. Running it on every start is
    safe: with an admin present (or the e-mail taken by a concurrent start) it does nothing.
    """
    if not email or not password:
        raise InvalidArgument("bootstrap admin needs CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL and "
                              "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD",
                              field="bootstrap_admin_email")
    with deps.uow() as uow:
        if uow.users.any_admin():
            return None
    try:
        return users.create_user(deps, Caller.system(COMPONENT), email=email,
                                 display_name=display_name or "Administrator", password=password,
                                 departments=(), roles=("admin",))
    except AlreadyExists:
        return None
