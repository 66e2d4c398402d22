"""What the service layer needs from outside and gets injected: a clock and id generation."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Callable

#: Returns the current time, timezone-aware UTC. Tests inject a controllable clock.
Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def new_id() -> str:
    return uuid.uuid4().hex
