"""SalesLineService: sales lines and their targets."""

from __future__ import annotations

from crm.territory.v1 import sales_lines_pb2, sales_lines_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import sales_lines


def _line_changes(request) -> dict:
    """The update_mask's fields with their new values, as update_sales_line takes them."""
    given = request.sales_line
    values = {
        "name": lambda: given.name,
        "description": lambda: given.description,
        "workflow_kind": lambda: grpc_mapping.workflow_kind(given.workflow_kind),
        "pipeline_id": lambda: given.pipeline_id,
        "team_ids": lambda: list(given.team_ids),
    }
    # Unknown paths go through as None: the use case refuses them, naming the allowed ones.
    return {path: values[path]() if path in values else None for path in request.update_mask.paths}


class SalesLineServicer(Servicer, sales_lines_pb2_grpc.SalesLineServiceServicer):
    def CreateSalesLine(self, request, context):
        line = sales_lines.create_sales_line(
            self.deps,
            caller(),
            name=request.name,
            description=request.description,
            workflow_kind=grpc_mapping.workflow_kind(request.workflow_kind),
            pipeline_id=request.pipeline_id,
            team_ids=list(request.team_ids),
        )
        return sales_lines_pb2.CreateSalesLineResponse(sales_line=grpc_mapping.sales_line(line))

    def GetSalesLine(self, request, context):
        line = sales_lines.get_sales_line(self.deps, caller(), line_id=request.id)
        return sales_lines_pb2.GetSalesLineResponse(sales_line=grpc_mapping.sales_line(line))

    def ListSalesLines(self, request, context):
        page = sales_lines.list_sales_lines(
            self.deps,
            caller(),
            include_inactive=request.include_inactive,
            team_id=request.team_id,
            **paged(request),
        )
        return listed(
            sales_lines_pb2.ListSalesLinesResponse, "sales_lines", page, grpc_mapping.sales_line
        )

    def UpdateSalesLine(self, request, context):
        line = sales_lines.update_sales_line(
            self.deps,
            caller(),
            line_id=request.id,
            changes=_line_changes(request),
            expected_version=request.expected_version,
        )
        return sales_lines_pb2.UpdateSalesLineResponse(sales_line=grpc_mapping.sales_line(line))

    def DeactivateSalesLine(self, request, context):
        line = sales_lines.deactivate_sales_line(self.deps, caller(), line_id=request.id)
        return sales_lines_pb2.DeactivateSalesLineResponse(sales_line=grpc_mapping.sales_line(line))

    def SetTargets(self, request, context):
        rows = [
            (
                t.team_id,
                t.amount.amount,
                t.amount.currency,
                t.deal_count,
                [(u.product_id, u.product_group, u.quantity, u.unit) for u in t.units],
            )
            for t in request.targets
        ]
        targets = sales_lines.set_targets(
            self.deps, caller(), line_id=request.sales_line_id, period=request.period, rows=rows
        )
        return sales_lines_pb2.SetTargetsResponse(targets=[grpc_mapping.target(t) for t in targets])

    def ListTargets(self, request, context):
        targets = sales_lines.list_targets(
            self.deps,
            caller(),
            line_id=request.sales_line_id,
            period=request.period,
            team_id=request.team_id,
        )
        return sales_lines_pb2.ListTargetsResponse(
            targets=[grpc_mapping.target(t) for t in targets]
        )
