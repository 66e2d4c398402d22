"""Who calls a use case, as the application layer sees it. Pure Python (no jwt, no grpc).

The gRPC edge builds a :class:`Caller` from the verified token's principal
(:meth:`Caller.from_principal`); workers and timers use :meth:`Caller.system`. Services extend it
(a subclass) when they need more, and take their authorisation decisions from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from crm_chassis.context import Actor
from crm_chassis.errors import Unauthenticated

USER, SERVICE, SYSTEM = "user", "service", "system"


@dataclass(frozen=True)
class Caller:
    subject_id: str
    kind: str = USER
    departments: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    display_name: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject_id, kind=self.kind, display_name=self.display_name)

    @property
    def is_service(self) -> bool:
        """A service account (another service calling with its own token)."""
        return self.kind == SERVICE

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    def in_department(self, *names: str) -> bool:
        return bool(self.departments & set(names))

    @classmethod
    def system(cls, component: str, roles: frozenset[str] = frozenset()) -> Self:
        """The platform itself (an event handler, a timer, a bootstrap step)."""
        return cls(
            subject_id=component, kind=SYSTEM, roles=frozenset(roles), display_name=component
        )

    @classmethod
    def from_principal(cls, principal: Any) -> Self:
        """From a verified ``crm_chassis.auth.Principal`` (duck-typed: no auth import here)."""
        return cls(
            subject_id=principal.subject_id,
            kind=principal.kind,
            departments=frozenset(principal.departments),
            roles=frozenset(principal.roles),
            display_name=principal.display_name,
        )


def require_authenticated(caller: Caller | None) -> Caller:
    """The caller, or UNAUTHENTICATED with what to send."""
    if caller is None or not caller.subject_id:
        raise Unauthenticated(
            "this call needs an access token: send `authorization: Bearer "
            "<token>` (obtain one with identity's AuthService.Login)"
        )
    return caller
