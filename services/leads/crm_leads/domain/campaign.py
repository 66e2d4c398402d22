"""Campaigns: name, channel, period and cost -- the denominator of lead-source ROI."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from crm_chassis.errors import ValidationErrors
from crm_leads.domain import normalise
from crm_leads.domain.capture import parse_channel
from crm_leads.domain.normalise import Invalid
from crm_leads.domain.values import Channel, Money, enum_names

FIELDS = ("name", "channel", "starts_on", "ends_on", "cost")


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    channel: Channel
    starts_on: dt.date
    ends_on: dt.date | None
    cost: Money
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1

    def runs_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def _date(raw: Any) -> dt.date | None:
    if raw is None or isinstance(raw, dt.date):
        return raw
    value = str(raw).strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"'{raw}' is not a date; use YYYY-MM-DD") from None


def _cost(raw: Any) -> Money:
    if isinstance(raw, Money):
        normalise.decimal_amount(str(raw.amount), normalise.currency(raw.currency))
        return raw
    if isinstance(raw, tuple):
        amount, currency = raw
        code = normalise.currency(currency)
        return Money(normalise.decimal_amount(amount, code), code)
    amount, code = normalise.money_text(raw)
    return Money(amount, code)


def build_campaign(
    values: Mapping[str, Any], *, campaign_id: str, now: dt.datetime, base: Campaign | None = None
) -> Campaign:
    """A valid campaign from raw values applied on ``base`` (a new one when None)."""
    problems: list[tuple[str, str]] = []
    parsed: dict[str, Any] = {}
    for name, raw in values.items():
        try:
            if name == "name":
                parsed[name] = normalise.text(raw, max_length=200)
            elif name == "channel":
                parsed[name] = parse_channel(raw)
            elif name in ("starts_on", "ends_on"):
                parsed[name] = _date(raw)
            elif name == "cost":
                parsed[name] = _cost(raw)
            else:
                problems.append((name, f"is not a campaign field; use {', '.join(FIELDS)}"))
        except Invalid as exc:
            problems.append((name, exc.reason))
    merged: dict[str, Any] = {field: getattr(base, field) if base else None for field in FIELDS}
    merged.update(parsed)
    if not merged["name"]:
        problems.append(("name", "is required"))
    if merged["channel"] is None:
        problems.append(("channel", f"is required; use one of {enum_names(Channel)}"))
    if merged["starts_on"] is None:
        problems.append(("starts_on", "is required"))
    elif merged["ends_on"] is not None and merged["ends_on"] < merged["starts_on"]:
        problems.append(
            ("ends_on", f"{merged['ends_on']} is before starts_on {merged['starts_on']}")
        )
    if merged["cost"] is None:
        problems.append(("cost", "is required; write 0 with a currency when there is none"))
    if problems:
        raise ValidationErrors(problems)
    if base is None:
        return Campaign(
            campaign_id,
            merged["name"],
            merged["channel"],
            merged["starts_on"],
            merged["ends_on"],
            merged["cost"],
            now,
            now,
        )
    return replace(base, **{k: merged[k] for k in FIELDS}, updated_at=now, version=base.version + 1)
