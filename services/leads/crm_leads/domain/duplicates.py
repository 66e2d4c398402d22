"""Duplicate detection: the keys under which two leads count as the same person.

Two leads are duplicates when they share the e-mail, or the phone (E.164), or the company and
the person's name. Names compare case-, accent- and punctuation-insensitively, and company
names without their legal form ("ACME GmbH" = "Acme"), so "Jörg Müller, ACME GmbH" and
"jorg muller, Acme" match; names in Persian, Hebrew or Arabic script compare letter by letter
(vowel marks, the zero-width non-joiner and Arabic/Persian letter variants aside). Only open leads (new, working, qualified, disqualified) take part:
a converted lead is a customer now, and a new inquiry from them is a new lead.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crm_leads.domain.lead import Lead, LeadStatus
from crm_leads.domain.normalise import fold
from crm_leads.domain.values import LeadData

_LEGAL_FORMS = {
    "ag",
    "bv",
    "co",
    "corp",
    "corporation",
    "gmbh",
    "inc",
    "incorporated",
    "kg",
    "limited",
    "llc",
    "llp",
    "ltd",
    "nv",
    "oy",
    "ab",
    "plc",
    "pty",
    "sa",
    "sarl",
    "sas",
    "se",
    "spa",
    "srl",
    "ug",
    "company",
    "mbh",
    "ohg",
    "gbr",
    "kgaa",
}
TAKING_PART = frozenset(
    {LeadStatus.NEW, LeadStatus.WORKING, LeadStatus.QUALIFIED, LeadStatus.DISQUALIFIED}
)


# Letters and digits of every script make words (Persian, Hebrew and Arabic names too: keeping
# only a-z made every two people of one company whose names are not in Latin script the same
# person). Before splitting: the Arabic forms of yeh and kaf a keyboard may type are the Persian
# letters, and the zero-width non-joiner and tatweel, which only shape the written word, go.
_SCRIPT_VARIANTS = str.maketrans(
    {
        "\u064a": "\u06cc",
        "\u0649": "\u06cc",
        "\u0643": "\u06a9",
        "\u200c": "",
        "\u200d": "",
        "\u0640": "",
    }
)
_WORD = re.compile(r"[^\W_]+")


def _words(value: str) -> list[str]:
    folded = fold(value)
    if folded.isascii():
        return _WORD.findall(folded)
    words = _WORD.findall(folded.translate(_SCRIPT_VARIANTS))
    # Digits of any script compare as their value ("۱۲" == "12").
    return [
        "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in word) for word in words
    ]


def company_key(name: str) -> str:
    words = _words(name)
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return " ".join(words)


@dataclass(frozen=True)
class DuplicateKeys:
    email: str = ""
    phone: str = ""
    company_person: str = ""  # "<company>|<first> <last>"

    @classmethod
    def of(cls, data: LeadData) -> DuplicateKeys:
        person = " ".join(_words(data.person.first_name) + _words(data.person.last_name))
        company = company_key(data.company.name)
        return cls(
            data.person.email,
            data.person.phone,
            f"{company}|{person}" if company and data.person.last_name else "",
        )

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
    keys = DuplicateKeys.of(data)
    found = []
    for lead in sorted(candidates, key=lambda item: (item.created_at, item.id)):
        if lead.id == exclude_id or lead.status not in TAKING_PART:
            continue
        shared = keys.shared_with(DuplicateKeys.of(lead.data))
        if shared:
            found.append((lead, shared))
    return found
