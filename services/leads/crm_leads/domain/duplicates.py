"""Duplicate detection: the keys under which two leads count as the same person.

Two leads are duplicates when they share the e-mail, or the phone (E.164), or the company and
the person's name. Names compare case-, accent- and punctuation-insensitively, and company
names without their legal form ("ACME GmbH" = "Acme"), so "Jörg Müller, ACME GmbH" and
"jorg muller, Acme" match; names in Persian, Hebrew or Arabic script compare letter by letter
(vowel marks, the zero-width non-joiner and Arabic/Persian letter variants aside). Only open leads (new, working, qualified, disqualified) take part:
a converted lead is a customer now, and a new inquiry from them is a new lead.
"""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.matching import company_key
from crm_chassis.matching import words as _words
from crm_leads.domain.lead import Lead, LeadStatus
from crm_leads.domain.values import LeadData

TAKING_PART = frozenset(
    {LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}
)

__all__ = ["TAKING_PART", "DuplicateKeys", "company_key", "describe", "find_among"]


@dataclass(frozen=True)
class DuplicateKeys:
    email: str = ""
    phone: str = ""
    company_person: str = ""  # "<company>|<first> <last>"

    @classmethod
    def of(cls, data: LeadData) -> DuplicateKeys:
        company_person = ""
        if data.person.last_name and (company := company_key(data.company.name)):
            person = " ".join(_words(data.person.first_name) + _words(data.person.last_name))
            company_person = f"{company}|{person}"
        return cls(data.person.email, data.person.phone, company_person)

    def shared_with(self, other: DuplicateKeys) -> list[str]:
        """Names of the keys both have, e.g. ["email"]."""
        return [
            name
            for name in ("email", "phone", "company_person")
            if getattr(self, name) and getattr(self, name) == getattr(other, name)
        ]

    def __bool__(self) -> bool:
        return bool(self.email or self.phone or self.company_person)


_KEY_WORDS = {"email": "e-mail", "phone": "phone", "company_person": "company and name"}


def describe(keys: list[str]) -> str:
    return " and ".join(_KEY_WORDS[key] for key in keys)


def find_among(
    data: LeadData, candidates: list[Lead], exclude_id: str = ""
) -> list[tuple[Lead, list[str]]]:
    """Candidates that duplicate ``data``, with the keys they share, oldest lead first."""
    if not candidates:  # the common capture: nothing to compare, no keys to derive
        return []
    keys = DuplicateKeys.of(data)
    found = []
    for lead in sorted(candidates, key=lambda item: (item.created_at, item.id)):
        if lead.id == exclude_id or lead.status not in TAKING_PART:
            continue
        shared = keys.shared_with(DuplicateKeys.of(lead.data))
        if shared:
            found.append((lead, shared))
    return found
