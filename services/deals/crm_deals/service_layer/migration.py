"""Use case: migration import of accounts, contacts, deals (with their history) and activities from another CRM, streamed in batches
with a per-row report.

* **Idempotent by external id.** Each accepted row keeps (kind, external id) -> record id in the
  same transaction as the record; a row whose external id was imported before is reported as
  ``already_imported`` with its record, and adds nothing. Running the same file again adds
  nothing; a file interrupted half-way is sent again whole.
* **A crash loses no accepted row.** Each batch is one transaction, reported only after its
  commit: a reported row is stored, an unreported one is stored in full or not at all.
* **History keeps its own time.** ``created_at`` of the row becomes the record's creation time
  (and the time of its ``*_created`` event's record); the audit trail has the creation at that
  time and an ``imported`` entry at the import's time naming the external id.
* **Dry run.** Every row is checked and reported exactly as a real run would, then the batch
  is rolled back: nothing is stored, no event is emitted.
* Teams and owners arrive as ids (crmctl resolves team names and owner e-mails); the importer
  must be a member of each row's team, and the owner a member of it (default: the importer).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_chassis.errors import CrmError, InvalidArgument, ValidationErrors
from crm_deals.domain import migration
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.migration import ImportPlan
from crm_deals.service_layer import (
    duplicates,
    event_messages,
    migration_activities,
    migration_deals,
)
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, require_team_member
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

DEFAULT_BATCH = 200
# Deals come in the largest files and write a batch together (batched_inserts): a batch of
# 1,000 costs a fifth of the statements, commits and import-key reads of five of 200.
DEALS_BATCH = 1000


@dataclass(frozen=True)
class AcceptedRow:
    row_number: int
    record_id: str
    already_imported: bool = False
    # Accounts and contacts: visible records that look like the same one (imported anyway).
    possible_duplicate_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class RowProblem:
    row_number: int
    field: str
    reason: str


@dataclass
class BatchReport:
    accepted: list[AcceptedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    done: bool = False


def plan_import(
    caller: Caller | None,
    deps: Dependencies,
    *,
    kind: str,
    column_mapping: Mapping[str, str],
    columns: Iterable[str] = (),
    dry_run: bool = False,
) -> ImportPlan:
    """The header checked before any row is read (every problem at once)."""
    Access.of(caller, deps.scopes)  # UNAUTHENTICATED / no team data for services, at once
    return migration.plan(kind, column_mapping, list(columns), dry_run=dry_run)


def import_rows(
    deps: Dependencies,
    caller: Caller,
    plan: ImportPlan,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    batch_size: int | None = None,
) -> Iterator[BatchReport]:
    """One report per committed (or, dry, rolled back) batch (default: DEALS_BATCH rows of
    deals, DEFAULT_BATCH of the others); the last one with ``done``."""
    access = Access.of(caller, deps.scopes)
    if batch_size is None:
        batch_size = DEALS_BATCH if plan.kind == "deals" else DEFAULT_BATCH
    batch_size = max(1, min(batch_size, migration.MAX_BATCH))
    totals = BatchReport()
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, batch_size)):
        report = BatchReport()
        with deps.uow() as uow:
            # Deals (the big files) write a batch's rows together at its end; accounts and
            # contacts read back what the batch wrote (duplicates, contacts of new accounts).
            batched = uow.batched_inserts() if plan.kind == "deals" else contextlib.nullcontext()
            with batched:
                _import_batch(uow, deps, caller, access, plan, batch, report)
            if plan.dry_run:
                uow.rollback()
            else:
                uow.commit()
        for name in ("rows_read", "rows_accepted", "rows_rejected"):
            setattr(totals, name, getattr(totals, name) + getattr(report, name))
        report.rows_read, report.rows_accepted, report.rows_rejected = (
            totals.rows_read,
            totals.rows_accepted,
            totals.rows_rejected,
        )
        yield report
    yield BatchReport(
        rows_read=totals.rows_read,
        rows_accepted=totals.rows_accepted,
        rows_rejected=totals.rows_rejected,
        done=True,
    )


def _import_batch(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    access: Access,
    plan: ImportPlan,
    batch: list[tuple[int, Mapping[str, str]]],
    report: BatchReport,
) -> None:
    values = [(number, plan.values(raw)) for number, raw in batch]
    known = uow.import_keys.find(
        plan.kind, [v.get("external_id", "") for _, v in values if v.get("external_id")]
    )
    cache: dict[str, Any] = {}  # accounts and pipelines read once per batch
    for number, row in values:
        report.rows_read += 1
        try:
            record_id, again = _import_row(uow, deps, caller, access, plan, row, known, cache)
        except CrmError as error:
            problems = (
                error.problems
                if isinstance(error, ValidationErrors)
                else [(error.field or "", error.message)]
            )
            report.problems += [RowProblem(number, f, r) for f, r in problems]
            report.rows_rejected += 1
            continue
        report.accepted.append(
            AcceptedRow(number, record_id, again, _duplicates_of(uow, access, plan, record_id))
        )
        report.rows_accepted += 1


def _import_row(
    uow: DealsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    access: Access,
    plan: ImportPlan,
    row: dict[str, str],
    known: dict[str, str],
    cache: dict[str, Any],
) -> tuple[str, bool]:
    """(record id, imported before). Checks everything before it writes anything."""
    external_id = migration.external_id(row)
    if external_id in known:
        return known[external_id], True
    now = deps.clock.now()
    at = migration.business_time(row.get("created_at", ""), "created_at", now) or now
    record: Account | Contact
    if plan.kind == "activities":
        activity = migration_activities.import_activity(
            uow, deps, caller, access, row, now, external_id
        )
        uow.import_keys.add(plan.kind, external_id, activity.id, now)
        known[external_id] = activity.id
        return activity.id, False
    if plan.kind == "deals":
        account = _account_of(uow, access, plan, row, cache)
        deal = migration_deals.import_deal(
            uow, deps, caller, access, row, account, now, external_id, cache
        )
        uow.import_keys.add(plan.kind, external_id, deal.id, now)
        known[external_id] = deal.id
        return deal.id, False
    if plan.kind == "accounts":
        team_id = row.get("team_id", "")
        if not team_id:
            raise InvalidArgument(
                "team_id is required: the team owning the account", field="team_id"
            )
        access.require_member(team_id, "import accounts into it")
        owner = require_team_member(
            deps, team_id, row.get("owner_user_id") or caller.subject_id, "owner_user_id"
        )
        record = Account.create(
            id=deps.ids.new_id(),
            team_id=team_id,
            name=row.get("name", ""),
            owner_user_id=owner,
            industry=row.get("industry", ""),
            website=row.get("website", ""),
            phone=row.get("phone", ""),
            actor=caller.actor,
            at=at,
        )
        uow.accounts.add(record)
    else:
        account = _account_of(uow, access, plan, row)
        access.require_member(account.team_id, "import contacts into its accounts")
        owner = require_team_member(
            deps, account.team_id, row.get("owner_user_id") or caller.subject_id, "owner_user_id"
        )
        record = Contact.create(
            id=deps.ids.new_id(),
            team_id=account.team_id,
            account_id=account.id,
            first_name=row.get("first_name", ""),
            last_name=row.get("last_name", ""),
            email=row.get("email", ""),
            phone=row.get("phone", ""),
            job_title=row.get("job_title", ""),
            owner_user_id=owner,
            actor=caller.actor,
            at=at,
        )
        uow.contacts.add(record)
    record._record(
        caller.actor, now, "imported", note=f"migration import, external id {external_id}"
    )
    keep_history(uow, record)
    if isinstance(record, Account):
        publish(uow, "account_created", event_messages.account_created(record), record, caller)
    else:
        publish(uow, "contact_created", event_messages.contact_created(record), record, caller)
    uow.import_keys.add(plan.kind, external_id, record.id, now)
    known[external_id] = record.id
    return record.id, False


def _duplicates_of(
    uow: DealsUnitOfWork, access: Access, plan: ImportPlan, record_id: str
) -> tuple[str, ...]:
    """Ids of the visible accounts or contacts duplicating an imported one (the row's flag)."""
    if plan.kind == "accounts":
        account = uow.accounts.get(record_id)
        found = duplicates.account_duplicates_in(uow, access, account) if account else []
    elif plan.kind == "contacts":
        contact = uow.contacts.get(record_id)
        found = duplicates.contact_duplicates_in(uow, access, contact) if contact else []
    else:
        return ()
    return tuple(record.id for record, _ in found)


def _account_of(
    uow: DealsUnitOfWork,
    access: Access,
    plan: ImportPlan,
    row: dict[str, str],
    cache: dict[str, Any] | None = None,
) -> Account:
    """A contact's account: by the external id it was imported under, or by its id."""
    by_external = row.get("account_external_id", "")
    if by_external:
        account_id = uow.import_keys.find("accounts", [by_external]).get(by_external, "")
        if not account_id:
            raise InvalidArgument(
                f"no account was imported with external id '{by_external}'; import the "
                "accounts file first",
                field="account_external_id",
            )
    else:
        account_id = row.get("account_id", "")
        if not account_id:
            raise InvalidArgument(
                "account_external_id or account_id is required: a contact belongs to an account",
                field="account_external_id",
            )
    cache = {} if cache is None else cache
    key = f"account:{account_id}"  # the same object for every row of the batch (its saves too)
    if key not in cache:
        cache[key] = uow.accounts.get(account_id)
    account: Account | None = cache[key]
    if account is not None and account.merged_into_id:  # merged since its import: the survivor
        account = cache[key] = uow.accounts.get(account.merged_into_id)
    return access.visible(account, "account", account_id)
