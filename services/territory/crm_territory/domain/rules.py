"""Routing rules over lead attributes: the attribute catalogue, conditions, matching.

A rule is an AND of conditions, at most one per attribute. A rule without conditions matches
every lead (a catch-all; it must come last). Ranges are half-open [min, max): the lower bound
is included, the upper excluded, so adjacent bands (1-50, 50-200) neither overlap nor leave gaps.
Building conditions from input and checking rule lists live in rule_checks.py.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from decimal import Decimal

from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.values import Money


class Kind(enum.Enum):
    ONE_OF = "one_of"  # the lead's value is one of the listed values (case-insensitive)
    PREFIX = "prefix"  # the lead's value starts with one of the listed prefixes
    RANGE = "range"  # the lead's number lies in one of the listed [min, max) ranges
    ANY_OF = "any_of"  # one of the lead's several values is among the listed values


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    kind: Kind
    description: str


ATTRIBUTES: dict[str, AttributeSpec] = {
    s.name: s
    for s in (
        AttributeSpec("country", Kind.ONE_OF, "ISO 3166-1 alpha-2 country code, e.g. DE"),
        AttributeSpec("region", Kind.ONE_OF, "region, state or province"),
        AttributeSpec("city", Kind.ONE_OF, "city name"),
        AttributeSpec("postal_code", Kind.PREFIX, "postal-code prefix, e.g. 10 for Berlin"),
        AttributeSpec("industry", Kind.ONE_OF, "industry code or name"),
        AttributeSpec("company_size", Kind.RANGE, "number of employees"),
        AttributeSpec("annual_revenue", Kind.RANGE, "annual revenue in the condition's currency"),
        AttributeSpec("product_interest", Kind.ANY_OF, "products the lead asked about"),
        AttributeSpec("lead_source", Kind.ONE_OF, "lead source, e.g. web_form, trade_fair"),
        AttributeSpec("campaign", Kind.ONE_OF, "campaign code"),
    )
}

_KINDS = {name: spec.kind for name, spec in ATTRIBUTES.items()}


@dataclass(frozen=True)
class ValueRange:
    minimum: Decimal | None  # included; None = unbounded
    maximum: Decimal | None  # excluded; None = unbounded

    def contains(self, value: Decimal) -> bool:
        return (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value < self.maximum
        )

    def overlaps(self, other: ValueRange) -> bool:
        lo = max(_lo(self.minimum), _lo(other.minimum))
        hi = min(_hi(self.maximum), _hi(other.maximum))
        return lo < hi

    def within(self, other: ValueRange) -> bool:
        return _lo(other.minimum) <= _lo(self.minimum) and _hi(self.maximum) <= _hi(other.maximum)

    @property
    def lower(self) -> Decimal:
        """The lower bound, -infinity when open (for ordering)."""
        return _lo(self.minimum)

    def text(self) -> str:
        lo = "" if self.minimum is None else str(self.minimum)
        hi = "" if self.maximum is None else str(self.maximum)
        return f"[{lo or '-inf'}, {hi or '+inf'})"


def _lo(value: Decimal | None) -> Decimal:
    return Decimal("-Infinity") if value is None else value


def _hi(value: Decimal | None) -> Decimal:
    return Decimal("Infinity") if value is None else value


@dataclass(frozen=True)
class Condition:
    attribute: str
    values: frozenset[str] = frozenset()  # normalised; ONE_OF / PREFIX / ANY_OF
    ranges: tuple[ValueRange, ...] = ()  # RANGE
    currency: str = ""  # annual_revenue only

    @property
    def spec(self) -> AttributeSpec:
        return ATTRIBUTES[self.attribute]

    def describe(self) -> str:
        if self.spec.kind is Kind.RANGE:
            bands = " or ".join(r.text() for r in self.ranges)
            return f"{self.attribute} in {bands}{' ' + self.currency if self.currency else ''}"
        verb = {Kind.PREFIX: "starts with", Kind.ANY_OF: "includes"}.get(self.spec.kind, "is")
        return f"{self.attribute} {verb} {' or '.join(sorted(self.values))}"

    def matches(self, lead: LeadFacts) -> bool:
        return self.matches_view(NormalisedLead(lead))

    def matches_view(self, view: NormalisedLead) -> bool:
        kind = _KINDS[self.attribute]
        if kind is Kind.RANGE:
            number = _lead_number(view.lead, self)
            return number is not None and any(r.contains(number) for r in self.ranges)
        if kind is Kind.ANY_OF:
            return not self.values.isdisjoint(view.interests())
        value = view.value(self.attribute)
        if not value:
            return False
        if kind is Kind.PREFIX:
            return any(value.startswith(p) for p in self.values)
        return value in self.values

    def covers(self, other: Condition) -> bool:
        """True if every lead ``other`` accepts is accepted by this condition too."""
        kind = self.spec.kind
        if kind is Kind.RANGE:
            return self.currency == other.currency and all(
                any(r.within(mine) for mine in self.ranges) for r in other.ranges
            )
        if kind is Kind.PREFIX:
            return all(any(v.startswith(p) for p in self.values) for v in other.values)
        return other.values <= self.values


def _lead_number(lead: LeadFacts, condition: Condition) -> Decimal | None:
    if condition.attribute == "company_size":
        return None if lead.company_size is None else Decimal(lead.company_size)
    revenue: Money | None = lead.annual_revenue
    if revenue is None or revenue.currency != condition.currency:
        return None  # no currency conversion: a revenue in another currency does not match
    return revenue.amount


class NormalisedLead:
    """A lead's attributes normalised once, however many conditions look at them."""

    __slots__ = ("_interests", "_values", "lead")

    def __init__(self, lead: LeadFacts):
        self.lead = lead
        self._values: dict[str, str] = {}
        self._interests: frozenset[str] | None = None

    def value(self, attribute: str) -> str:
        value = self._values.get(attribute)
        if value is None:
            value = self._values[attribute] = normalise(attribute, getattr(self.lead, attribute))
        return value

    def interests(self) -> frozenset[str]:
        if self._interests is None:
            self._interests = frozenset(
                normalise("product_interest", v) for v in self.lead.product_interests
            )
        return self._interests


def normalise(attribute: str, value: str) -> str:
    text = " ".join((value or "").split())
    if attribute == "country":
        return text.upper()
    if attribute == "postal_code":
        return text.replace(" ", "").replace("-", "").upper()
    return text.casefold()


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    conditions: tuple[Condition, ...]

    def matches(self, lead: LeadFacts) -> bool:
        return self.matches_view(NormalisedLead(lead))

    def matches_view(self, view: NormalisedLead) -> bool:
        # A plain loop, not all(<generator>): this is the routing hot path.
        for condition in self.conditions:  # noqa: SIM110
            if not condition.matches_view(view):
                return False
        return True

    def describe(self) -> str:
        return self._description

    @functools.cached_property
    def _description(self) -> str:
        # Every decision's explanation repeats its rule's text: worked out once per rule
        # (rules are immutable; cached_property writes the instance dict, frozen or not).
        return " and ".join(c.describe() for c in self.conditions) or "every lead (catch-all)"

    def covers(self, other: Rule) -> bool:
        """True if this rule matches every lead ``other`` matches (``other`` is shadowed)."""
        theirs = {c.attribute: c for c in other.conditions}
        return all(c.attribute in theirs and c.covers(theirs[c.attribute]) for c in self.conditions)
