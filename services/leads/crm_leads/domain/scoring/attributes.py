"""The attributes of a lead that scoring rules and the predictive model look at."""

from __future__ import annotations

import re
from typing import Any

from crm_leads.domain.normalise import fold
from crm_leads.domain.values import LeadData

# Ordered from least to most senior: AT_LEAST/BELOW rules compare these ranks.
SENIORITIES = ("individual", "manager", "director", "vp", "c_level")

# Checked in this order: "Vice President" must not count as a president, "Managing Director"
# is a chief executive, "Product Owner" is not an owner of the business.
_SENIORITY_PATTERNS = (
    ("vp", r"\b(vp|svp|evp|vice president|vice-president)\b"),
    (
        "c_level",
        r"\b(ceo|cto|cfo|coo|cio|cmo|cso|cro|chief|founder|co-founder|cofounder|"
        r"president|managing director|geschaftsfuhrer|geschaftsfuhrerin|inhaber|"
        r"inhaberin|managing partner)\b|^owner\b|\bbusiness owner\b",
    ),
    ("director", r"\b(director|head of|head|leiter|leiterin|directeur|directrice)\b"),
    ("manager", r"\b(manager|lead|team lead|supervisor|teamleiter|teamleiterin)\b"),
)

FREE_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "yahoo.co.uk",
        "hotmail.com",
        "hotmail.de",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "t-online.de",
        "proton.me",
        "protonmail.com",
        "mail.ru",
        "yandex.ru",
        "orange.fr",
        "free.fr",
        "libero.it",
        "qq.com",
        "163.com",
    }
)

ATTRIBUTES = (
    "country",
    "region",
    "industry",
    "company_size",
    "title_seniority",
    "annual_revenue",
    "channel",
    "campaign_id",
    "product_interest",
    "email_domain_kind",
)
CUSTOM_PREFIX = "custom."


def title_seniority(title: str) -> str:
    """A seniority band from a free job title; "" when there is no title."""
    folded = fold(title)
    if not folded.strip():
        return ""
    for band, pattern in _SENIORITY_PATTERNS:
        if re.search(pattern, folded):
            return band
    return "individual"


def email_domain_kind(email: str) -> str:
    """ "free" for a free-mail provider, "business" otherwise, "" without an e-mail."""
    if "@" not in email:
        return ""
    return "free" if email.rsplit("@", 1)[1] in FREE_MAIL_DOMAINS else "business"


def of(data: LeadData) -> dict[str, Any]:
    """Attribute name -> value ("" / None / () when unknown)."""
    result: dict[str, Any] = {
        "country": data.location.country,
        "region": data.location.region,
        "industry": data.company.industry,
        "company_size": data.company.size,
        "title_seniority": title_seniority(data.person.title),
        "annual_revenue": data.company.annual_revenue,
        "channel": data.source.channel.value if data.source.channel else "",
        "campaign_id": data.source.campaign_id,
        "product_interest": data.product_interest,
        "email_domain_kind": email_domain_kind(data.person.email),
    }
    for key, value in data.custom_attributes.items():
        result[CUSTOM_PREFIX + key] = value
    return result


def is_known(attribute: str) -> bool:
    return attribute in ATTRIBUTES or (
        attribute.startswith(CUSTOM_PREFIX) and len(attribute) > len(CUSTOM_PREFIX)
    )
