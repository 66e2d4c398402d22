"""Who is calling, and what they may do with a team's records (deny by default).

Visibility: a record is visible to the members of its team and to the managers above it (both
come from territory as ``ScopeReader.roles_by_team``), never to an administrator who is not a
member. A record the caller may not see answers NOT_FOUND, exactly like an unknown id, so its
existence does not leak. Rules (territory's roles, each including the ones before):
- expert: reads the team's records, creates records in the team, edits the records they own,
  logs activities on any record of the team (covering for a colleague);
- supervisor: also edits and reassigns any record of the team, marks accounts churned,
  issues, pays and cancels invoices;
- manager: also transfers records to other teams, reopens any closed deal and defines the
  automation rules of the teams (a rule names its teams; it needs the manager role over each).
- the owner of a closed deal may reopen it; the management department may transfer the deals it
  sees (being in the department shows no team's records by itself).
- pipelines (the sales structure) are managed by administrators and the management department.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

from crm_chassis.caller import USER, require_authenticated
from crm_chassis.caller import Caller as BaseCaller
from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_deals.domain.opportunities import Opportunity
from crm_deals.service_layer.ports import EXPERT, MANAGER, ROLE_RANK, SUPERVISOR, ScopeReader

MANAGEMENT = "management"


class TeamRecord(Protocol):
    """A record that belongs to a team (every aggregate a caller may see)."""

    id: str
    team_id: str


R = TypeVar("R", bound=TeamRecord)


class Caller(BaseCaller):
    """The chassis caller; in deals, the management department may transfer between teams."""

    @property
    def in_management(self) -> bool:
        return self.in_department(MANAGEMENT)


@dataclass
class Access:
    """The caller's roles per team, read once per use case."""

    caller: Caller
    roles: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, caller: Caller | None, scopes: ScopeReader) -> Access:
        # UNAUTHENTICATED without a caller; otherwise the caller given (deals' Caller).
        caller = cast(Caller, require_authenticated(caller))
        if caller.kind != USER:
            return cls(caller, {})  # services and the platform act through events, not the API
        return cls(caller, dict(scopes.roles_by_team(caller.subject_id)))

    @property
    def visible_team_ids(self) -> frozenset[str]:
        return frozenset(self.roles)

    def role_in(self, team_id: str) -> str:
        return self.roles.get(team_id, "")

    def has(self, team_id: str, role: str) -> bool:
        return ROLE_RANK.get(self.role_in(team_id), 0) >= ROLE_RANK[role]

    def can_see(self, team_id: str) -> bool:
        return team_id in self.roles

    def visible(self, record: R | None, what: str, record_id: str) -> R:
        """``record`` if the caller may see it, else NotFound (same answer as an unknown id). An
        empty id is bad input (INVALID_ARGUMENT), not an unknown record."""
        if not (record_id or "").strip():
            raise InvalidArgument(
                f"{what}_id is required: the id of the {what}", field=f"{what}_id"
            )
        if record is None or not self.can_see(record.team_id):
            raise NotFound(f"{what} {record_id!r} not found", field=f"{what}_id")
        return record

    def require_member(self, team_id: str, doing: str) -> None:
        if not self.has(team_id, EXPERT):
            raise PermissionDenied(f"only members of team {team_id!r} may {doing}", field="team_id")

    def require_edit(self, record: TeamRecord, doing: str) -> None:
        """Owner (any member) or a supervisor/manager of the record's team."""
        owner = getattr(record, "owner_user_id", "")
        if self.has(record.team_id, SUPERVISOR):
            return
        if self.has(record.team_id, EXPERT) and owner == self.caller.subject_id:
            return
        raise PermissionDenied(f"only the owner or a supervisor or manager of the team may {doing}")

    def require_role(self, team_id: str, role: str, doing: str) -> None:
        if not self.has(team_id, role):
            raise PermissionDenied(f"only a {role} of the team (or above) may {doing}")

    def require_reopen(self, deal: Opportunity) -> None:
        if self.has(deal.team_id, MANAGER):
            return
        if self.has(deal.team_id, EXPERT) and deal.owner_user_id == self.caller.subject_id:
            return
        raise PermissionDenied("only the deal's owner or a manager above its team may reopen it")

    def require_transfer(self, team_id: str) -> None:
        """A manager above the deal's team, or a member of the management department who sees
        it. The caller must see the deal first (``visible``): the department alone shows
        nothing."""
        if self.has(team_id, MANAGER) or (
            self.can_see(team_id) and self.caller.kind == USER and self.caller.in_management
        ):
            return
        raise PermissionDenied(
            "only a manager of the source team's units or the management "
            "department may transfer a deal to another team"
        )

    def require_manager_of_each(self, team_ids: Iterable[str], doing: str) -> None:
        """The manager role over every team of ``team_ids`` (a manager of the team or of a unit
        above it), else PERMISSION_DENIED naming the teams that lack it."""
        missing = [team for team in team_ids if not self.has(team, MANAGER)]
        if missing:
            raise PermissionDenied(
                f"{doing} for team(s) {', '.join(repr(t) for t in missing)} needs the manager "
                "role over each of them (manager of the team or of a unit above it, granted in "
                "territory by its administrators); being an administrator or in the management "
                "department is not enough",
                field="team_ids",
            )

    def require_structure_admin(self, doing: str) -> None:
        if self.caller.kind == USER and (self.caller.is_admin or self.caller.in_management):
            return
        raise PermissionDenied(f"only administrators and the management department may {doing}")
