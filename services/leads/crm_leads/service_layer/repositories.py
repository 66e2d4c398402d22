"""Abstract repositories of the leads service; SQLAlchemy implementations live in adapters."""

from __future__ import annotations

import abc
import datetime as dt

from crm_leads.domain.activity import Activity
from crm_leads.domain.campaign import Campaign
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.history import HistoryEntry
from crm_leads.domain.interactions import Interaction
from crm_leads.domain.lead import Lead
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.scoring.rules import ScoringModel
from crm_leads.domain.search import LeadQuery
from crm_leads.domain.values import Channel


class LeadRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, lead: Lead) -> None: ...

    def prefetch(  # noqa: B027 (a hint: doing nothing is right)
        self, lead_ids: list[str], *, assignment_only: bool = False
    ) -> None:
        """A hint: these leads will be read for update in this unit of work (a batch of routing
        decisions). A repository may read and lock them all at once; the default reads nothing
        ahead. ``assignment_only``: the unit of work changes nothing of them but their
        assignment (with version and time) unless it reads one again with :meth:`get`; the
        SQL adapter then reads only the columns that takes (see its docstring)."""

    def read_whole(self, lead: Lead) -> None:  # noqa: B027 (the default reads leads whole)
        """Complete a lead read by ``prefetch(assignment_only=True)`` in place (its other
        attributes from the database, its changes kept), so a use case may change the rest of
        it; a lead read whole stays as it is, and so does every lead of the default."""

    @abc.abstractmethod
    def get(self, lead_id: str, *, for_update: bool = True) -> Lead | None:
        """The lead. ``for_update`` (the default, for use cases that change it): the SQL
        adapter locks the row until the unit of work ends; a read that writes nothing passes
        False and neither waits for nor blocks a writer."""

    @abc.abstractmethod
    def find_duplicates(self, keys: DuplicateKeys) -> list[Lead]:
        """Leads sharing any of the keys (any status; the domain filters), this unit of work's
        own new and changed leads included. The SQL adapter serialises captures of one key
        (advisory lock) but does not lock the rows: a use case that changes a duplicate gets
        it again with :meth:`get`."""

    @abc.abstractmethod
    def search(self, query: LeadQuery) -> list[Lead]:
        """Up to ``query.page_size + 1`` matching leads in the query's order (the extra one
        tells whether there is a next page)."""

    @abc.abstractmethod
    def open_leads_of(self, team_id: str, owner_user_id: str) -> list[Lead]:
        """Leads of the team owned by the user, in status new, working or qualified."""

    @abc.abstractmethod
    def ids_after(self, sales_line_id: str, after_id: str, limit: int) -> list[str]:
        """Ids of the line's leads not read-only, in id order, after ``after_id``."""

    @abc.abstractmethod
    def every_after(self, after_id: str, limit: int) -> list[Lead]:
        """Up to ``limit`` leads of any line, team and status, in id order, after ``after_id``
        (the snapshot backfill); read without locks."""

    @abc.abstractmethod
    def by_conversion(self, conversion_id: str) -> Lead | None: ...

    @abc.abstractmethod
    def due_conversions(self, now: dt.datetime, limit: int) -> list[Lead]:
        """Leads whose conversion is due to be (re)sent (see Conversion.is_due)."""


class HistoryRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, entry: HistoryEntry) -> None:
        """Append only: entries are never changed or deleted."""

    @abc.abstractmethod
    def for_leads(self, lead_ids: list[str], offset: int, limit: int) -> list[HistoryEntry]:
        """Entries of these leads, oldest first (by time, then lead id and version)."""


class ActivityRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, activity_id: str) -> Activity | None: ...

    @abc.abstractmethod
    def add(self, activity: Activity) -> None: ...

    @abc.abstractmethod
    def for_lead(self, lead_id: str, since: dt.datetime | None = None) -> list[Activity]:
        """Activities of the lead (since the given time), newest first."""

    @abc.abstractmethod
    def move(self, from_lead_id: str, to_lead_id: str) -> None:
        """Re-attach a merged lead's activities to the survivor."""


class IdempotencyRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, caller_id: str, key: str) -> tuple[str, str] | None:
        """(request fingerprint, lead id) stored for this caller's key."""

    @abc.abstractmethod
    def add(self, caller_id: str, key: str, fingerprint: str, lead_id: str) -> None: ...


class CampaignRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, campaign_id: str) -> Campaign | None: ...

    @abc.abstractmethod
    def get_by_name(self, name: str) -> Campaign | None:
        """Case-insensitive."""

    @abc.abstractmethod
    def save(self, campaign: Campaign) -> None: ...

    @abc.abstractmethod
    def list(self, after_name: str, limit: int, channel: Channel | None = None) -> list[Campaign]:
        """Campaigns by lower-cased name after ``after_name``."""


class ScoringModelRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, sales_line_id: str) -> ScoringModel | None: ...

    @abc.abstractmethod
    def save(self, model: ScoringModel) -> None: ...

    @abc.abstractmethod
    def sales_line_ids(self) -> list[str]:
        """Lines that have a saved model, sorted."""


class PredictiveRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, sales_line_id: str) -> PredictiveModel:
        """The line's model (an empty one when it learned nothing yet)."""

    @abc.abstractmethod
    def save(self, model: PredictiveModel) -> None: ...

    @abc.abstractmethod
    def outcome_of(self, lead_id: str) -> tuple[str, dict[str, str], bool] | None:
        """(sales line, features, won) learned for a lead."""

    @abc.abstractmethod
    def set_outcome(
        self, lead_id: str, sales_line_id: str, features: dict[str, str], won: bool
    ) -> None: ...

    @abc.abstractmethod
    def clear_outcome(self, lead_id: str) -> None: ...


class InteractionRepository(abc.ABC):
    """Sales interactions logged on leads (domain/interactions.py)."""

    @abc.abstractmethod
    def get(self, interaction_id: str) -> Interaction | None: ...

    @abc.abstractmethod
    def add(self, interaction: Interaction) -> None: ...

    @abc.abstractmethod
    def save(self, interaction: Interaction) -> None:
        """Store a changed interaction (a task done)."""

    @abc.abstractmethod
    def for_lead(self, lead_id: str) -> list[Interaction]:
        """The lead's interactions, newest first (by occurrence, then id)."""

    @abc.abstractmethod
    def move(self, from_lead_id: str, to_lead_id: str) -> None:
        """Re-attach a merged lead's interactions to the survivor."""

    @abc.abstractmethod
    def open_tasks(
        self,
        team_ids: frozenset[str],
        owner_user_id: str = "",
        due_before: dt.datetime | None = None,
        *,
        assigned_only: bool = False,
    ) -> list[tuple[Interaction, str]]:
        """Open tasks on open leads (new, working, qualified) whose team is one of
        ``team_ids`` (the lead's team, or its queue team unless ``assigned_only``), of one
        owner when given, due before ``due_before`` when given; by due time, then id; each with
        its lead's name (person, else company)."""

    @abc.abstractmethod
    def reminders_due(
        self, now: dt.datetime, lead: dt.timedelta, limit: int
    ) -> list[tuple[Interaction, str, str, int]]:
        """Open tasks on open leads whose reminder is due (crm_chassis.due_buckets
        ``reminder_due``), by due time, at most ``limit``; each with its lead's name, team (or
        queue team) and version."""


class PersonalDataRepository(abc.ABC):
    """One person's data in leads, found and erased in bulk by e-mail (lower-case)."""

    @abc.abstractmethod
    def find(self, email: str) -> dict[str, list[dict[str, object]]]:
        """kind -> records: the leads with the e-mail (every stored field, consents included),
        their interactions, activity and history."""

    @abc.abstractmethod
    def erase(self, email: str) -> dict[str, int]:
        """Anonymise the leads irreversibly, clear their interactions' and activity's words,
        tombstone their history and the outbox rows mentioning the person; kind -> records."""
