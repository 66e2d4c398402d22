"""territory's teams, memberships, absences and queue, with leads' AssignLead and deals'
ReassignDeal/TransferDeal, as the Team pages' unit tests need them: the caller is the token's
person, a team outside their scopes is NotFound and a change their role does not allow is
refused with a sentence, as the services answer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from crm_console.domain.deals import Deal, Money
from crm_console.domain.errors import NotFound, Refused
from crm_console.domain.leads import OPEN_STATUSES, Lead
from crm_console.domain.team import Absence, Membership, QueuedLead, Scope, Team

RANK = {"expert": 1, "supervisor": 2, "manager": 3}


def deal(deal_id: str, owner: str, team: str) -> Deal:
    return Deal(
        id=deal_id,
        name=f"Deal {deal_id}",
        team_id=team,
        account_id="acc-1",
        primary_contact_id="",
        sales_line_id="line-1",
        stage_key="new",
        stage_name="New",
        status="open",
        probability=10,
        currency="EUR",
        estimated_revenue=Money(Decimal("1200"), "EUR"),
        estimated_close_date="",
        owner_user_id=owner,
    )


@dataclass
class FakeTeams:
    identity: Any  # conftest's FakeIdentity: whose token is whose
    make_lead: Callable[..., Lead]  # conftest's lead(id, owner, team=...)
    now: dt.datetime
    teams: dict[str, Team] = field(default_factory=dict)
    members: dict[str, list[Membership]] = field(default_factory=dict)  # team -> memberships
    unit_managers: dict[str, set[str]] = field(default_factory=dict)  # team -> user ids
    away: dict[str, list[Absence]] = field(default_factory=dict)  # user -> absences
    queue: list[QueuedLead] = field(default_factory=list)
    queue_team: str = ""
    leads: dict[str, Lead] = field(default_factory=dict)
    deals: dict[str, Deal] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    # ------------------------------------------------------------ set-up
    def add_team(self, team_id: str, name: str) -> None:
        self.teams[team_id] = Team(team_id, name, "unit-1")
        self.members.setdefault(team_id, [])

    def join(self, team_id: str, user_id: str, role: str = "expert", **values: object) -> None:
        number = sum(len(m) for m in self.members.values()) + 1
        membership = Membership(f"m{number}", team_id, user_id, role, starts_at=self.now)
        self.members[team_id].append(replace(membership, **values))  # type: ignore[arg-type]

    def give_lead(self, lead_id: str, owner: str, team: str) -> None:
        self.leads[lead_id] = self.make_lead(lead_id, owner, team=team)

    def give_deal(self, deal_id: str, owner: str, team: str) -> None:
        self.deals[deal_id] = deal(deal_id, owner, team)

    def hand_over(self, user_id: str, team_id: str, to_user: str) -> None:
        """What leads and deals do after membership_changed: the items get a new owner."""
        for key, item in list(self.leads.items()):
            if item.owner_user_id == user_id and item.team_id == team_id:
                self.leads[key] = replace(item, owner_user_id=to_user)
        for key, item in list(self.deals.items()):
            if item.owner_user_id == user_id and item.team_id == team_id:
                self.deals[key] = replace(item, owner_user_id=to_user)

    # ------------------------------------------------------------ who is calling
    def _user(self, token: str) -> str:
        return self.identity.owners[token]

    def _role(self, token: str, team_id: str) -> str:
        user_id = self._user(token)
        if user_id in self.unit_managers.get(team_id, set()):
            return "manager"
        found = [m.role for m in self.members.get(team_id, []) if m.user_id == user_id]
        return max(found, key=RANK.__getitem__) if found else ""

    def _at_least(self, token: str, team_id: str, role: str, doing: str) -> None:
        held = self._role(token, team_id)
        if not held:
            raise NotFound(f"team {team_id} not found")
        if RANK[held] < RANK[role]:
            raise Refused(f"{doing} needs the {role} role in team {self.teams[team_id].name}")

    # ------------------------------------------------------------ territory
    def scopes(self, token: str, user_id: str) -> tuple[Scope, ...]:
        self.calls.append("ListScopes")
        assert user_id == self._user(token), "a person asks for their own scopes"
        return tuple(
            Scope(t, role, through_unit=user_id in self.unit_managers.get(t, set()))
            for t in self.teams
            if (role := self._role(token, t))
        )

    def all_teams(self, token: str) -> tuple[Team, ...]:
        return tuple(self.teams.values())

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]:
        return tuple(m for m in self.members.get(team_id, []) if m.ends_at is None)

    def absences(self, token: str, user_id: str) -> tuple[Absence, ...]:
        return tuple(a for a in self.away.get(user_id, []) if a.ends_at > self.now)

    def names(self, token: str, user_ids: tuple[str, ...]) -> dict[str, str]:
        """territory's ListPeopleNames: the caller and the members of the teams they see."""
        self.calls.append("ListPeopleNames")
        me = self._user(token)
        mine = [t for t in self.teams if self._role(token, t)]
        visible = {m.user_id for t in mine for m in self.members.get(t, [])} | {me}
        named = {p.user_id: p.display_name for p in self.identity.people.values()}
        return {u: named[u] for u in user_ids if u in visible and u in named}

    def unassigned(self, token: str) -> tuple[QueuedLead, ...]:
        if not self._role(token, self.queue_team):
            return ()
        return tuple(self.queue)

    def retry_routing(self, token: str, lead_id: str) -> QueuedLead | None:
        self._at_least(token, self.queue_team, "supervisor", "routing a lead again")
        return next((q for q in self.queue if q.lead_id == lead_id), None)

    def move_member(self, token: str, user_id: str, from_team_id: str, to_team_id: str) -> None:
        self._at_least(token, from_team_id, "manager", "moving a member")
        old = next(m for m in self.members[from_team_id] if m.user_id == user_id)
        self.members[from_team_id].remove(old)
        self.members[from_team_id].append(replace(old, ends_at=self.now))
        self.join(to_team_id, user_id, old.role)

    def record_absence(
        self, token: str, user_id: str, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
    ) -> Absence:
        if ends_at <= starts_at:
            raise Refused("ends_at must be after starts_at")
        absence = Absence(f"a{len(self.away) + 1}", user_id, starts_at, ends_at, reason)
        self.away.setdefault(user_id, []).append(absence)
        return absence

    def cancel_absence(self, token: str, absence_id: str) -> Absence:
        for absences in self.away.values():
            for n, absence in enumerate(absences):
                if absence.id == absence_id:
                    absences[n] = replace(absence, cancelled=True)
                    return absences[n]
        raise NotFound(f"absence {absence_id} not found")

    # ------------------------------------------------------------ leads and deals
    def open_leads(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Lead, ...]:
        self.calls.append("SearchLeads")
        return tuple(
            x
            for x in self.leads.values()
            if x.team_id == team_id
            and self._role(token, team_id)
            and x.status in OPEN_STATUSES
            and (not owner_user_id or x.owner_user_id == owner_user_id)
        )

    def open_deals(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Deal, ...]:
        self.calls.append("ListDeals")
        return tuple(
            x
            for x in self.deals.values()
            if x.team_id == team_id
            and self._role(token, team_id)
            and (not owner_user_id or x.owner_user_id == owner_user_id)
        )

    def _member_of(self, team_id: str, user_id: str) -> None:
        if not any(m.user_id == user_id for m in self.memberships("", team_id)):
            raise Refused(f"owner {user_id} is not a member of team {self.teams[team_id].name}")

    def assign_lead(self, token: str, lead_id: str, team_id: str, owner_user_id: str) -> Lead:
        queued = next((q for q in self.queue if q.lead_id == lead_id), None)
        if queued is not None:
            if not self._role(token, self.queue_team):
                raise NotFound(f"lead {lead_id} not found")
            self._member_of(team_id, owner_user_id)
            self.queue.remove(queued)
            self.leads[lead_id] = self.make_lead(lead_id, owner_user_id, team=team_id)
            return self.leads[lead_id]
        found = self.leads.get(lead_id)
        if found is None or not self._role(token, found.team_id):
            raise NotFound(f"lead {lead_id} not found")
        self._at_least(token, found.team_id, "supervisor", "reassigning a lead")
        self._member_of(found.team_id, owner_user_id)
        self.leads[lead_id] = replace(found, owner_user_id=owner_user_id)
        return self.leads[lead_id]

    def _deal(self, token: str, deal_id: str) -> Deal:
        found = self.deals.get(deal_id)
        if found is None or not self._role(token, found.team_id):
            raise NotFound(f"opportunity {deal_id} not found")
        return found

    def reassign_deal(self, token: str, deal_id: str, owner_user_id: str, reason: str) -> Deal:
        found = self._deal(token, deal_id)
        self._at_least(token, found.team_id, "supervisor", "reassigning a deal")
        self.calls.append(f"ReassignDeal:{reason}")
        self._member_of(found.team_id, owner_user_id)
        self.deals[deal_id] = replace(found, owner_user_id=owner_user_id)
        return self.deals[deal_id]

    def transfer_deal(self, token: str, deal_id: str, to_team_id: str, reason: str) -> Deal:
        found = self._deal(token, deal_id)
        self._at_least(token, found.team_id, "manager", "transferring a deal")
        self.calls.append(f"TransferDeal:{reason}")
        self.deals[deal_id] = replace(found, team_id=to_team_id, owner_user_id="")
        return self.deals[deal_id]

    def __getattr__(self, name: str) -> object:
        raise NotImplementedError(name)
