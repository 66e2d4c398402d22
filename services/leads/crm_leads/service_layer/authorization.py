"""Who is calling a use case, and the department checks (deny by default).

Lead visibility is not decided here but by the caller's territory scope (domain/access.py);
this module only gates the non-team data: campaigns and scoring models.
"""
from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.context import Actor
from crm_chassis.errors import PermissionDenied, Unauthenticated

USER = "user"
SERVICE = "service"
SYSTEM = "system"
MARKETING, MANAGEMENT, SALES = "marketing", "management", "sales"


@dataclass(frozen=True)
class Caller:
    """The authenticated principal (mapped from the access token by the gRPC edge)."""

    subject_id: str
    kind: str = USER
    departments: frozenset[str] = frozenset()
    roles: frozenset[str] = frozenset()
    display_name: str = ""

    @property
    def actor(self) -> Actor:
        return Actor(id=self.subject_id, kind=self.kind, display_name=self.display_name)

    @classmethod
    def system(cls, component: str) -> "Caller":
        """The platform itself: event handlers and timers acting on territory's or deals'
        decisions. It acts on leads by id, never through a search."""
        return cls(subject_id=component, kind=SYSTEM, display_name=component)


def require_authenticated(caller: Caller | None) -> Caller:
    if caller is None or not caller.subject_id:
        raise Unauthenticated("this call needs an access token: send `authorization: Bearer "
                              "<token>`")
    return caller


def require_department(caller: Caller | None, *departments: str, doing: str) -> Caller:
    caller = require_authenticated(caller)
    if caller.kind == SYSTEM or caller.departments & set(departments):
        return caller
    raise PermissionDenied(f"{doing} needs membership of the {' or '.join(departments)} "
                           "department")
