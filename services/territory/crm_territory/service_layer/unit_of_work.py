"""The territory unit of work: one transaction over every repository, plus the outbox."""
from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork

from crm_territory.service_layer import repositories as r

SERVICE_NAME = "territory"


class TerritoryUnitOfWork(AbstractUnitOfWork):
    settings: r.SettingsRepository
    units: r.UnitRepository
    teams: r.TeamRepository
    memberships: r.MembershipRepository
    absences: r.AbsenceRepository
    people: r.PersonRepository
    sales_lines: r.SalesLineRepository
    targets: r.TargetRepository
    territories: r.TerritoryRepository
    ledgers: r.LedgerRepository
    decisions: r.DecisionRepository
    owner_choices: r.OwnerChoiceRepository
    tracked_items: r.TrackedItemRepository
