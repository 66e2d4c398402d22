"""Validating routing rules: conditions as given over the API, and whole rule lists (shadowed
rules, partly overlapping ranges, duplicate attributes and names)."""

from __future__ import annotations

import re
from decimal import Decimal

from crm_chassis.currencies import check_currency
from crm_chassis.errors import InvalidArgument, ValidationErrors
from crm_territory.domain.rules import (
    ATTRIBUTES,
    AttributeSpec,
    Condition,
    Kind,
    Rule,
    ValueRange,
    normalise,
)

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def build_condition(
    attribute: str, values: list[str], ranges: list[tuple[str, str]], currency: str, where: str
) -> Condition:
    """Validate one condition as given over the API; ``where`` prefixes error fields."""
    spec = ATTRIBUTES.get((attribute or "").strip().lower())
    if spec is None:
        raise InvalidArgument(
            f"{where}.attribute: unknown attribute {attribute!r}; known: {', '.join(ATTRIBUTES)}",
            field=f"{where}.attribute",
        )
    if spec.kind is Kind.RANGE:
        if values:
            raise InvalidArgument(
                f"{where}: {spec.name} takes ranges, not values", field=f"{where}.values"
            )
        return _range_condition(spec, ranges, currency, where)
    if ranges or currency:
        raise InvalidArgument(
            f"{where}: {spec.name} takes values, not ranges or a currency", field=f"{where}.ranges"
        )
    cleaned = {normalise(spec.name, v) for v in values}
    cleaned.discard("")
    if not cleaned:
        raise InvalidArgument(
            f"{where}.values: give at least one {spec.description}", field=f"{where}.values"
        )
    if spec.name == "country":
        bad = sorted(v for v in cleaned if not _COUNTRY.match(v))
        if bad:
            raise InvalidArgument(
                f"{where}.values: not ISO 3166-1 alpha-2 codes: {', '.join(bad)}",
                field=f"{where}.values",
            )
    return Condition(spec.name, frozenset(cleaned))


def _range_condition(
    spec: AttributeSpec, ranges: list[tuple[str, str]], currency: str, where: str
) -> Condition:
    if not ranges:
        raise InvalidArgument(
            f"{where}.ranges: give at least one range for {spec.name}", field=f"{where}.ranges"
        )
    code = ""
    if spec.name == "annual_revenue":
        if not (currency or "").strip():
            raise InvalidArgument(
                f"{where}.currency: annual_revenue ranges need an ISO 4217 currency such as EUR",
                field=f"{where}.currency",
            )
        code = check_currency(currency, field=f"{where}.currency")
    elif currency:
        raise InvalidArgument(
            f"{where}.currency: only annual_revenue takes a currency", field=f"{where}.currency"
        )
    parsed: list[ValueRange] = []
    for i, (lo, hi) in enumerate(ranges):
        field = f"{where}.ranges[{i}]"
        bounds = [_bound(lo, field, spec), _bound(hi, field, spec)]
        if bounds[0] is None and bounds[1] is None:
            raise InvalidArgument(f"{field}: give a minimum, a maximum or both", field=field)
        if bounds[0] is not None and bounds[1] is not None and bounds[0] >= bounds[1]:
            raise InvalidArgument(
                f"{field}: minimum {bounds[0]} must be below maximum "
                f"{bounds[1]} (the maximum is excluded)",
                field=field,
            )
        candidate = ValueRange(bounds[0], bounds[1])
        for j, earlier in enumerate(parsed):
            if candidate.overlaps(earlier):
                raise InvalidArgument(
                    f"{field}: {candidate.text()} overlaps ranges[{j}] "
                    f"{earlier.text()}; make the ranges disjoint",
                    field=field,
                )
        parsed.append(candidate)
    return Condition(spec.name, ranges=tuple(sorted(parsed, key=lambda r: r.lower)), currency=code)


def _bound(text: str, field: str, spec: AttributeSpec) -> Decimal | None:
    text = (text or "").strip()
    if not text:
        return None
    if not re.match(r"^\d{1,18}(\.\d{1,4})?$", text):
        raise InvalidArgument(
            f"{field}: {text!r} is not a non-negative decimal number", field=field
        )
    value = Decimal(text)
    if spec.name == "company_size" and value != value.to_integral_value():
        raise InvalidArgument(
            f"{field}: company_size bounds are whole numbers, got {text}", field=field
        )
    return value


def check_ruleset(rules: list[Rule]) -> None:
    """Refuse rule lists with mistakes that ordering would hide.

    - a rule with two conditions on the same attribute (put the values in one condition);
    - a rule that can never match because an earlier rule matches all its leads (shadowed);
    - two rules equal but for partly overlapping ranges on one attribute (the overlap would
      silently go to the first: make the ranges disjoint). A narrower range before a wider one
      is allowed: that is the deliberate "specific first, general after" pattern.
    """
    problems: list[tuple[str, str]] = []
    names: set[str] = set()
    for i, rule in enumerate(rules):
        if rule.name.casefold() in names:
            problems.append((f"rules[{i}].name", f"rule name '{rule.name}' is used twice"))
        names.add(rule.name.casefold())
        attrs = [c.attribute for c in rule.conditions]
        for attr in {a for a in attrs if attrs.count(a) > 1}:
            problems.append(
                (
                    f"rules[{i}].conditions",
                    f"rule '{rule.name}' has {attr} twice; put all its values in one condition",
                )
            )
        for j, earlier in enumerate(rules[:i]):
            if earlier.covers(rule):
                problems.append(
                    (
                        f"rules[{i}]",
                        f"rule '{rule.name}' can never match: every "
                        f"lead it matches is taken first by rule '{earlier.name}' "
                        f"(#{j + 1}); move it up or narrow '{earlier.name}'",
                    )
                )
                break
            overlap = _range_overlap(earlier, rule)
            if overlap:
                problems.append(
                    (
                        f"rules[{i}]",
                        f"rules '{earlier.name}' and '{rule.name}' "
                        f"overlap on {overlap}; make the ranges disjoint",
                    )
                )
                break
    if problems:
        raise ValidationErrors(problems)


def _range_overlap(a: Rule, b: Rule) -> str:
    mine, theirs = ({c.attribute: c for c in r.conditions} for r in (a, b))
    if mine.keys() != theirs.keys():
        return ""
    differing = [k for k in mine if mine[k] != theirs[k]]
    if len(differing) != 1 or ATTRIBUTES[differing[0]].kind is not Kind.RANGE:
        return ""
    x, y = mine[differing[0]], theirs[differing[0]]
    if x.currency != y.currency:
        return ""
    for r in x.ranges:
        for s in y.ranges:
            # A narrower band before a wider one is the usual "specific first" pattern; only a
            # partial overlap (neither band inside the other) is a mistake.
            if r.overlaps(s) and not r.within(s) and not s.within(r):
                return f"{differing[0]}: {r.text()} and {s.text()}"
    return ""
