"""The territory unit of work: one transaction over every repository, plus the outbox."""

from __future__ import annotations

from typing import Self

from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_territory.service_layer import repositories

SERVICE_NAME = "territory"


class TerritoryUnitOfWork(AbstractUnitOfWork):
    settings: repositories.SettingsRepository
    units: repositories.UnitRepository
    teams: repositories.TeamRepository
    memberships: repositories.MembershipRepository
    absences: repositories.AbsenceRepository
    people: repositories.PersonRepository
    sales_lines: repositories.SalesLineRepository
    targets: repositories.TargetRepository
    territories: repositories.TerritoryRepository
    ledgers: repositories.LedgerRepository
    decisions: repositories.DecisionRepository
    owner_choices: repositories.OwnerChoiceRepository
    tracked_items: repositories.TrackedItemRepository

    def __enter__(self) -> Self:
        entered: Self = super().__enter__()
        return entered
