"""Repository interfaces the unit of work offers (the SQLAlchemy adapters are in
``adapters/repositories*.py``, the in-memory fakes of the unit tests in
``tests/unit/deals_fakes.py``).

Conventions: ``get`` returns None for an unknown id (the use case decides what to answer);
``add`` inserts a new record; ``save`` writes a changed record, and the SQL adapter refuses it
with FailedPrecondition when the stored row is no longer at the version the record was read at
(optimistic concurrency: two people changing one deal never overwrite each other silently).
Lists are filtered by the team ids the caller may see and paged by an opaque key the repository
itself returns (``Page.next_key``; empty = last page), ordered by creation time then id.
"""

from __future__ import annotations

import abc
import builtins
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from crm_chassis import paging
from crm_chassis.privacy import PersonValues
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.activities import Activity
from crm_deals.domain.automation import AutomationRule
from crm_deals.domain.billing import Invoice, Order
from crm_deals.domain.bounces import BouncedAddress
from crm_deals.domain.contracts import Contract
from crm_deals.domain.customer_emails import CustomerEmailTemplate
from crm_deals.domain.deliveries import Delivery
from crm_deals.domain.history import HistoryEntry
from crm_deals.domain.notifications import Notification
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.pipelines import Pipeline, PipelineVersion
from crm_deals.domain.privacy import ConsentRecord, PrivacyRequest
from crm_deals.domain.proformas import ProForma
from crm_deals.domain.quotes import Quote
from crm_deals.domain.sales_lines import SalesLine, TerritoryPipeline

T = TypeVar("T")


MAX_KEY_LENGTH = 500  # longer than any key a repository returns


@dataclass(frozen=True)
class PageQuery:
    """A page as a repository reads it: at most ``limit`` records after ``after_key`` (the
    ``next_key`` of the previous page; empty for the first)."""

    limit: int = paging.DEFAULT_PAGE_SIZE
    after_key: str = ""

    @classmethod
    def of(cls, page_size: int = 0, after_key: str = "") -> PageQuery:
        """From the API's PageRequest: the platform's page sizes (:mod:`crm_chassis.paging`)."""
        if len(after_key) > MAX_KEY_LENGTH:
            raise paging.bad_cursor()
        return cls(paging.page_size(page_size), after_key)


FIRST_PAGE = PageQuery()  # the default: the first page of the default size


@dataclass
class Page(Generic[T]):
    items: list[T] = field(default_factory=list)
    next_key: str = ""


class Repository(abc.ABC, Generic[T]):
    @abc.abstractmethod
    def get(self, record_id: str) -> T | None: ...

    @abc.abstractmethod
    def add(self, record: T) -> None: ...

    @abc.abstractmethod
    def save(self, record: T) -> None: ...


@dataclass(frozen=True)
class AccountFilter:
    relationship: str = ""
    query: str = ""  # case-insensitive substring of the name
    owner_user_id: str = ""


class AccountRepository(Repository[Account]):
    @abc.abstractmethod
    def list(
        self, team_ids: frozenset[str], filter: AccountFilter, page: PageQuery
    ) -> Page[Account]: ...

    @abc.abstractmethod
    def children(self, account_id: str) -> builtins.list[Account]:
        """The accounts whose parent is ``account_id``, oldest first."""
        raise NotImplementedError

    @abc.abstractmethod
    def customers_last_won_before(self, cutoff: dt.datetime, limit: int) -> builtins.list[Account]:
        """Customers whose last won deal closed before ``cutoff`` (churn rule candidates),
        merged-away accounts left out."""

    @abc.abstractmethod
    def every(self, page: PageQuery) -> Page[Account]:
        """Every account of every team, in creation order (the snapshot backfill)."""

    @abc.abstractmethod
    def matching(self, team_ids: frozenset[str], keys: dict[str, str]) -> builtins.list[Account]:
        """Unmerged accounts of ``team_ids`` sharing one of the duplicate ``keys``
        (domain/duplicates.py: name, domain, phone; empty keys match nothing)."""


class ContactRepository(Repository[Contact]):
    @abc.abstractmethod
    def for_account(self, account_id: str) -> list[Contact]: ...

    @abc.abstractmethod
    def list(
        self, team_ids: frozenset[str], account_id: str, query: str, page: PageQuery
    ) -> Page[Contact]: ...

    @abc.abstractmethod
    def matching(self, team_ids: frozenset[str], keys: dict[str, str]) -> builtins.list[Contact]:
        """Unmerged contacts of ``team_ids`` sharing one of the duplicate ``keys``
        (domain/duplicates.py: email, phone, name; empty keys match nothing)."""


