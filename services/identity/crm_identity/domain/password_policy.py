"""Password policy (OWASP ASVS 2.1 / NIST SP 800-63B style): length over composition rules.

- at least 12 and at most 128 characters (counted as Unicode code points after NFC);
- not the account's e-mail, nor its part before '@' (case-insensitive);
- not one of the most common passwords (a short built-in list; a breach corpus check would be
  the next step), nor one character repeated.
No rules on character classes and no forced expiry: they push people to predictable patterns.
Every failing rule is reported, each in words a person can act on.
"""

from __future__ import annotations

import unicodedata

from crm_chassis.errors import ValidationErrors

MIN_LENGTH = 12
MAX_LENGTH = 128

COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "12345678901234",
        "qwertyuiop123",
        "qwertyuiopasdf",
        "password1234",
        "password12345",
        "password123456",
        "passwordpassword",
        "1q2w3e4r5t6y",
        "iloveyou1234",
        "letmein12345",
        "welcome12345",
        "administrator",
        "changeme1234",
        "adminadmin123",
        "qwerty123456",
        "abc123456789",
        "trustno1trustno1",
        "football1234",
        "monkey123456",
        "sunshine1234",
        "princess1234",
        "dragon123456",
        "baseball1234",
        "superman1234",
        "starwars1234",
        "passw0rd1234",
        "p@ssw0rd1234",
        "zaq12wsxcde3",
        "1qaz2wsx3edc",
        "correcthorsebatterystaple",
        "aaaaaaaaaaaa",
        "000000000000",
        "111111111111",
        "123123123123",
        "abcabcabcabc",
        "asdfghjkl123",
        "qazwsxedcrfv",
    }
)


def problems(password: str, email: str = "") -> list[str]:
    """Every rule ``password`` breaks, as messages; empty when acceptable."""
    value = unicodedata.normalize("NFC", password or "")
    found = []
    if len(value) < MIN_LENGTH:
        found.append(
            f"must be at least {MIN_LENGTH} characters (has {len(value)}); a few "
            "unrelated words make a long password easy to remember"
        )
    if len(value) > MAX_LENGTH:
        found.append(f"must be at most {MAX_LENGTH} characters (has {len(value)})")
    lowered = value.lower()
    if email:
        address = email.strip().lower()
        if lowered in {address, address.split("@")[0]}:
            found.append("must not be your e-mail address or its part before '@'")
    if lowered in COMMON_PASSWORDS:
        found.append("is one of the most common passwords; choose something less predictable")
    elif value and len(set(value)) == 1:
        found.append("must not be one character repeated")
    return found


def check(password: str, *, email: str = "", field: str = "password") -> None:
    """Raise ValidationErrors listing every broken rule against ``field``."""
    broken = problems(password, email)
    if broken:
        raise ValidationErrors([(field, f"password {reason}") for reason in broken])
