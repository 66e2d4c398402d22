"""ScoringService servicer: proto in, use case, proto out."""
from __future__ import annotations

from crm.leads.v1 import lead_pb2, scoring_pb2, scoring_pb2_grpc

from crm_leads.adapters import grpc_mapping as mapping
from crm_leads.service_layer import messages, scoring
from crm_leads.service_layer.dependencies import Dependencies


def fit_rule(rule: scoring_pb2.FitRule) -> dict:
    return {"id": rule.id, "attribute": rule.attribute, "values": list(rule.values),
            "operator": mapping.enum_word(scoring_pb2.RuleOperator, "RULE_OPERATOR",
                                          rule.operator),
            "points": rule.points, "label": rule.label}


def engagement_rule(rule: scoring_pb2.EngagementRule) -> dict:
    return {"kind": mapping.enum_word(lead_pb2.ActivityKind, "ACTIVITY_KIND", rule.kind),
            "points": rule.points, "half_life_days": rule.half_life_days,
            "max_points": rule.max_points}


class ScoringServicer(scoring_pb2_grpc.ScoringServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def GetScoringModel(self, request, context):
        return messages.scoring_model(*scoring.get_scoring_model(self.deps, mapping.caller(),
                                                                 request.sales_line_id))

    def UpdateScoringModel(self, request, context):
        model = request.model
        return messages.scoring_model(*scoring.update_scoring_model(
            self.deps, mapping.caller(), model.sales_line_id,
            fit_rules=[fit_rule(r) for r in model.fit_rules],
            engagement_rules=[engagement_rule(r) for r in model.engagement_rules],
            expected_version=request.expected_version))

    def ExplainLeadScore(self, request, context):
        score = scoring.explain_lead_score(self.deps, mapping.caller(), request.lead_id)
        return scoring_pb2.ExplainLeadScoreResponse(
            score=messages.score(score), factors=[messages.factor(f) for f in score.factors])
