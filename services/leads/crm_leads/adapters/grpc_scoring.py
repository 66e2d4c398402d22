"""ScoringService servicer: proto in, use case, proto out."""

from __future__ import annotations

from crm.leads.v1 import scoring_pb2_grpc
from crm_leads.adapters import grpc_mapping, grpc_mapping_scoring
from crm_leads.service_layer import scoring
from crm_leads.service_layer.dependencies import Dependencies


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def GetScoringModel(self, request, context):
        return grpc_mapping_scoring.scoring_model(
            *scoring.get_scoring_model(self.deps, grpc_mapping.caller(), request.sales_line_id)
        )

    def UpdateScoringModel(self, request, context):
        model = request.model
        return grpc_mapping_scoring.scoring_model(
            *scoring.update_scoring_model(
                self.deps,
                grpc_mapping.caller(),
                model.sales_line_id,
                fit_rules=[grpc_mapping_scoring.fit_rule(r) for r in model.fit_rules],
                engagement_rules=[
                    grpc_mapping_scoring.engagement_rule(r) for r in model.engagement_rules
                ],
                interaction_rules=[
                    grpc_mapping_scoring.interaction_rule(r) for r in model.interaction_rules
                ],
                expected_version=request.expected_version,
            )
        )

    def ExplainLeadScore(self, request, context):
        return grpc_mapping_scoring.explanation(
            scoring.explain_lead_score(self.deps, grpc_mapping.caller(), request.lead_id)
        )
