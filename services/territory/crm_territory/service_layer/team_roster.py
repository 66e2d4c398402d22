"""Who in a team could take a new item right now: members as routing candidates, and the
team ledgers a unit of work reads and changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from crm_territory.domain.assignment import Candidate, OwnerChoice, TeamLedger, choose_owner
from crm_territory.domain.people import Person
from crm_territory.domain.teams import Membership, Team
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


class LedgerBook:
    """The team ledgers of one unit of work: each read once (adapters lock its row until the
    unit of work ends), the changed ones saved together by :meth:`save`. Routing and workload
    tracking share one book, so their changes to a team's ledger land on the same object."""

    def __init__(self, uow: TerritoryUnitOfWork):
        self._uow = uow
        self._ledgers: dict[str, TeamLedger] = {}
        self._dirty: set[str] = set()

    def get(self, team_id: str) -> TeamLedger:
        if team_id not in self._ledgers:
            self._ledgers[team_id] = self._uow.ledgers.get(team_id)
        return self._ledgers[team_id]

    def changing(self, team_id: str) -> TeamLedger:
        """The ledger, to be saved with the others."""
        self._dirty.add(team_id)
        return self.get(team_id)

    def save(self) -> None:
        self._uow.ledgers.save_many([self._ledgers[team_id] for team_id in sorted(self._dirty)])
        self._dirty.clear()


class TeamRoster:
    """Per-unit-of-work cache of each team's candidates and ledger, so a batch of leads loads
    every team once. Ledgers handed out here are saved by :meth:`save_ledgers`."""

    def __init__(self, uow: TerritoryUnitOfWork, at: dt.datetime):
        self._uow = uow
        self._at = at
        self._candidates: dict[str, list[Candidate]] = {}
        self.ledgers = LedgerBook(uow)

    def prefetch(self, team_ids: Iterable[str]) -> None:
        """Load the candidates of these teams together: three queries for all of them (a batch
        of leads may reach every team) instead of three per team."""
        wanted = [t for t in dict.fromkeys(team_ids) if t not in self._candidates]
        if not wanted:
            return
        memberships = self._uow.memberships.for_teams(wanted)
        active = {
            team_id: [m for m in rows if m.is_active(self._at)]
            for team_id, rows in memberships.items()
        }
        user_ids = list(dict.fromkeys(m.user_id for rows in active.values() for m in rows))
        people = self._uow.people.many(user_ids)
        on_leave = _on_leave(self._uow, user_ids, self._at)
        for team_id in wanted:
            self._candidates[team_id] = _candidates(active.get(team_id, []), people, on_leave)

    def candidates(self, team_id: str) -> list[Candidate]:
        if team_id not in self._candidates:
            self._candidates[team_id] = _load_candidates(self._uow, team_id, self._at)
        return self._candidates[team_id]

    def ledger(self, team_id: str) -> TeamLedger:
        return self.ledgers.get(team_id)

    def choose(
        self,
        team: Team,
        exclude: frozenset[str] = frozenset(),
        planned: Mapping[str, int] | None = None,
    ) -> OwnerChoice:
        return choose_owner(
            team.strategy,
            self.candidates(team.id),
            self.ledger(team.id),
            team.local_day(self._at),
            exclude,
            planned,
        )

    def record(self, team: Team, user_id: str) -> None:
        """The member received an item: their queue place and today's count move (their open
        items are the workload tracking's)."""
        self.ledgers.changing(team.id).record_assignment(user_id, team.local_day(self._at))

    def save_ledgers(self) -> None:
        self.ledgers.save()


def _load_candidates(uow: TerritoryUnitOfWork, team_id: str, at: dt.datetime) -> list[Candidate]:
    members = [m for m in uow.memberships.for_team(team_id) if m.is_active(at)]
    user_ids = [m.user_id for m in members]
    return _candidates(members, uow.people.many(user_ids), _on_leave(uow, user_ids, at))


def _on_leave(uow: TerritoryUnitOfWork, user_ids: list[str], at: dt.datetime) -> set[str]:
    return {a.user_id for a in uow.absences.for_users(user_ids) if a.covers(at)}


def _candidates(
    members: list[Membership], people: dict[str, Person], on_leave: set[str]
) -> list[Candidate]:
    result = []
    for m in members:
        person = people.get(m.user_id)
        result.append(
            Candidate(
                m.user_id,
                m.daily_capacity,
                takes_leads=m.takes_leads,
                paused=m.paused,
                on_leave=m.user_id in on_leave,
                deactivated=person is None or not person.active,
                no_access=person is not None and not person.departments,
            )
        )
    return result
