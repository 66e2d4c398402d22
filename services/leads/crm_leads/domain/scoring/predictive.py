"""The predictive component: naive Bayes over categorical attributes, trained on closed outcomes.

Each sales line learns from its own won and lost outcomes (a lead converted into an
opportunity that deals later closed). The model is a table of counts, so learning an outcome,
or forgetting one when a deal is reopened, is an update of a few numbers, and every prediction
explains itself: log-odds = prior log-odds + the sum of one log-likelihood ratio per attribute.

Blending (documented in docs/services/leads.md): the model takes part only once the line has at
least MIN_OUTCOMES closed outcomes with at least MIN_PER_CLASS of each kind; its weight then
grows linearly with the outcomes, from 0.10 at 40 to MAX_WEIGHT (0.50) at 200 and beyond, so
the rules a person wrote always keep at least half the say.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

FEATURES = (
    "country",
    "industry",
    "company_size",
    "title_seniority",
    "channel",
    "email_domain_kind",
)
MIN_OUTCOMES = 40
MIN_PER_CLASS = 10
FULL_WEIGHT_AT = 200
MAX_WEIGHT = Decimal("0.50")


def feature_values(attributes: dict[str, Any]) -> dict[str, str]:
    """The categorical values the model learns from ("" = unknown, left out)."""
    result = {}
    for name in FEATURES:
        value = attributes.get(name)
        value = getattr(value, "value", value)
        if value:
            result[name] = str(value)
    return result


@dataclass(frozen=True)
class Evidence:
    feature: str
    value: str
    log_likelihood_ratio: float


@dataclass(frozen=True)
class Prediction:
    probability: float
    prior: float
    evidence: tuple[Evidence, ...]


@dataclass
class PredictiveModel:
    """Counts per sales line: outcomes by class and (feature, value) by class."""

    sales_line_id: str
    won: int = 0
    lost: int = 0
    # "feature=value" -> [won count, lost count]
    counts: dict[str, list[int]] = field(default_factory=dict)

    @property
    def outcomes(self) -> int:
        return self.won + self.lost

    @property
    def active(self) -> bool:
        return (
            self.outcomes >= MIN_OUTCOMES
            and self.won >= MIN_PER_CLASS
            and self.lost >= MIN_PER_CLASS
        )

    @property
    def weight(self) -> Decimal:
        if not self.active:
            return Decimal("0.00")
        share = Decimal(min(self.outcomes, FULL_WEIGHT_AT)) / FULL_WEIGHT_AT
        return (MAX_WEIGHT * share).quantize(Decimal("0.01"), ROUND_HALF_UP)

    def learn(self, features: dict[str, str], won: bool) -> None:
        self._add(features, won, +1)

    def forget(self, features: dict[str, str], won: bool) -> None:
        """Undo :meth:`learn` (a closed deal was reopened or its outcome corrected)."""
        self._add(features, won, -1)

    def _add(self, features: dict[str, str], won: bool, sign: int) -> None:
        column = 0 if won else 1
        if won:
            self.won = max(0, self.won + sign)
        else:
            self.lost = max(0, self.lost + sign)
        for name, value in features.items():
            row = self.counts.setdefault(f"{name}={value}", [0, 0])
            row[column] = max(0, row[column] + sign)
            if row == [0, 0]:
                del self.counts[f"{name}={value}"]

    def predict(self, features: dict[str, str]) -> Prediction:
        """P(won | features) with Laplace smoothing; unseen values count as one pseudo-outcome."""
        prior_log_odds = math.log((self.won + 1) / (self.lost + 1))
        evidence = []
        for name, value in sorted(features.items()):
            distinct = sum(1 for key in self.counts if key.startswith(name + "=")) + 1
            won_count, lost_count = self.counts.get(f"{name}={value}", [0, 0])
            p_given_won = (won_count + 1) / (self.won + distinct)
            p_given_lost = (lost_count + 1) / (self.lost + distinct)
            evidence.append(Evidence(name, value, math.log(p_given_won / p_given_lost)))
        log_odds = prior_log_odds + sum(item.log_likelihood_ratio for item in evidence)
        return Prediction(_sigmoid(log_odds), _sigmoid(prior_log_odds), tuple(evidence))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)
