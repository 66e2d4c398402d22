"""The leads unit of work: one transaction over the repositories and the outbox."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crm_chassis.unit_of_work import AbstractUnitOfWork
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.lead import Lead
from crm_leads.service_layer.repositories import (
    ActivityRepository,
    CampaignRepository,
    HistoryRepository,
    IdempotencyRepository,
    InteractionRepository,
    LeadRepository,
    PersonalDataRepository,
    PredictiveRepository,
    ScoringModelRepository,
)


@dataclass
class CaptureLookup:
    """What a capture needs to know before it decides: the idempotency key's earlier use
    (fingerprint, lead id) and that lead (a replay), or else the leads sharing a duplicate key."""

    previous: tuple[str, str] | None = None
    previous_lead: Lead | None = None
    duplicates: list[Lead] = field(default_factory=list)


class LeadsUnitOfWork(AbstractUnitOfWork):
    leads: LeadRepository
    history: HistoryRepository
    activities: ActivityRepository
    idempotency: IdempotencyRepository
    campaigns: CampaignRepository
    scoring_models: ScoringModelRepository
    predictive: PredictiveRepository
    interactions: InteractionRepository
    personal_data: PersonalDataRepository

    def prefetch_captures(self, key_owner: str, requests: list[tuple[str, DuplicateKeys]]) -> None:
        """Announce a batch of captures (key, duplicate keys) about to be made in this unit of
        work, so the SQL unit of work locks and reads them all at once; a hint: every capture
        still asks :meth:`capture_lookup`, and this reference version does nothing."""

    def capture_lookup(self, key_owner: str, key: str, keys: DuplicateKeys) -> CaptureLookup:
        """The reads of a capture. The SQL unit of work does them in one statement after one
        lock statement; this composition of the repositories is the reference behaviour."""
        previous = self.idempotency.get(key_owner, key)
        if previous is not None:
            # A replay writes nothing: the lead is read, not locked.
            return CaptureLookup(previous, self.leads.get(previous[1], for_update=False))
        return CaptureLookup(duplicates=self.leads.find_duplicates(keys))

    def capture_new(
        self, key_owner: str, key: str, keys: DuplicateKeys, write: Callable[[], None]
    ) -> bool:
        """The common capture, committed: when the idempotency key is unused and no lead taking
        part shares a duplicate key, call ``write`` (it adds the new lead, its history, events
        and key) and commit, as one atomic step; otherwise write nothing and answer False (the
        caller then takes the full path of :meth:`capture_lookup`).

        This reference version looks up, then writes and commits in the same transaction. The
        SQL unit of work on PostgreSQL sends the check and the rows together with the commit
        (one round trip); ``write`` then runs before the check, so it may read but must only
        add: nothing it does reaches the database unless the check passes."""
        found = self.capture_lookup(key_owner, key, keys)
        if found.previous is not None or found.duplicates:
            return False
        write()
        self.commit()
        return True
