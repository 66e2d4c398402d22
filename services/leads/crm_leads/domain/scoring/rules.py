"""The editable scoring model of a sales line: fit rules and engagement rules."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_chassis.errors import ValidationErrors
from crm_leads.domain import interactions, normalise
from crm_leads.domain.activity import ActivityKind
from crm_leads.domain.normalise import Invalid, fold
from crm_leads.domain.scoring.attributes import ATTRIBUTES, SENIORITIES, is_known
from crm_leads.domain.values import Channel, CompanySize, Money, enum_names


class Operator(enum.Enum):
    EQUALS = "equals"
    IN = "in"
    AT_LEAST = "at_least"
    BELOW = "below"
    CONTAINS = "contains"
    IS_SET = "is_set"


_ORDERED = {"company_size": [s.value for s in CompanySize], "title_seniority": list(SENIORITIES)}
_RULE_ID = re.compile(r"^[a-z0-9_-]{1,64}$")
MAX_FIT_RULES = 200


@dataclass(frozen=True)
class FitRule:
    """When ``attribute <operator> values`` holds for a lead, add ``points``."""

    id: str
    attribute: str
    operator: Operator
    values: tuple[str, ...]
    points: int
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        if self.operator is Operator.IS_SET:
            return f"{self.attribute} is set"
        return f"{self.attribute} {self.operator.value.replace('_', ' ')} {', '.join(self.values)}"

    def matches(self, attributes: dict[str, Any]) -> bool:
        value = attributes.get(self.attribute)
        if value in (None, "", ()):
            return False
        if self.operator is Operator.IS_SET:
            return True
        if isinstance(value, tuple):  # multi-valued (product interest): any item may match
            return any(self._matches_one(item) for item in value)
        return self._matches_one(value)

    def _matches_one(self, value: Any) -> bool:
        if isinstance(value, enum.Enum):
            value = value.value
        if self.operator in (Operator.AT_LEAST, Operator.BELOW):
            ordered = _compare(self.attribute, value, self.values[0])
            if ordered is None:
                return False
            return ordered >= 0 if self.operator is Operator.AT_LEAST else ordered < 0
        text = fold(str(value))
        if self.operator is Operator.CONTAINS:
            return fold(self.values[0]) in text
        return any(text == fold(candidate) for candidate in self.values)


def _compare(attribute: str, value: Any, bound: str) -> int | None:
    """-1/0/1 comparing a lead's value with a rule's bound; None when they do not compare."""
    left: Decimal | int
    right: Decimal | int
    if attribute == "annual_revenue":
        amount, currency = normalise.money_text(bound)
        if not isinstance(value, Money) or value.currency != currency:
            return None  # no exchange rates here: a revenue in another currency never matches
        left, right = value.amount, amount
    elif attribute in _ORDERED:
        order = _ORDERED[attribute]
        left, right = order.index(value), order.index(bound)
    else:
        try:
            left, right = Decimal(str(value)), Decimal(bound)
        except InvalidOperation:
            return None
    return (left > right) - (left < right)


@dataclass(frozen=True)
class EngagementRule:
    """Each activity of ``kind`` adds ``points``, halving every ``half_life_days``, up to a cap."""

    kind: ActivityKind
    points: int
    half_life_days: Decimal
    max_points: int


# Interactions a rule may count: what a rep had with the person (a task is the rep's own plan).
INTERACTION_KINDS = (interactions.CALL, interactions.EMAIL, interactions.MEETING, interactions.NOTE)


@dataclass(frozen=True)
class InteractionRule:
    """Each sales interaction of ``kind`` (a call only with ``outcome`` when one is given)
    logged on the lead adds ``points``, halving every ``half_life_days``, up to a cap: the
    same decay and cap as behavioural activity. A call matches the rule of its outcome if the
    model has one, else the rule of calls with any outcome."""

    kind: str
    points: int
    half_life_days: Decimal
    max_points: int
    outcome: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.outcome}" if self.outcome else self.kind

    def describe(self) -> str:
        return f"{self.kind} {self.outcome.replace('_', ' ')}" if self.outcome else self.kind


@dataclass(frozen=True)
class ScoringModel:
    sales_line_id: str
    fit_rules: tuple[FitRule, ...] = ()
    engagement_rules: tuple[EngagementRule, ...] = ()
    version: int = 0
    updated_at: dt.datetime | None = None
    interaction_rules: tuple[InteractionRule, ...] = ()

    def engagement_rule(self, kind: ActivityKind) -> EngagementRule | None:
        return next((rule for rule in self.engagement_rules if rule.kind is kind), None)

    def interaction_rule(self, kind: str, outcome: str = "") -> InteractionRule | None:
        """The rule an interaction counts under: its kind and outcome's, else its kind's."""
        exact = None
        general = None
        for rule in self.interaction_rules:
            if rule.kind != kind:
                continue
            if rule.outcome == outcome and outcome:
                exact = rule
            elif not rule.outcome:
                general = rule
        return exact or general


def build_model(
    sales_line_id: str,
    fit_rules: list[dict[str, Any]],
    engagement_rules: list[dict[str, Any]],
    *,
    version: int = 0,
    updated_at: dt.datetime | None = None,
    interaction_rules: list[dict[str, Any]] | None = None,
) -> ScoringModel:
    """Validate raw rules (dicts of text) into a model; every problem is reported at once."""
    problems: list[tuple[str, str]] = []
    if not sales_line_id.strip():
        problems.append(("sales_line_id", "is required"))
    if len(fit_rules) > MAX_FIT_RULES:
        problems.append(("fit_rules", f"has {len(fit_rules)} rules; at most {MAX_FIT_RULES}"))
    fits: list[FitRule] = []
    seen_ids: set[str] = set()
    for index, raw in enumerate(fit_rules):
        rule = _fit_rule(raw, f"fit_rules[{index}]", problems)
        if rule is None:
            continue
        if rule.id in seen_ids:
            problems.append((f"fit_rules[{index}].id", f"'{rule.id}' is used by another rule"))
        seen_ids.add(rule.id)
        fits.append(rule)
    engagements: list[EngagementRule] = []
    for index, raw in enumerate(engagement_rules):
        engagement = _engagement_rule(raw, f"engagement_rules[{index}]", problems)
        if engagement is None:
            continue
        if any(other.kind is engagement.kind for other in engagements):
            problems.append(
                (
                    f"engagement_rules[{index}].kind",
                    f"{engagement.kind.value} has another rule; one rule per kind",
                )
            )
        engagements.append(engagement)
    counted: list[InteractionRule] = []
    for index, raw in enumerate(interaction_rules or []):
        counting = _interaction_rule(raw, f"interaction_rules[{index}]", problems)
        if counting is None:
            continue
        if any(other.key == counting.key for other in counted):
            problems.append(
                (
                    f"interaction_rules[{index}].kind",
                    f"{counting.describe()} has another rule; one rule per kind and outcome",
                )
            )
        counted.append(counting)
    if problems:
        raise ValidationErrors(problems)
    return ScoringModel(
        sales_line_id.strip(),
        tuple(fits),
        tuple(engagements),
        version,
        updated_at,
        tuple(counted),
    )


def _fit_rule(raw: dict[str, Any], path: str, problems: list[tuple[str, str]]) -> FitRule | None:
    count = len(problems)
    rule_id = str(raw.get("id", "")).strip()
    if not _RULE_ID.match(rule_id):
        problems.append((f"{path}.id", "must be 1..64 characters of a-z, 0-9, '_' or '-'"))
    attribute = str(raw.get("attribute", "")).strip()
    if not is_known(attribute):
        problems.append(
            (
                f"{path}.attribute",
                f"'{attribute}' is not scorable; use one of "
                f"{', '.join(ATTRIBUTES)} or custom.<key>",
            )
        )
    try:
        operator = Operator(str(raw.get("operator", "")).strip().lower())
    except ValueError:
        problems.append((f"{path}.operator", f"use one of {enum_names(Operator)}"))
        operator = None
    points = _int(raw.get("points"), f"{path}.points", -100, 100, problems)
    if points == 0:
        problems.append((f"{path}.points", "is 0; a rule must add or remove points"))
    values = tuple(str(v).strip() for v in raw.get("values", ()) if str(v).strip())
    if operator is not None and is_known(attribute):
        values = _check_values(attribute, operator, values, f"{path}.values", problems)
    label = str(raw.get("label", "")).strip()
    if len(label) > 200:
        problems.append((f"{path}.label", "has more than 200 characters"))
    if len(problems) > count or operator is None or points is None:
        return None
    return FitRule(rule_id, attribute, operator, values, points, label)


def _check_values(
    attribute: str,
    operator: Operator,
    values: tuple[str, ...],
    path: str,
    problems: list[tuple[str, str]],
) -> tuple[str, ...]:
    wanted = {Operator.IS_SET: (0, 0), Operator.IN: (1, 500)}.get(operator, (1, 1))
    if not wanted[0] <= len(values) <= wanted[1]:
        amount = (
            "no value"
            if wanted[1] == 0
            else ("one value" if wanted == (1, 1) else "one or more values")
        )
        problems.append((path, f"{operator.value} takes {amount}; got {len(values)}"))
        return values
    if operator in (Operator.AT_LEAST, Operator.BELOW):
        if attribute in (
            "country",
            "region",
            "industry",
            "channel",
            "campaign_id",
            "product_interest",
            "email_domain_kind",
        ):
            problems.append((path, f"{attribute} has no order; use equals, in or contains"))
            return values
        if attribute == "annual_revenue":
            try:
                normalise.money_text(values[0])
            except Invalid as exc:
                problems.append((path, exc.reason))
            return values
    try:
        return tuple(_canonical_value(attribute, v) for v in values)
    except Invalid as exc:
        problems.append((path, exc.reason))
        return values


def _canonical_value(attribute: str, value: str) -> str:
    if attribute == "country":
        return normalise.country(value)
    if attribute in _ORDERED:
        if value.lower() not in _ORDERED[attribute]:
            raise Invalid(
                f"'{value}' is not a {attribute}; use one of {', '.join(_ORDERED[attribute])}"
            )
        return value.lower()
    if attribute == "channel":
        if value.lower() not in {c.value for c in Channel}:
            raise Invalid(f"'{value}' is not a channel; use one of {enum_names(Channel)}")
        return value.lower()
    if attribute == "email_domain_kind" and value.lower() not in ("free", "business"):
        raise Invalid(f"'{value}' is not an e-mail domain kind; use free or business")
    if attribute in ("industry", "product_interest"):
        return normalise.slug(value)
    if attribute == "annual_revenue":
        raise Invalid("annual_revenue compares with at_least or below only")
    return value


def _engagement_rule(
    raw: dict[str, Any], path: str, problems: list[tuple[str, str]]
) -> EngagementRule | None:
    count = len(problems)
    try:
        kind = ActivityKind(str(raw.get("kind", "")).strip().lower())
    except ValueError:
        problems.append((f"{path}.kind", f"use one of {enum_names(ActivityKind)}"))
        kind = None
    points = _int(raw.get("points"), f"{path}.points", 0, 100, problems)
    max_points = _int(raw.get("max_points"), f"{path}.max_points", 1, 100, problems)
    try:
        half_life = Decimal(str(raw.get("half_life_days", "")).strip())
        if not Decimal("0.25") <= half_life <= 3650:
            raise InvalidOperation
    except InvalidOperation:
        problems.append((f"{path}.half_life_days", "must be a number of days from 0.25 to 3650"))
        half_life = None
    if (
        len(problems) > count
        or kind is None
        or points is None
        or half_life is None
        or max_points is None
    ):
        return None
    return EngagementRule(kind, points, half_life, max_points)


def _decay(
    raw: dict[str, Any], path: str, problems: list[tuple[str, str]]
) -> tuple[int | None, Decimal | None, int | None]:
    """points, half_life_days and max_points of an engagement or interaction rule."""
    points = _int(raw.get("points"), f"{path}.points", 0, 100, problems)
    max_points = _int(raw.get("max_points"), f"{path}.max_points", 1, 100, problems)
    half_life: Decimal | None
    try:
        half_life = Decimal(str(raw.get("half_life_days", "")).strip())
        if not Decimal("0.25") <= half_life <= 3650:
            raise InvalidOperation
    except InvalidOperation:
        problems.append((f"{path}.half_life_days", "must be a number of days from 0.25 to 3650"))
        half_life = None
    return points, half_life, max_points


def _interaction_rule(
    raw: dict[str, Any], path: str, problems: list[tuple[str, str]]
) -> InteractionRule | None:
    count = len(problems)
    kind = str(raw.get("kind", "")).strip().lower()
    if kind not in INTERACTION_KINDS:
        problems.append((f"{path}.kind", f"use one of {', '.join(INTERACTION_KINDS)}"))
    outcome = str(raw.get("outcome", "")).strip().lower()
    if outcome and kind != interactions.CALL:
        problems.append((f"{path}.outcome", "an outcome applies to calls only"))
    elif outcome not in interactions.OUTCOMES:
        known = ", ".join(o for o in interactions.OUTCOMES if o)
        problems.append((f"{path}.outcome", f"use one of {known}, or none for any outcome"))
    points, half_life, max_points = _decay(raw, path, problems)
    if len(problems) > count or points is None or half_life is None or max_points is None:
        return None
    return InteractionRule(kind, points, half_life, max_points, outcome)


def _int(raw: Any, path: str, low: int, high: int, problems: list[tuple[str, str]]) -> int | None:
    try:
        value = int(str(raw).strip())
    except ValueError:
        problems.append((path, f"must be a whole number from {low} to {high}"))
        return None
    if not low <= value <= high:
        problems.append((path, f"is {value}; must be from {low} to {high}"))
    return value
