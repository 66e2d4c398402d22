"""What territory knows about a person: its copy of identity's facts that access depends on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Person:
    """Built from identity's user events (and a directory lookup on first use).

    ``access_version`` increases with every change of the person's effective scopes, so the
    replicas other services keep can drop a stale snapshot that arrives late.
    """

    user_id: str
    display_name: str = ""
    active: bool = True
    departments: frozenset[str] = field(default_factory=frozenset)
    roles: frozenset[str] = field(default_factory=frozenset)
    access_version: int = 0
    identity_version: int = 0  # version of identity's user these facts come from

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles
