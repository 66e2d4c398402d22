"""Migration import from another CRM: which fields a file's columns may fill, and the values of
one row. Plain Python.

A row is identified by its ``external_id`` (the record's id in the system it comes from): the
import keeps (kind, external id) -> record id, so running the same file again adds nothing and a
file interrupted half-way can simply be sent again. ``created_at`` carries the record's own
business time (a date, or an instant with its offset); it may not lie in the future.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from crm_chassis.currencies import minor_units
from crm_chassis.errors import InvalidArgument, ValidationErrors

#: kind -> the fields its rows may fill (``external_id`` is required for every kind).
FIELDS: dict[str, tuple[str, ...]] = {
    "accounts": (
        "external_id",
        "team_id",
        "owner_user_id",
        "name",
        "industry",
        "website",
        "phone",
        "created_at",
    ),
    "contacts": (
        "external_id",
        "account_external_id",
        "account_id",
        "owner_user_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "job_title",
        "created_at",
    ),
    "deals": (
        "external_id",
        "account_external_id",
        "account_id",
        "sales_line_id",
        "owner_user_id",
        "name",
        "stage_key",
        "currency",
        "amount",
        "status",
        "close_date",
        "actual_revenue",
        "lost_reason",
        "competitor",
        "note",
        "created_at",
        "stage_history",
    ),
    "activities": (
        "external_id",
        "target_type",
        "target_external_id",
        "target_id",
        "kind",
        "subject",
        "body",
        "owner_user_id",
        "occurred_at",
        "due_at",
        "direction",
        "duration_minutes",
    ),
}
#: Most rows of one import call's batch (one transaction each).
MAX_BATCH = 1000


@dataclass(frozen=True)
class ImportPlan:
    """What the header said: the kind, column -> field, and whether it is a dry run."""

    kind: str
    mapping: dict[str, str]
    dry_run: bool = False

    def values(self, raw: Mapping[str, str]) -> dict[str, str]:
        """The row's fields (mapped columns only, trimmed)."""
        return {
            field: (raw.get(column) or "").strip()
            for column, field in self.mapping.items()
            if field
        }


def plan(
    kind: str,
    column_mapping: Mapping[str, str],
    columns: Sequence[str] = (),
    *,
    dry_run: bool = False,
) -> ImportPlan:
    """The plan of a header: every column named like a field maps to it unless mapped
    otherwise; every problem (unknown kind or field, no external id) is reported at once."""
    if kind not in FIELDS:
        raise InvalidArgument(
            f"kind '{kind}' cannot be imported; choose one of {', '.join(FIELDS)}", field="kind"
        )
    fields = FIELDS[kind]
    mapping = {c: c for c in columns if c in fields}
    mapping.update({c.strip(): f.strip() for c, f in column_mapping.items()})
    problems = [
        (
            f"column_mapping[{column}]",
            f"'{field}' is not a field of {kind}; fields: " + ", ".join(fields),
        )
        for column, field in mapping.items()
        if field and field not in fields
    ]
    if "external_id" not in mapping.values():
        problems.append(
            ("column_mapping", "map a column to external_id: the record's id in the old system")
        )
    mapped = [f for f in mapping.values() if f]
    problems += [
        ("column_mapping", f"two columns map to {f}")
        for f in sorted(set(mapped))
        if mapped.count(f) > 1
    ]
    if problems:
        raise ValidationErrors(problems)
    return ImportPlan(kind, mapping, dry_run)


def business_time(text: str, field: str, now: dt.datetime) -> dt.datetime | None:
    """A row's own time: ``YYYY-MM-DD`` (midnight UTC) or an ISO 8601 instant with offset;
    None when empty. Refused in the future or without an offset (ambiguous)."""
    if not text:
        return None
    try:
        if len(text) == 10:
            when = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), dt.UTC)
        else:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArgument(
            f"{field} '{text}' is not a date (YYYY-MM-DD) or an instant "
            "(YYYY-MM-DDTHH:MM:SS+00:00)",
            field=field,
        ) from None
    if when.tzinfo is None:
        raise InvalidArgument(
            f"{field} '{text}' has no UTC offset; add one, e.g. {text}+00:00", field=field
        )
    if when > now:
        raise InvalidArgument(f"{field} {text} lies in the future", field=field)
    return when.astimezone(dt.UTC)


def external_id(values: Mapping[str, str]) -> str:
    found = values.get("external_id", "")
    if not found:
        raise InvalidArgument(
            "external_id is empty: every row needs its old system's id", field="external_id"
        )
    if len(found) > 200:
        raise InvalidArgument("external_id is longer than 200 characters", field="external_id")
    return found


def amount(text: str, currency: str, field: str) -> Decimal | None:
    """An exact amount of ``currency`` (at most its ISO minor digits); None when empty."""
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or "e" in text.lower() or value < 0:
        raise InvalidArgument(f"{field} '{text}' is not an amount such as 1200.50", field=field)
    exponent = value.as_tuple().exponent
    digits = minor_units(currency)
    if isinstance(exponent, int) and -exponent > digits:
        raise InvalidArgument(
            f"{field} {text} has more than {digits} decimal places, the minor unit of {currency}",
            field=field,
        )
    return value.quantize(Decimal(1).scaleb(-digits))


def stage_history(
    text: str, created: dt.datetime, now: dt.datetime
) -> list[tuple[str, dt.datetime]]:
    """The stages a deal went through with the times it entered them, oldest first:
    ``KEY=WHEN;KEY=WHEN`` (WHEN a date or an instant with offset), none before the deal's
    creation, in the future, or before the entry above it; empty text: none."""
    entries: list[tuple[str, dt.datetime]] = []
    for number, part in enumerate(p.strip() for p in text.split(";") if p.strip()):
        key, sep, when_text = part.partition("=")
        if not sep or not key.strip() or not when_text.strip():
            raise InvalidArgument(
                f"stage_history entry '{part}' is not STAGE=DATE, e.g. "
                "qualify=2019-01-03;propose=2019-02-10",
                field="stage_history",
            )
        when = business_time(when_text.strip(), "stage_history", now) or created
        if when < created:
            raise InvalidArgument(
                f"stage_history: {key.strip()} entered {when_text.strip()}, before the deal's "
                "created_at",
                field="stage_history",
            )
        if number and when < entries[-1][1]:
            raise InvalidArgument(
                f"stage_history: {key.strip()} entered before the stage listed above it; list "
                "the stages oldest first",
                field="stage_history",
            )
        entries.append((key.strip(), when))
    return entries


def close_date(text: str, now: dt.datetime) -> dt.date | None:
    """A closed deal's close date (``YYYY-MM-DD``, not in the future); None when empty."""
    if not text:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidArgument(
            f"close_date '{text}' is not a date YYYY-MM-DD", field="close_date"
        ) from None
    if day > now.date():
        raise InvalidArgument(f"close_date {text} lies in the future", field="close_date")
    return day
