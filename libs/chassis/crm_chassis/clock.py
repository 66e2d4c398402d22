"""The time a use case sees: a port, so tests fix it. Pure Python.

Every service layer asks ``deps.clock.now()`` instead of calling ``datetime.now`` itself: the
instant is always aware and in UTC, and a test can pin it (``crm_testkit.FixedClock``).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
