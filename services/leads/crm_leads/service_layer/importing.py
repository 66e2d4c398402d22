"""Use case: bulk import of leads, streamed in batches with a per-row report.

Each batch is one transaction: its valid rows are committed together, so a crash loses at most
the batch in flight, and a re-run with the same import id skips every row accepted before
(idempotency key per import id and row number) -- no accepted row is lost or duplicated.
A row is accepted whole or rejected whole; a rejected row never touches the database.

The bulk lane: a batch's new leads are announced in ONE ``leads_captured`` event (their
snapshots, captured and scored), in the batch's transaction, instead of a ``lead_created`` and a
``lead_scored`` per lead; territory routes the batch in one transaction and answers with one
``leads_routed`` (docs/services/leads.md, "Import").
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from crm_chassis.caller import Caller
from crm_chassis.errors import CrmError, ValidationErrors
from crm_leads.domain import capture, importing
from crm_leads.domain.capture import parse_channel
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.importing import AcceptedRow, ImportPlan, RowProblem
from crm_leads.domain.lead import Lead
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.values import LeadData
from crm_leads.service_layer.authorization import require_importer
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.event_messages import leads_captured
from crm_leads.service_layer.leads import (
    CaptureResult,
    DuplicatePolicy,
    capture_in,
    request_fingerprint,
)

IMPORT_KEY_OWNER = "import"  # import keys are shared: a colleague's re-run duplicates nothing
DEFAULT_BATCH = 200
BATCH_AGGREGATE = "lead_import_batch"  # the aggregate of a leads_captured event (one per batch)


@dataclass
class BatchReport:
    accepted: list[AcceptedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    done: bool = False


def authorise_import(caller: Caller | None) -> Caller:
    """Whether the caller may import at all: decided before anything of the stream is read,
    so an unauthorised stream is refused at once (people of sales, marketing or management;
    service accounts with capture_leads)."""
    return require_importer(caller)


def plan_import(
    caller: Caller | None,
    *,
    import_id: str,
    column_mapping: Mapping[str, str],
    columns: Sequence[str] = (),
    default_channel: str = "",
    default_campaign_id: str = "",
    default_sales_line_id: str = "",
) -> ImportPlan:
    """Check the header before any row is read; every problem is reported at once."""
    authorise_import(caller)
    try:
        channel = parse_channel(default_channel) if default_channel else None
    except Invalid as exc:
        raise ValidationErrors([("default_channel", exc.reason)]) from None
    return importing.plan(
        import_id,
        column_mapping,
        columns=list(columns),
        default_channel=channel,
        default_campaign_id=default_campaign_id,
        default_sales_line_id=default_sales_line_id,
    )


def _problems_of(error: CrmError) -> list[tuple[str, str]]:
    if isinstance(error, ValidationErrors):
        return error.problems
    return [(error.field or "", error.message)]


def import_rows(
    deps: Dependencies,
    caller: Caller | None,
    plan: ImportPlan,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    *,
    batch_size: int = DEFAULT_BATCH,
) -> Iterator[BatchReport]:
    """Yield one report per batch of (row number, column -> value) rows, the last with done."""
    caller = authorise_import(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    totals = BatchReport()
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, batch_size)):
        report = BatchReport()
        now = deps.clock.now()
        built = [_build_row(plan, row_number, raw, now) for row_number, raw in batch]
        with deps.uow() as uow:
            # All the batch's lookups (and key locks) at once; each row then decides alone.
            uow.prefetch_captures(
                IMPORT_KEY_OWNER,
                [
                    (plan.idempotency_key(row_number), keys)
                    for row_number, _, data, keys, _ in built
                    if keys is not None
                ],
            )
            created: list[Lead] = []
            for row_number, values, data, keys, error in built:
                report.rows_read += 1
                try:
                    if error is not None:
                        raise error
                    assert data is not None  # _build_row gives the data or the error
                    result = capture_in(
                        uow,
                        deps,
                        caller,
                        scope,
                        key_owner=IMPORT_KEY_OWNER,
                        key=plan.idempotency_key(row_number),
                        fingerprint=request_fingerprint(values, DuplicatePolicy.REJECT),
                        data=data,
                        policy=DuplicatePolicy.REJECT,
                        now=now,
                        announced_later=created,
                        data_keys=keys,
                    )
                except CrmError as error:
                    if error.field == "idempotency_key":
                        error = ValidationErrors(
                            [
                                (
                                    "",
                                    f"row {row_number} was imported before "
                                    f"with other values under import id "
                                    f"{plan.import_id}; use a new import id "
                                    "for a changed file",
                                )
                            ]
                        )
                    report.problems.extend(
                        RowProblem(row_number, path, plan.explain(path, reason))
                        for path, reason in _problems_of(error)
                    )
                    report.rows_rejected += 1
                    continue
                report.accepted.append(
                    AcceptedRow(row_number, _reported_id(result), result.replayed)
                )
                report.rows_accepted += 1
            if created:
                uow.emit(
                    "leads_captured",
                    leads_captured(created, plan.import_id),
                    aggregate_type=BATCH_AGGREGATE,
                    aggregate_id=deps.ids.new_id(),
                    aggregate_version=1,
                    actor=caller.actor,
                )
            uow.commit()
        totals.rows_read += report.rows_read
        totals.rows_accepted += report.rows_accepted
        totals.rows_rejected += report.rows_rejected
        yield _with_totals(report, totals, done=False)
    yield _with_totals(BatchReport(), totals, done=True)


def _reported_id(result: CaptureResult) -> str:
    """The id of a lead this run created, or of one the caller may see. Import keys are shared
    (anyone re-running the same file), so a row imported before names its lead only to a
    caller whose scope covers it."""
    return result.lead.id if result.visible or not result.replayed else ""


def _build_row(
    plan: ImportPlan, row_number: int, raw: Mapping[str, str], now: dt.datetime
) -> tuple[int, dict[str, str], LeadData | None, DuplicateKeys | None, CrmError | None]:
    """(row number, values, lead data and its duplicate keys or None, the row's problem or
    None). The keys are derived once here for the batch's lookup and the row's capture."""
    values = plan.row_values(raw)
    try:
        if row_number < 1:
            raise ValidationErrors([("", f"row number {row_number} is not 1 or more")])
        data = capture.build(values, now=now)
    except CrmError as error:
        return row_number, values, None, None, error
    return row_number, values, data, DuplicateKeys.of(data), None


def _with_totals(report: BatchReport, totals: BatchReport, *, done: bool) -> BatchReport:
    return BatchReport(
        report.accepted,
        report.problems,
        totals.rows_read,
        totals.rows_accepted,
        totals.rows_rejected,
        done,
    )
