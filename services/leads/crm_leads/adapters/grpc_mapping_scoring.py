"""ScoringService: requests -> use-case arguments, scoring models and scores -> responses.

Rules go to the domain as plain dicts (domain/scoring/rules.py builds and checks them).
"""

from __future__ import annotations

from crm.leads.v1 import lead_pb2, scoring_pb2
from crm_leads.adapters.grpc_mapping import enum_word
from crm_leads.domain.scoring.engine import Score
from crm_leads.service_layer import event_messages


def fit_rule(rule: scoring_pb2.FitRule) -> dict:
    return {
        "id": rule.id,
        "attribute": rule.attribute,
        "values": list(rule.values),
        "operator": enum_word(scoring_pb2.RuleOperator, rule.operator),
        "points": rule.points,
        "label": rule.label,
    }


def engagement_rule(rule: scoring_pb2.EngagementRule) -> dict:
    return {
        "kind": enum_word(lead_pb2.ActivityKind, rule.kind),
        "points": rule.points,
        "half_life_days": rule.half_life_days,
        "max_points": rule.max_points,
    }


def interaction_rule(rule: scoring_pb2.InteractionRule) -> dict:
    return {
        "kind": rule.kind,
        "outcome": rule.outcome,
        "points": rule.points,
        "half_life_days": rule.half_life_days,
        "max_points": rule.max_points,
    }


# A scoring model answer is the message of its scoring_model_changed event.
scoring_model = event_messages.scoring_model


def explanation(score: Score) -> scoring_pb2.ExplainLeadScoreResponse:
    return scoring_pb2.ExplainLeadScoreResponse(
        score=event_messages.score(score), factors=[event_messages.factor(f) for f in score.factors]
    )
