"""New identifiers for aggregates and records: a port, so tests make them predictable.

Ids are opaque strings to every reader (clients, other services, the database); a service never
parses one. The platform's ids are 32 lower-case hex digits of a random UUID.
"""

from __future__ import annotations

import uuid
from typing import Protocol


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new id, never returned before."""
        ...


class UuidIds:
    """Random (version 4) UUIDs as 32 hex digits."""

    def new_id(self) -> str:
        return uuid.uuid4().hex
