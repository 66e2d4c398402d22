"""DealService servicer (deals, board, closing, transfer, history): proto in, use case, proto
out."""

from __future__ import annotations

from crm.deals.v1 import deals_pb2, deals_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import closing, deals, transfers
from crm_deals.service_layer.repositories import DealFilter

UPDATE_CONVERTERS = {
    "estimated_close_date": lambda raw: grpc_mapping.date(raw, "deal.estimated_close_date")
}


class DealServicer(grpc_mapping.UseCases, deals_pb2_grpc.DealServiceServicer):
    def CreateDeal(self, request, context):
        return grpc_mapping.deal(
            self.run(
                deals.create_deal,
                name=request.name,
                account_id=request.account_id,
                sales_line_id=request.sales_line_id,
                currency=request.currency,
                stage_key=request.stage_key,
                primary_contact_id=request.primary_contact_id,
                owner_user_id=request.owner_user_id,
                estimated_revenue=grpc_mapping.optional_money(request, "estimated_revenue"),
                estimated_close_date=grpc_mapping.date(
                    request.estimated_close_date, "estimated_close_date"
                ),
                probability=request.probability if request.HasField("probability") else None,
                campaign_id=request.campaign_id,
                territory_id=request.territory_id,
            )
        )

    def GetDeal(self, request, context):
        return grpc_mapping.deal(self.run(deals.get_deal, request.id))

    def ListDeals(self, request, context):
        filter = DealFilter(
            status=grpc_mapping.enum_value(grpc_mapping.DEAL_STATUS, request.status, "status"),
            sales_line_id=request.sales_line_id,
            stage_key=request.stage_key,
            owner_user_id=request.owner_user_id,
            account_id=request.account_id,
            team_id=request.team_id,
        )
        page = self.run(deals.list_deals, filter, grpc_mapping.page_query(request.page))
        return deals_pb2.ListDealsResponse(
            deals=[grpc_mapping.deal(d) for d in page.items], page=grpc_mapping.page_info(page)
        )

    def GetBoard(self, request, context):
        board = self.run(deals.board, request.sales_line_id, team_id=request.team_id)
        stages = {stage.key: stage for stage in board.pipeline.stages}
        return deals_pb2.GetBoardResponse(
            pipeline=grpc_mapping.pipeline(board.pipeline),
            truncated=board.truncated,
            columns=[
                deals_pb2.BoardColumn(
                    stage=grpc_mapping.stage(stages[column.stage_key]),
                    deals=[grpc_mapping.deal(d) for d in column.deals],
                    totals=grpc_mapping.money_list(column.total),
                    weighted_totals=grpc_mapping.money_list(column.weighted),
                )
                for column in board.columns
            ],
        )

    def UpdateDeal(self, request, context):
        fields = grpc_mapping.masked_fields(request.update_mask, request.deal, UPDATE_CONVERTERS)
        return grpc_mapping.deal(
            self.run(
                deals.update_deal, request.id, expected_version=request.expected_version, **fields
            )
        )

    def MoveDealToStage(self, request, context):
        return grpc_mapping.deal(
            self.run(
                deals.move_deal_to_stage,
                request.id,
                request.stage_key,
                note=request.note,
                expected_version=request.expected_version,
            )
        )

    def SetDealProbability(self, request, context):
        probability = request.probability if request.HasField("probability") else None
        return grpc_mapping.deal(self.run(deals.set_probability, request.id, probability))

    def SetDealRevenue(self, request, context):
        return grpc_mapping.deal(
            self.run(
                deals.set_estimated_revenue,
                request.id,
                grpc_mapping.optional_money(request, "estimated_revenue"),
            )
        )

    def SetDealLines(self, request, context):
        return grpc_mapping.deal(
            self.run(
                deals.set_deal_lines,
                request.id,
                grpc_mapping.line_requests(request.lines),
                price_list_id=request.price_list_id,
            )
        )

    def ReassignDeal(self, request, context):
        return grpc_mapping.deal(
            self.run(deals.reassign_deal, request.id, request.owner_user_id, reason=request.reason)
        )

    def CloseDealWon(self, request, context):
        return grpc_mapping.deal(
            self.run(
                closing.close_won,
                request.id,
                actual_revenue=grpc_mapping.optional_money(request, "actual_revenue"),
                actual_close_date=grpc_mapping.date(request.actual_close_date, "actual_close_date"),
            )
        )

    def CloseDealLost(self, request, context):
        return grpc_mapping.deal(
            self.run(
                closing.close_lost,
                request.id,
                reason=request.reason,
                competitor=request.competitor,
                note=request.note,
                close_date=grpc_mapping.date(request.close_date, "close_date"),
            )
        )

    def ReopenDeal(self, request, context):
        return grpc_mapping.deal(self.run(closing.reopen, request.id, request.reason))

    def TransferDeal(self, request, context):
        done = self.run(
            transfers.transfer_deal,
            request.id,
            to_team_id=request.to_team_id,
            reason=request.reason,
            new_owner_user_id=request.new_owner_user_id,
            move_account=request.move_account if request.HasField("move_account") else None,
        )
        if done.deal is None:
            return grpc_mapping.withheld_deal(done.deal_id, done.to_team_id)
        return grpc_mapping.deal(done.deal)

    def ListLostReasons(self, request, context):
        return deals_pb2.ListLostReasonsResponse(
            reasons=[
                deals_pb2.LostReason(key=key, description=description)
                for key, description in deals.lost_reasons().items()
            ]
        )

    def GetHistory(self, request, context):
        page = self.run(
            deals.history,
            request.record.type,
            request.record.id,
            grpc_mapping.page_query(request.page),
        )
        return deals_pb2.GetHistoryResponse(
            entries=[grpc_mapping.history_entry(e) for e in page.items],
            page=grpc_mapping.page_info(page),
        )
