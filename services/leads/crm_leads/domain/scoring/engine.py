"""Computing a lead's score 0..100, its grade and the factors that explain it.

rules score = fit points + engagement points, bounded to 0..100, where each engagement kind
contributes  min(max_points, sum(points * 0.5 ** (age_days / half_life_days)))  over its
activities, and each interaction rule (a call, e-mail, meeting or note logged on the lead, a
call by outcome) the same over the interactions it counts. With an active predictive model of weight w:
    score = (1 - w) * rules score + w * 100 * P(won)
Factor points are additive: the rule factors are scaled by (1 - w); the predictive share
w * 100 * P(won) is split into the line's base rate and one share per attribute, in proportion
to that attribute's log-likelihood ratio (exact: the shares sum to the predictive share).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from crm_leads.domain.activity import Activity, ActivityKind
from crm_leads.domain.interactions import Interaction
from crm_leads.domain.scoring import attributes
from crm_leads.domain.scoring.predictive import Prediction, PredictiveModel, feature_values
from crm_leads.domain.scoring.rules import InteractionRule, ScoringModel
from crm_leads.domain.values import LeadData

TOP_FACTORS = 5
# Activities older than this many half-lives add less than 0.1 % of their points: skipped.
HORIZON_HALF_LIVES = 10
_TENTH = Decimal("0.1")


class Grade(enum.Enum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


def grade_for(score: int) -> Grade:
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} is outside 0..100")
    if score >= 75:
        return Grade.A
    if score >= 50:
        return Grade.B
    return Grade.C if score >= 25 else Grade.D


class FactorKind(enum.Enum):
    FIT = "fit"
    ENGAGEMENT = "engagement"
    PREDICTIVE = "predictive"


@dataclass(frozen=True)
class ScoreFactor:
    kind: FactorKind
    label: str
    points: Decimal  # signed, one decimal
    source_id: str


@dataclass(frozen=True)
class Score:
    value: int
    grade: Grade
    factors: tuple[ScoreFactor, ...]  # all of them, largest absolute points first
    rules_score: int
    predictive_probability: Decimal | None
    predictive_weight: Decimal
    model_version: int
    scored_at: dt.datetime

    @property
    def top_factors(self) -> tuple[ScoreFactor, ...]:
        return self.factors[:TOP_FACTORS]


def _round(value: float | Decimal) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP))


def _tenth(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(_TENTH, ROUND_HALF_UP)


def decayed(points: int, age: dt.timedelta, half_life_days: Decimal) -> float:
    """Points of one activity after ``age``; an activity from the future counts as fresh."""
    age_days = max(age.total_seconds(), 0.0) / 86400.0
    return points * float(0.5 ** (age_days / float(half_life_days)))


def engagement_horizon(model: ScoringModel) -> dt.timedelta | None:
    """How far back activities can still add points under ``model``; None without rules."""
    if not model.engagement_rules:
        return None
    longest = max(rule.half_life_days for rule in model.engagement_rules)
    return dt.timedelta(days=float(longest) * HORIZON_HALF_LIVES)


def interaction_horizon(model: ScoringModel) -> dt.timedelta | None:
    """How far back interactions can still add points under ``model``; None without rules."""
    if not model.interaction_rules:
        return None
    longest = max(rule.half_life_days for rule in model.interaction_rules)
    return dt.timedelta(days=float(longest) * HORIZON_HALF_LIVES)


def compute(
    model: ScoringModel,
    data: LeadData,
    activities: Iterable[Activity],
    now: dt.datetime,
    predictive: PredictiveModel | None = None,
    interactions: Iterable[Interaction] = (),
) -> Score:
    predicting = predictive is not None and predictive.active
    # The attributes only when a rule or the prediction looks at them (a line without a model
    # scores its imported rows without deriving them).
    lead_attributes = attributes.of(data) if model.fit_rules or predicting else {}
    raw: list[tuple[FactorKind, str, float, str]] = []
    for rule in model.fit_rules:
        if rule.matches(lead_attributes):
            raw.append((FactorKind.FIT, rule.describe(), float(rule.points), rule.id))
    raw.extend(_engagement(model, activities, now))
    raw.extend(_interactions(model, interactions, now))
    rules_total = sum(points for _, _, points, _ in raw)
    rules_score = min(100, max(0, _round(rules_total)))

    weight = predictive.weight if predictive is not None else Decimal("0.00")
    probability = None
    factors = [
        ScoreFactor(kind, label, _tenth(points * (1 - float(weight))), source)
        for kind, label, points, source in raw
    ]
    final = float(rules_score)
    if predicting:
        assert predictive is not None  # predicting says so
        prediction = predictive.predict(feature_values(lead_attributes))
        probability = Decimal(str(prediction.probability)).quantize(
            Decimal("0.0001"), ROUND_HALF_UP
        )
        w = float(weight)
        final = (1 - w) * rules_score + w * 100 * prediction.probability
        factors.extend(_predictive_factors(prediction, w))
    value = min(100, max(0, _round(final)))
    factors.sort(key=lambda f: (-abs(f.points), f.kind.value, f.label))
    return Score(
        value,
        grade_for(value),
        tuple(factors),
        rules_score,
        probability,
        weight,
        model.version,
        now,
    )


def _engagement(
    model: ScoringModel, activities: Iterable[Activity], now: dt.datetime
) -> Iterator[tuple[FactorKind, str, float, str]]:
    totals: dict[ActivityKind, tuple[float, int]] = {}
    for activity in activities:
        rule = model.engagement_rule(activity.kind)
        if rule is None:
            continue
        age = now - activity.occurred_at
        if age.total_seconds() > HORIZON_HALF_LIVES * float(rule.half_life_days) * 86400:
            continue
        points, count = totals.get(rule.kind, (0.0, 0))
        totals[rule.kind] = (points + decayed(rule.points, age, rule.half_life_days), count + 1)
    for kind, (points, count) in sorted(totals.items(), key=lambda item: item[0].value):
        rule = model.engagement_rule(kind)
        assert rule is not None  # totals only holds kinds with a rule
        capped = min(points, float(rule.max_points))
        label = f"{kind.value} x{count} (half-life {rule.half_life_days} d" + (
            f", capped at {rule.max_points})" if capped < points else ")"
        )
        yield FactorKind.ENGAGEMENT, label, capped, kind.value


def _interactions(
    model: ScoringModel, interactions: Iterable[Interaction], now: dt.datetime
) -> Iterator[tuple[FactorKind, str, float, str]]:
    """Sales interactions by rule (rules.InteractionRule), decayed and capped per rule as
    behavioural activity is per kind; explained as engagement factors of source
    ``interaction:<kind>[:<outcome>]``."""
    totals: dict[str, tuple[InteractionRule, float, int]] = {}
    for item in interactions:
        rule = model.interaction_rule(item.kind, item.outcome)
        if rule is None:
            continue
        age = now - item.occurred_at
        if age.total_seconds() > HORIZON_HALF_LIVES * float(rule.half_life_days) * 86400:
            continue
        _, points, count = totals.get(rule.key, (rule, 0.0, 0))
        totals[rule.key] = (
            rule,
            points + decayed(rule.points, age, rule.half_life_days),
            count + 1,
        )
    for key, (rule, points, count) in sorted(totals.items()):
        capped = min(points, float(rule.max_points))
        label = f"{rule.describe()} x{count} (half-life {rule.half_life_days} d" + (
            f", capped at {rule.max_points})" if capped < points else ")"
        )
        yield FactorKind.ENGAGEMENT, label, capped, f"interaction:{key}"


def _predictive_factors(prediction: Prediction, weight: float) -> list[ScoreFactor]:
    share = weight * 100
    factors = [
        ScoreFactor(
            FactorKind.PREDICTIVE,
            "base win rate of the sales line",
            _tenth(share * prediction.prior),
            "prior",
        )
    ]
    total_llr = sum(e.log_likelihood_ratio for e in prediction.evidence)
    delta = prediction.probability - prediction.prior
    # (p - p0) / sum(llr) tends to the sigmoid's slope p0 * (1 - p0) as sum(llr) tends to 0.
    slope = prediction.prior * (1 - prediction.prior)
    per_llr = delta / total_llr if abs(total_llr) > 1e-12 else slope
    for item in prediction.evidence:
        points = share * per_llr * item.log_likelihood_ratio
        verb = "raises" if item.log_likelihood_ratio >= 0 else "lowers"
        factors.append(
            ScoreFactor(
                FactorKind.PREDICTIVE,
                f"{item.feature} is {item.value}: past outcomes {verb} the win chance",
                _tenth(points),
                f"predictive:{item.feature}",
            )
        )
    return factors
