"""Keys under which two records of different people typing count as the same organisation or
person: the one rule every service's duplicate detection uses (leads, and deals' accounts and
contacts), so a name matches in every service the same way.

Names compare case-, accent- and punctuation-insensitively, and organisation names without their
legal form ("ACME GmbH" = "Acme"); names in Persian, Hebrew or Arabic script compare letter by
letter (vowel marks, the zero-width non-joiner, the tatweel and the Arabic/Persian letter variants
of yeh and kaf aside), and digits of any script by their value ("۱۲" = "12"). Web addresses
compare by their host without ``www.``. Plain Python, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

LEGAL_FORMS = frozenset(
    {
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
)

# Letters and digits of every script make words (keeping only a-z would make every two people
# whose names are not in Latin script the same person). Before splitting: the Arabic forms of
# yeh and kaf a keyboard may type are the Persian letters, and the zero-width non-joiner and
# tatweel, which only shape the written word, go.
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


def fold(value: str) -> str:
    """Case- and accent-insensitive form for comparisons ("Müller" == "muller")."""
    if value.isascii():
        return value.casefold()
    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def words(value: str) -> list[str]:
    """The words of a name as they compare (folded, in any script)."""
    folded = fold(value)
    if folded.isascii():
        return _WORD.findall(folded)
    found = _WORD.findall(folded.translate(_SCRIPT_VARIANTS))
    return [
        "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in word) for word in found
    ]


def company_key(name: str) -> str:
    """An organisation's name as it compares: its words without a trailing legal form."""
    found = words(name)
    while len(found) > 1 and found[-1] in LEGAL_FORMS:
        found.pop()
    return " ".join(found)


def person_key(first_name: str, last_name: str) -> str:
    """A person's name as it compares; empty without a last name."""
    if not words(last_name):
        return ""
    return " ".join(words(first_name) + words(last_name))


def web_domain(website: str) -> str:
    """The host of a web address, lower-case and without ``www.`` ("https://www.Acme.de/x" ->
    "acme.de"); empty when there is none."""
    raw = website.strip()
    if not raw:
        return ""
    host = (urlsplit(raw if "://" in raw else "https://" + raw).hostname or "").lower()
    return host.removeprefix("www.")


def email_domain(email: str) -> str:
    """The domain of an e-mail address, lower-case ("Jo@Acme.de" -> "acme.de")."""
    return email.rpartition("@")[2].strip().lower() if "@" in email else ""


def phone_key(phone: str) -> str:
    """Digits of a phone number with its leading + ("+49 30 1234-5" -> "+493012345")."""
    digits = "".join(c for c in phone if c.isdigit())
    if not digits:
        return ""
    return ("+" if phone.strip().startswith("+") else "") + digits
