"""What every catalog aggregate has: an id, a version and the times it was created and changed.

Every change bumps ``version`` by one and sets ``updated_at``; the repository keeps each
committed version as a revision valid from its ``updated_at``, which is what makes "as of"
re-pricing reproducible (see docs/services/catalog.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NoReturn

from crm_chassis.errors import FailedPrecondition, InvalidArgument


@dataclass(eq=False)
class Aggregate:
    id: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    def _changed(self, now: dt.datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("aggregate clocks must be timezone-aware (UTC)")
        # Revisions are ordered by updated_at; a clock going backwards must not reorder them.
        self.updated_at = max(now, self.updated_at)
        self.version += 1

    def check_version(self, expected_version: int | None, what: str) -> None:
        """FailedPrecondition when the caller edited a stale copy (optimistic concurrency)."""
        if expected_version and expected_version != self.version:
            raise FailedPrecondition(
                f"{what} {self.id} is at version {self.version}, not {expected_version}: "
                "someone changed it meanwhile; reload it and apply your change again",
                field="expected_version",
            )


def clean_name(value: str, field: str, *, max_length: int = 200) -> str:
    """A trimmed, non-empty display name of at most ``max_length`` characters."""
    name = " ".join((value or "").split())
    if not name:
        raise InvalidArgument(f"{field} is required", field=field)
    if len(name) > max_length:
        raise InvalidArgument(f"{field} is longer than {max_length} characters", field=field)
    return name


def check_date_range(
    valid_from: dt.date | None, valid_to: dt.date | None, field: str = "valid_to"
) -> None:
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidArgument(f"{field} {valid_to} is before valid_from {valid_from}", field=field)


def describe_range(valid_from: dt.date | None, valid_to: dt.date | None) -> str:
    return f"{valid_from or 'always'} .. {valid_to or 'open end'}"


def parse_date(text: str | dt.date | None, field: str) -> dt.date | None:
    """A calendar date from "YYYY-MM-DD"; empty means no date."""
    if text is None or isinstance(text, dt.date):
        return text
    raw = text.strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _bad_date(raw, field)
    except ValueError:
        return _bad_date(raw, field)


def _bad_date(raw: str, field: str) -> NoReturn:
    raise InvalidArgument(f"{field} '{raw}' is not a date in the form YYYY-MM-DD", field=field)
