"""Value objects of a lead: the person, company, location, source, consent and custom attributes."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from decimal import Decimal


class Channel(enum.Enum):
    WEB_FORM = "web_form"
    SOCIAL_MEDIA = "social_media"
    PAID_ADS = "paid_ads"
    PURCHASED_LIST = "purchased_list"
    REFERRAL = "referral"
    EVENT = "event"
    OTHER = "other"


class CompanySize(enum.Enum):
    """Head-count bands; ``upper`` is the largest head count of the band (None: no limit)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"
    ENTERPRISE = "enterprise"

    @property
    def rank(self) -> int:
        return list(CompanySize).index(self)

    @classmethod
    def for_head_count(cls, people: int) -> CompanySize:
        for size, upper in ((cls.MICRO, 10), (cls.SMALL, 50), (cls.MEDIUM, 250), (cls.LARGE, 1000)):
            if people <= upper:
                return size
        return cls.ENTERPRISE


def enum_names(kind: type[enum.Enum]) -> str:
    return ", ".join(member.value for member in kind)


@dataclass(frozen=True)
class Money:
    """An exact amount of a currency (never a float)."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


@dataclass(frozen=True)
class Person:
    first_name: str = ""
    last_name: str = ""
    title: str = ""
    email: str = ""
    phone: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)


@dataclass(frozen=True)
class Company:
    name: str = ""
    industry: str = ""
    size: CompanySize | None = None
    annual_revenue: Money | None = None
    website: str = ""


@dataclass(frozen=True)
class Location:
    country: str = ""
    region: str = ""
    city: str = ""
    postal_code: str = ""


@dataclass(frozen=True)
class Source:
    channel: Channel | None = None
    campaign_id: str = ""


@dataclass(frozen=True)
class Consent:
    email_marketing: bool = False
    phone_contact: bool = False
    data_processing: bool = False
    captured_at: dt.datetime | None = None

    @property
    def any_given(self) -> bool:
        return self.email_marketing or self.phone_contact or self.data_processing


@dataclass(frozen=True)
class LeadData:
    """Everything captured about a lead, normalised. Built only by :mod:`capture`."""

    person: Person = field(default_factory=Person)
    company: Company = field(default_factory=Company)
    location: Location = field(default_factory=Location)
    source: Source = field(default_factory=Source)
    sales_line_id: str = ""
    product_interest: tuple[str, ...] = ()
    consent: Consent = field(default_factory=Consent)
    custom_attributes: dict[str, str] = field(default_factory=dict)

    def flat(self) -> dict[str, str]:
        """Every field as path -> text, the form the history and merges compare."""
        result = {}
        for group, names in _FLAT_PATHS:
            value = getattr(self, group)
            for name, path in names:
                item = getattr(value, name)
                result[path] = item if type(item) is str else _as_text(item)
        result["sales_line_id"] = self.sales_line_id
        result["product_interest"] = ",".join(self.product_interest)
        for key, value in sorted(self.custom_attributes.items()):
            result[f"custom_attributes.{key}"] = value
        return result


# Each group's (field, path), in field order: LeadData.flat runs for every captured lead.
_FLAT_PATHS = tuple(
    (group, tuple((name, f"{group}.{name}") for name in kind.__dataclass_fields__))
    for group, kind in (
        ("person", Person),
        ("company", Company),
        ("location", Location),
        ("source", Source),
        ("consent", Consent),
    )
)


def _as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else ""  # a consent not given is no value, like an empty field
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value)