class PipelineRepository(Repository[Pipeline]):
    @abc.abstractmethod
    def get_by_sales_line(self, sales_line_id: str) -> Pipeline | None:
        """The line's default pipeline (its first; see Pipeline.line_default)."""

    @abc.abstractmethod
    def all(self) -> list[Pipeline]: ...

    @abc.abstractmethod
    def add_version(self, version: PipelineVersion) -> None:
        """Keep a version for good (insert only)."""

    @abc.abstractmethod
    def get_version(self, pipeline_id: str, version: int) -> PipelineVersion | None: ...


class SalesLineRepository(abc.ABC):
    """deals' copy of territory's sales lines (see crm_deals.domain.sales_lines)."""

    @abc.abstractmethod
    def get(self, sales_line_id: str) -> SalesLine | None: ...

    @abc.abstractmethod
    def put(self, line: SalesLine) -> None:
        """Insert or replace the stored copy of ``line``."""


class TerritoryPipelineRepository(abc.ABC):
    """deals' copy of territories' pipeline choice (see crm_deals.domain.sales_lines)."""

    @abc.abstractmethod
    def get(self, territory_id: str) -> TerritoryPipeline | None: ...

    @abc.abstractmethod
    def put(self, territory: TerritoryPipeline) -> None:
        """Insert or replace the stored copy of ``territory`` (unless it is older)."""

    @abc.abstractmethod
    def for_line_and_team(self, sales_line_id: str, team_id: str) -> list[TerritoryPipeline]:
        """The territories of the line worked by the team, active or not, by id."""


@dataclass(frozen=True)
class DealFilter:
    status: str = ""
    sales_line_id: str = ""
    stage_key: str = ""
    owner_user_id: str = ""
    account_id: str = ""
    team_id: str = ""


class OpportunityRepository(Repository[Opportunity]):
    @abc.abstractmethod
    def list(
        self, team_ids: frozenset[str], filter: DealFilter, page: PageQuery
    ) -> Page[Opportunity]: ...

    @abc.abstractmethod
    def open_in_pipeline(self, pipeline_id: str) -> builtins.list[Opportunity]: ...

    @abc.abstractmethod
    def open_owned_by(self, team_id: str, owner_user_id: str) -> builtins.list[Opportunity]: ...

    @abc.abstractmethod
    def open_count_by_owner(self, team_id: str) -> dict[str, int]: ...

    @abc.abstractmethod
    def for_account(self, account_id: str) -> builtins.list[Opportunity]: ...

    @abc.abstractmethod
    def all_open(self, after_key: str, limit: int) -> Page[Opportunity]:
        """Every open deal, in pages (the stalled-deal scan)."""

    @abc.abstractmethod
    def every(self, page: PageQuery) -> Page[Opportunity]:
        """Every deal of every team, open or closed, in creation order (the snapshot backfill)."""


class ActivityRepository(Repository[Activity]):
    @abc.abstractmethod
    def timeline(
        self, targets: list[tuple[str, str]], kinds: frozenset[str], page: PageQuery
    ) -> Page[Activity]:
        """Activities on any of ``targets`` ((type, id) pairs), newest ``occurred_at`` first."""

    @abc.abstractmethod
    def on_targets(self, targets: list[tuple[str, str]]) -> list[Activity]: ...

    @abc.abstractmethod
    def last_activity_at(self, target_type: str, target_id: str) -> dt.datetime | None: ...

    @abc.abstractmethod
    def open_tasks(
        self,
        team_ids: frozenset[str],
        owner_user_id: str = "",
        due_before: dt.datetime | None = None,
    ) -> list[Activity]:
        """Open tasks of these teams (of one owner when given; due before the instant when
        given), by due time then id."""

    @abc.abstractmethod
    def reminders_due(self, now: dt.datetime, lead: dt.timedelta, limit: int) -> list[Activity]:
        """Open tasks due within ``lead`` of ``now`` (either side) not yet reminded for their due
        time (domain/tasks.py ``reminder_due``), by due time."""


