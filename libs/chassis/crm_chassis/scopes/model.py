"""The replica's values: plain, immutable, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("expert", "supervisor", "manager")
SOURCES = ("membership", "unit_manager")
# A user may hold several grants on one team (a supervisor there who also manages the unit
# above): the strongest one decides.
ROLE_STRENGTH = {role: rank for rank, role in enumerate(ROLES, start=1)}


@dataclass(frozen=True)
class Grant:
    """Access to one team's records: as a member with a role there, or as manager of a unit above."""

    team_id: str
    role: str
    source: str
    unit_id: str = ""

    def __post_init__(self) -> None:
        if not self.team_id:
            raise ValueError("a grant needs a team id")
        if self.role not in ROLES:
            raise ValueError(f"unknown team role {self.role!r}; expected one of {', '.join(ROLES)}")
        if self.source not in SOURCES:
            raise ValueError(
                f"unknown scope source {self.source!r}; expected one of {', '.join(SOURCES)}"
            )


@dataclass(frozen=True)
class UserScopes:
    """A user's complete scopes at one access version."""

    user_id: str
    version: int = 0
    active: bool = False
    grants: tuple[Grant, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.active or not self.grants

    def roles_by_team(self) -> dict[str, str]:
        """{team id: strongest role}; {} for an inactive or unknown user."""
        if not self.active:
            return {}
        roles: dict[str, str] = {}
        for grant in self.grants:
            held = roles.get(grant.team_id)
            if held is None or ROLE_STRENGTH[grant.role] > ROLE_STRENGTH[held]:
                roles[grant.team_id] = grant.role
        return roles

    def role_in(self, team_id: str) -> str | None:
        return self.roles_by_team().get(team_id)
