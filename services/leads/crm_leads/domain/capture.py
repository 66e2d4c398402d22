"""Turning raw captured values into a valid, normalised :class:`LeadData`.

Input is a flat mapping of field paths to raw values (``"person.email": " Ann@X.com "``), the
same for the API, an update with a field mask, and an import row after column mapping, so every
channel applies exactly the same rules. Every problem is reported at once, path by path.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from crm_chassis.errors import ValidationErrors
from crm_leads.domain import normalise
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.values import (
    Channel,
    Company,
    CompanySize,
    Consent,
    LeadData,
    Location,
    Money,
    Person,
    Source,
    enum_names,
)

CUSTOM_PREFIX = "custom_attributes."
_CUSTOM_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_CUSTOM_ATTRIBUTES = 50
MAX_PRODUCT_INTEREST = 20


def parse_channel(raw: Any) -> Channel | None:
    if isinstance(raw, Channel) or raw is None:
        return raw
    value = normalise.slug(raw).replace("-", "_")
    if not value:
        return None
    try:
        return Channel(value)
    except ValueError:
        raise Invalid(f"'{raw}' is not a channel; use one of {enum_names(Channel)}") from None


def _company_size(raw: Any) -> CompanySize | None:
    if isinstance(raw, CompanySize) or raw is None:
        return raw
    value = str(raw).strip().lower()
    if not value:
        return None
    if value.isdigit():
        return CompanySize.for_head_count(int(value))
    try:
        return CompanySize(value)
    except ValueError:
        raise Invalid(
            f"'{raw}' is not a company size; use a head count or one of {enum_names(CompanySize)}"
        ) from None


def _revenue(raw: Any) -> Money | None:
    if isinstance(raw, Money) or raw is None:
        return raw
    if isinstance(raw, tuple):  # (amount text, currency) from the API's Money message
        amount, currency = raw
        if not str(amount).strip() and not str(currency).strip():
            return None
        code = normalise.currency(currency)
        return Money(normalise.decimal_amount(amount, code), code)
    if not str(raw).strip():
        return None
    amount, code = normalise.money_text(raw)
    return Money(amount, code)


def _product_interest(raw: Any) -> tuple[str, ...]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or ())
    result: list[str] = []
    for item in items:
        value = normalise.slug(item)
        if value and value not in result:
            result.append(value)
    if len(result) > MAX_PRODUCT_INTEREST:
        raise Invalid(f"has {len(result)} entries; at most {MAX_PRODUCT_INTEREST} are allowed")
    return tuple(result)


def _timestamp(raw: Any) -> dt.datetime | None:
    if raw is None or isinstance(raw, dt.datetime):
        if raw is not None and raw.tzinfo is None:
            raise Invalid("has no time zone; give the time in UTC or with an offset")
        return raw
    value = str(raw).strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid(f"'{raw}' is not a time; use ISO 8601, e.g. 2026-01-31T09:30:00Z") from None
    if parsed.tzinfo is None:
        raise Invalid(f"'{raw}' has no time zone; add Z or an offset such as +01:00")
    return parsed


def _id(raw: Any) -> str:
    return normalise.text(raw, max_length=64)


# path -> (group attribute or None, field name, parser)
_FIELDS: dict[str, tuple[str | None, str, Callable[[Any], Any]]] = {
    "person.first_name": ("person", "first_name", lambda v: normalise.text(v, max_length=100)),
    "person.last_name": ("person", "last_name", lambda v: normalise.text(v, max_length=100)),
    "person.title": ("person", "title", lambda v: normalise.text(v, max_length=150)),
    "person.email": ("person", "email", normalise.email),
    "person.phone": ("person", "phone", lambda v: str(v or "").strip()),  # E.164 after country
    "company.name": ("company", "name", lambda v: normalise.text(v, max_length=200)),
    "company.industry": ("company", "industry", normalise.slug),
    "company.size": ("company", "size", _company_size),
    "company.annual_revenue": ("company", "annual_revenue", _revenue),
    "company.website": ("company", "website", normalise.website),
    "location.country": ("location", "country", normalise.country),
    "location.region": ("location", "region", lambda v: normalise.text(v, max_length=100)),
    "location.city": ("location", "city", lambda v: normalise.text(v, max_length=100)),
    "location.postal_code": (
        "location",
        "postal_code",
        lambda v: normalise.text(v, max_length=20).upper(),
    ),
    "source.channel": ("source", "channel", parse_channel),
    "source.campaign_id": ("source", "campaign_id", _id),
    "sales_line_id": (None, "sales_line_id", _id),
    "product_interest": (None, "product_interest", _product_interest),
    "consent.email_marketing": ("consent", "email_marketing", normalise.flag),
    "consent.phone_contact": ("consent", "phone_contact", normalise.flag),
    "consent.data_processing": ("consent", "data_processing", normalise.flag),
    "consent.captured_at": ("consent", "captured_at", _timestamp),
}
GROUPS = ("person", "company", "location", "source", "consent")
_GROUP_TYPES: dict[str, type] = {
    "person": Person,
    "company": Company,
    "location": Location,
    "source": Source,
    "consent": Consent,
}
FIELD_PATHS = tuple(_FIELDS) + ("custom_attributes",)


def is_known_path(path: str) -> bool:
    return (
        path in _FIELDS
        or path in GROUPS
        or path == "custom_attributes"
        or (path.startswith(CUSTOM_PREFIX) and bool(_CUSTOM_KEY.match(path[len(CUSTOM_PREFIX) :])))
    )


def build(
    values: Mapping[str, Any],
    *,
    base: LeadData | None = None,
    now: dt.datetime,
    require_channel: bool = True,
) -> LeadData:
    """Apply ``values`` (path -> raw) on ``base`` (or an empty lead) and validate the result.

    Raises ValidationErrors listing every problem as (path, reason).
    """
    problems: list[tuple[str, str]] = []
    data = base or LeadData()
    groups: dict[str, dict[str, Any]] = {name: {} for name in GROUPS}
    top: dict[str, Any] = {}
    custom = dict(data.custom_attributes)
    for path, raw in values.items():
        if path == "custom_attributes":
            custom = {}
            for key, value in dict(raw or {}).items():
                _put_custom(custom, str(key), value, problems)
            continue
        if path.startswith(CUSTOM_PREFIX):
            custom.pop(path[len(CUSTOM_PREFIX) :], None)
            _put_custom(custom, path[len(CUSTOM_PREFIX) :], raw, problems)
            continue
        spec = _FIELDS.get(path)
        if spec is None:
            problems.append(
                (
                    path,
                    f"is not a lead field; known fields are "
                    f"{', '.join(FIELD_PATHS)} and custom_attributes.<key>",
                )
            )
            continue
        group, name, parse = spec
        try:
            parsed = parse(raw)
        except Invalid as exc:
            problems.append((path, exc.reason))
            continue
        (groups[group] if group else top)[name] = parsed
    if base is None:  # a capture, an import row: the groups are built once, not replaced
        data = LeadData(
            **{g: _GROUP_TYPES[g](**groups[g]) for g in GROUPS},
            **top,
            custom_attributes=custom,
        )
    else:
        data = replace(
            data,
            **{g: replace(getattr(data, g), **groups[g]) for g in GROUPS if groups[g]},
            **top,
            custom_attributes=custom,
        )
    data = _finish(data, "person.phone" in values, problems, now, require_channel)
    if problems:
        raise ValidationErrors(problems)
    return data


def _put_custom(
    custom: dict[str, str], key: str, raw: Any, problems: list[tuple[str, str]]
) -> None:
    path = CUSTOM_PREFIX + key
    if not _CUSTOM_KEY.match(key):
        problems.append(
            (
                path,
                "key must be lower_snake_case, start with a letter and have at most 64 characters",
            )
        )
        return
    try:
        value = normalise.text(raw, max_length=500)
    except Invalid as exc:
        problems.append((path, exc.reason))
        return
    if value:
        custom[key] = value


def _finish(
    data: LeadData,
    phone_given: bool,
    problems: list[tuple[str, str]],
    now: dt.datetime,
    require_channel: bool,
) -> LeadData:
    """Cross-field rules: phone needs the country, a lead needs a way to reach or identify it."""
    if phone_given and data.person.phone:
        try:
            data = replace(
                data,
                person=replace(
                    data.person, phone=normalise.phone(data.person.phone, data.location.country)
                ),
            )
        except Invalid as exc:
            problems.append(("person.phone", exc.reason))
    if len(data.custom_attributes) > MAX_CUSTOM_ATTRIBUTES:
        problems.append(
            (
                "custom_attributes",
                f"has {len(data.custom_attributes)} entries; at "
                f"most {MAX_CUSTOM_ATTRIBUTES} are allowed",
            )
        )
    person = data.person
    if not (person.email or person.phone or (person.last_name and data.company.name)):
        problems.append(
            (
                "person",
                "a lead needs an e-mail, a phone, or a last name with a "
                "company name, so it can be told apart and reached",
            )
        )
    if require_channel and data.source.channel is None:
        problems.append(("source.channel", f"is required; use one of {enum_names(Channel)}"))
    consent = data.consent
    if consent.any_given and consent.captured_at is None:
        data = replace(data, consent=replace(consent, captured_at=now))
    elif consent.captured_at is not None and consent.captured_at > now + dt.timedelta(minutes=5):
        problems.append(("consent.captured_at", "is in the future"))
    return data
