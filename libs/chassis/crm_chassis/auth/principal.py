"""The authenticated caller of the current request (set by the gRPC server interceptor).

Application code reads it with :func:`require_principal` (or :func:`current_principal` where an
anonymous call is legitimate) and decides what the caller may do; it never parses tokens itself.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from datetime import datetime

from crm_chassis.context import Actor
from crm_chassis.errors import Unauthenticated

ADMIN_ROLE = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the verified access token says (see :mod:`crm_chassis.auth.tokens`).

    ``kind`` is ``"user"`` (a person) or ``"service"`` (a service account). ``roles`` and
    ``departments`` are the names identity put in the token when it was issued.
    """

    subject_id: str
    kind: str = "user"
    roles: frozenset[str] = field(default_factory=frozenset)
    departments: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""
    token_id: str = ""
    issued_at: datetime | None = None
    expires_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def actor(self) -> Actor:
        """The actor to stamp on the events this caller causes."""
        return Actor(id=self.subject_id, kind=self.kind, display_name=self.display_name)


_current: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "crm_principal", default=None
)


def current_principal() -> Principal | None:
    """The caller of the current request, or None for a public (unauthenticated) call."""
    return _current.get()


def require_principal() -> Principal:
    """The caller of the current request; raises Unauthenticated when there is none."""
    principal = _current.get()
    if principal is None:
        raise Unauthenticated(
            "this operation needs an authenticated caller: "
            "send 'authorization: Bearer <access token>'"
        )
    return principal


def bind_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    """Make ``principal`` the current caller; undo with :func:`reset_principal`."""
    return _current.set(principal)


def reset_principal(token: contextvars.Token[Principal | None]) -> None:
    _current.reset(token)
