"""The leads unit of work: one transaction over the repositories and the outbox."""
from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork

from crm_leads.service_layer.repositories import (ActivityRepository, CampaignRepository,
                                                  HistoryRepository, IdempotencyRepository,
                                                  LeadRepository, PredictiveRepository,
                                                  ScoringModelRepository)


class LeadsUnitOfWork(AbstractUnitOfWork):
    leads: LeadRepository
    history: HistoryRepository
    activities: ActivityRepository
    idempotency: IdempotencyRepository
    campaigns: CampaignRepository
    scoring_models: ScoringModelRepository
    predictive: PredictiveRepository
