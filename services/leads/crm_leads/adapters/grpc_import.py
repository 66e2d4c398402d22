"""ImportLeads: a header, then rows in; one report per batch of rows out, then a summary.

Each batch is committed on its own (service_layer/importing.py), so the answers stream while the
client is still sending, and a broken stream keeps the batches reported before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument
from crm_leads.adapters.grpc_mapping import enum_word
from crm_leads.domain.importing import ImportPlan
from crm_leads.service_layer import importing
from crm_leads.service_layer.dependencies import Dependencies


def _plan(caller: Caller | None, requests: Iterator) -> ImportPlan:
    first = next(requests, None)
    if first is None or first.WhichOneof("item") != "header":
        raise InvalidArgument(
            "ImportLeads starts with a header (import id, column mapping); "
            "send it as the first message, then the rows",
            field="header",
        )
    header = first.header
    return importing.plan_import(
        caller,
        import_id=header.import_id,
        column_mapping=dict(header.column_mapping),
        columns=list(header.columns),
        default_channel=enum_word(lead_pb2.Channel, header.default_channel),
        default_campaign_id=header.default_campaign_id,
        default_sales_line_id=header.default_sales_line_id,
    )


def _rows(requests: Iterator) -> Iterator[tuple[int, dict[str, str]]]:
    for request in requests:
        if request.WhichOneof("item") != "row":
            raise InvalidArgument(
                "ImportLeads takes one header, first; every later message "
                "must be a row (start a new stream for another import)",
                field="header",
            )
        yield request.row.row_number, dict(request.row.values)


def _response(report: importing.BatchReport) -> lead_service_pb2.ImportLeadsResponse:
    return lead_service_pb2.ImportLeadsResponse(
        accepted=[
            lead_service_pb2.AcceptedRow(
                row_number=row.row_number,
                lead_id=row.lead_id,
                already_imported=row.already_imported,
            )
            for row in report.accepted
        ],
        problems=[
            lead_service_pb2.RowProblem(row_number=p.row_number, field=p.field, reason=p.reason)
            for p in report.problems
        ],
        rows_read=report.rows_read,
        rows_accepted=report.rows_accepted,
        rows_rejected=report.rows_rejected,
        done=report.done,
    )


def import_leads(
    deps: Dependencies,
    caller: Caller | None,
    requests: Iterable,
    *,
    batch_size: int = importing.DEFAULT_BATCH,
) -> Iterator[lead_service_pb2.ImportLeadsResponse]:
    importing.authorise_import(caller)  # before the first message is awaited
    requests = iter(requests)
    plan = _plan(caller, requests)
    for report in importing.import_rows(deps, caller, plan, _rows(requests), batch_size=batch_size):
        yield _response(report)
