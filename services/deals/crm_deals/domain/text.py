"""Text fields and ids as every aggregate accepts them: trimmed, normalised, without control
characters, each refusal an InvalidArgument naming the field."""

from __future__ import annotations

import re
import unicodedata

from crm_chassis.errors import InvalidArgument

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{3,32}$")


def clean_text(raw: str | None, field: str, *, max_length: int, required: bool = False) -> str:
    """Trimmed, NFC-normalised text without control characters (newlines allowed in long text)."""
    text = unicodedata.normalize("NFC", (raw or "").strip())
    if required and not text:
        raise InvalidArgument(f"{field} is required", field=field)
    if len(text) > max_length:
        raise InvalidArgument(f"{field} is longer than {max_length} characters", field=field)
    allowed = "\n\t" if max_length > 500 else ""
    if any(unicodedata.category(ch) in ("Cc", "Cf") and ch not in allowed for ch in text):
        raise InvalidArgument(f"{field} contains control characters", field=field)
    return text


def clean_email(raw: str | None, field: str = "email") -> str:
    """An optional e-mail address: empty, or a plausible address (domain lower-cased)."""
    text = (raw or "").strip()
    if not text:
        return ""
    if len(text) > 254 or not _EMAIL.match(text):
        raise InvalidArgument(
            f"{field} is not a valid e-mail address, e.g. name@example.com", field=field
        )
    local, domain = text.split("@")
    return f"{local}@{domain.lower()}"


def clean_phone(raw: str | None, field: str = "phone") -> str:
    text = (raw or "").strip()
    if text and not _PHONE.match(text):
        raise InvalidArgument(
            f"{field} may hold digits, spaces, + ( ) . / - only, 3..32 characters; got {raw!r}",
            field=field,
        )
    return text


def require_id(raw: str | None, field: str) -> str:
    value = (raw or "").strip()
    if not value:
        raise InvalidArgument(f"{field} is required", field=field)
    if len(value) > 64 or any(ch.isspace() for ch in value):
        raise InvalidArgument(f"{field} is not a valid id: {raw!r}", field=field)
    return value


def optional_id(raw: str | None, field: str) -> str:
    return require_id(raw, field) if (raw or "").strip() else ""
