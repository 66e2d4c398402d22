"""MigrationService servicer: a header, then rows in; one report per committed batch out, then
a summary (service_layer/migration.py). The header is checked before any row is read."""

from __future__ import annotations

from collections.abc import Iterator

from crm.deals.v1 import migration_pb2, migration_pb2_grpc
from crm_chassis.errors import InvalidArgument
from crm_deals.adapters import grpc_mapping
from crm_deals.domain.migration import ImportPlan
from crm_deals.service_layer import migration
from crm_deals.service_layer.access import Access


def _plan(deps, caller, kind: str, requests: Iterator) -> ImportPlan:
    first = next(requests, None)
    if first is None or first.WhichOneof("item") != "header":
        raise InvalidArgument(
            "an import starts with a header (column mapping, dry run); send it first, "
            "then the rows",
            field="header",
        )
    return migration.plan_import(
        caller,
        deps,
        kind=kind,
        column_mapping=dict(first.header.column_mapping),
        columns=list(first.header.columns),
        dry_run=first.header.dry_run,
    )


def _rows(requests: Iterator) -> Iterator[tuple[int, dict[str, str]]]:
    for request in requests:
        if request.WhichOneof("item") != "row":
            raise InvalidArgument(
                "an import takes one header, first; every later message must be a row",
                field="header",
            )
        yield request.row.row_number, dict(request.row.values)


def _response(report: migration.BatchReport, dry_run: bool):
    return migration_pb2.MigrationImportResponse(
        accepted=[
            migration_pb2.MigrationAcceptedRow(
                row_number=row.row_number,
                record_id="" if dry_run and not row.already_imported else row.record_id,
                already_imported=row.already_imported,
                possible_duplicate_ids=list(row.possible_duplicate_ids),
            )
            for row in report.accepted
        ],
        problems=[
            migration_pb2.MigrationRowProblem(
                row_number=p.row_number, field=p.field, reason=p.reason
            )
            for p in report.problems
        ],
        rows_read=report.rows_read,
        rows_accepted=report.rows_accepted,
        rows_rejected=report.rows_rejected,
        done=report.done,
        dry_run=dry_run,
    )


class MigrationServicer(migration_pb2_grpc.MigrationServiceServicer):
    def __init__(self, deps):
        self.deps = deps

    def _import(self, kind: str, request_iterator):
        caller = grpc_mapping.caller()
        Access.of(caller, self.deps.scopes)  # refused before the first message is awaited
        requests = iter(request_iterator)
        plan = _plan(self.deps, caller, kind, requests)
        for report in migration.import_rows(self.deps, caller, plan, _rows(requests)):
            yield _response(report, plan.dry_run)

    def ImportAccounts(self, request_iterator, context):
        yield from self._import("accounts", request_iterator)

    def ImportContacts(self, request_iterator, context):
        yield from self._import("contacts", request_iterator)

    def ImportDeals(self, request_iterator, context):
        yield from self._import("deals", request_iterator)

    def ImportActivities(self, request_iterator, context):
        yield from self._import("activities", request_iterator)