class AutomationRuleRepository(Repository[AutomationRule]):
    @abc.abstractmethod
    def for_pipeline(self, pipeline_id: str) -> list[AutomationRule]: ...


class AutomationFiringRepository(abc.ABC):
    @abc.abstractmethod
    def claim(self, key: str, at: dt.datetime) -> bool:
        """Record that ``key`` fired; False when it already had (a stalled episode fires once).
        The SQL adapter inserts into a table with ``key`` as primary key."""


class DeliveryRepository(Repository[Delivery]):
    """Deliveries by idempotency key (the primary key: a second insert of a key fails)."""

    @abc.abstractmethod
    def due(self, now: dt.datetime, limit: int) -> list[Delivery]: ...

    @abc.abstractmethod
    def for_rule(self, rule_id: str) -> list[Delivery]:
        """Newest first."""

    @abc.abstractmethod
    def for_deal(self, deal_id: str, kind: str) -> list[Delivery]:
        """The deliveries of one kind for a deal, newest first."""

    @abc.abstractmethod
    def by_message_id(self, message_id: str) -> Delivery | None:
        """The e-mail delivery sent with this Message-ID (domain/deliveries.message_id_of)."""


class BouncedAddressRepository(abc.ABC):
    """Addresses that bounced hard (domain/bounces.py), by normalised address."""

    @abc.abstractmethod
    def get(self, address: str) -> BouncedAddress | None: ...

    @abc.abstractmethod
    def put(self, bounced: BouncedAddress) -> None:
        """Add or replace the address's record."""

    @abc.abstractmethod
    def remove(self, address: str) -> bool:
        """Clear the address; False when it was not there."""

    @abc.abstractmethod
    def all(self) -> list[BouncedAddress]:
        """Every bounced address, newest first."""


class QuoteRepository(Repository[Quote]):
    @abc.abstractmethod
    def for_opportunity(self, opportunity_id: str) -> list[Quote]: ...


class OrderRepository(Repository[Order]):
    @abc.abstractmethod
    def for_quote(self, quote_id: str) -> Order | None: ...

    @abc.abstractmethod
    def for_opportunity(self, opportunity_id: str) -> list[Order]: ...


class InvoiceRepository(Repository[Invoice]):
    @abc.abstractmethod
    def for_order(self, order_id: str) -> list[Invoice]: ...

    @abc.abstractmethod
    def for_opportunity(self, opportunity_id: str) -> list[Invoice]: ...

    @abc.abstractmethod
    def list(
        self, team_ids: frozenset[str], opportunity_id: str, page: PageQuery, status: str = ""
    ) -> Page[Invoice]:
        """Invoices of ``team_ids`` (of one deal, in one status when given), oldest first."""


class InvoiceNumberSequence(abc.ABC):
    @abc.abstractmethod
    def next(self, year: int) -> int:
        """The next number of ``year`` (1, 2, ...), taken inside the unit of work's transaction.

        Gap-free under concurrency: the SQL adapter keeps one counter row per year and runs
        ``INSERT INTO invoice_sequences(year, last) VALUES (:y, 0) ON CONFLICT DO NOTHING`` then
        ``UPDATE invoice_sequences SET last = last + 1 WHERE year = :y RETURNING last``. The
        UPDATE's row lock makes concurrent issuers wait for each other's commit or rollback; a
        rollback undoes the increment, so no number is lost, and none is given twice."""


class HistoryRepository(abc.ABC):
    @abc.abstractmethod
    def append(self, entries: list[HistoryEntry]) -> None:
        """Insert only; there is no update or delete (the table is append-only)."""

    @abc.abstractmethod
    def for_record(
        self, record_type: str, record_id: str, page: PageQuery, merged_ids: Iterable[str] = ()
    ) -> Page[HistoryEntry]:
        """Entries oldest first; with ``merged_ids``, those of the records merged into this one
        among them."""


@dataclass(frozen=True)
class ConversionRecord:
    """The outcome of a lead conversion, kept for idempotency by ``conversion_id``."""

    conversion_id: str
    lead_id: str
    account_id: str
    contact_id: str
    opportunity_id: str
    at: dt.datetime


class ConversionRepository(abc.ABC):
    @abc.abstractmethod
    def get(self, conversion_id: str) -> ConversionRecord | None: ...

    @abc.abstractmethod
    def add(self, record: ConversionRecord) -> None: ...


# --- migration import --------------------------------------------------------------------------


class ImportKeyRepository(abc.ABC):
    """(kind, external id) -> the record imported for it: what makes a migration re-runnable."""

    @abc.abstractmethod
    def find(self, kind: str, external_ids: Iterable[str]) -> dict[str, str]:
        """external id -> record id of those already imported."""

    @abc.abstractmethod
    def add(self, kind: str, external_id: str, record_id: str, at: dt.datetime) -> None: ...


class NotificationRepository(abc.ABC):
    """A person's in-app notifications (written by the worker's delivery, read by the API)."""

    @abc.abstractmethod
    def for_user(
        self, user_id: str, *, unread_only: bool, before: tuple[dt.datetime, str] | None, limit: int
    ) -> list[Notification]:
        """Newest first (by time, then id descending), older than ``before`` when given."""

    @abc.abstractmethod
    def unread_of(self, user_id: str) -> list[Notification]: ...

    @abc.abstractmethod
    def mark_read(self, user_id: str, ids: list[str], at: dt.datetime) -> list[str]:
        """Mark these of the user's notifications read (those unread); the ids found."""


class CustomerEmailTemplateRepository(Repository[CustomerEmailTemplate]):
    """Templates by id; one per pipeline, stage and language (the use cases look it up)."""

    @abc.abstractmethod
    def for_pipeline(self, pipeline_id: str, stage_key: str = "") -> list[CustomerEmailTemplate]:
        """The pipeline's templates (of one stage when given), by stage then language."""


# -- line workflows: contracts and pro-forma invoices ------------------------------------------
class ContractRepository(Repository[Contract]):
    @abc.abstractmethod
    def for_opportunity(self, opportunity_id: str) -> list[Contract]: ...

    @abc.abstractmethod
    def renewals_due(self, today: dt.date, limit: int) -> list[Contract]:
        """Signed contracts without a renewal opportunity whose renewal is due by ``today``."""


class ProFormaRepository(Repository[ProForma]):
    @abc.abstractmethod
    def for_opportunity(self, opportunity_id: str) -> list[ProForma]: ...


class PrivacyRequestRepository(abc.ABC):
    """Personal-data requests (the audit record of every erasure)."""

    @abc.abstractmethod
    def get(self, request_id: str) -> PrivacyRequest | None: ...

    @abc.abstractmethod
    def add(self, request: PrivacyRequest) -> None: ...

    @abc.abstractmethod
    def save(self, request: PrivacyRequest) -> None: ...

    @abc.abstractmethod
    def recent(self, limit: int) -> list[PrivacyRequest]:
        """Newest first."""


class ConsentRepository(abc.ABC):
    """Contacts' consent records (append-only, except that erasing a contact deletes them)."""

    @abc.abstractmethod
    def add(self, record: ConsentRecord) -> None: ...

    @abc.abstractmethod
    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        """Oldest first."""

    @abc.abstractmethod
    def delete_for_contact(self, contact_id: str) -> int: ...


class PersonalDataRepository(abc.ABC):
    """Finding and tombstoning one person's values where no other repository looks: contacts
    by e-mail, text mentioning the person, history entries, stored e-mail commands, the outbox.
    ``values`` are lower-case needles (crm_chassis.privacy.needles); ``person`` says which of
    them may be searched for everywhere (crm_chassis.privacy.PersonValues)."""

    @abc.abstractmethod
    def contacts_with_email(self, email: str) -> list[Contact]: ...

    @abc.abstractmethod
    def activities_mentioning(self, values: tuple[str, ...]) -> list[Activity]: ...

    @abc.abstractmethod
    def customer_emails_to(self, email: str) -> list[dict[str, object]]:
        """The customer e-mails sent or queued to the address (delivery and its message)."""

    @abc.abstractmethod
    def tombstone(
        self, person: PersonValues, record_ids: tuple[str, ...], email: str
    ) -> dict[str, int]:
        """Tombstone history entries of ``record_ids`` (every value of the person) or
        mentioning the person's unique values (those only), the stored
        commands of customer e-mails to ``email`` (pending ones withheld) and the outbox rows
        mentioning the person (``crm_chassis.outbox.tombstone``); kind -> rows changed."""

    @abc.abstractmethod
    def tombstone_request(self, request_id: str) -> int:
        """Tombstone the outbox copy of a completed request's event (the address in it)."""
