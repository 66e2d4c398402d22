"""Ports: what the use cases need from the outside world, implemented by adapters."""

from __future__ import annotations

import abc
from dataclasses import dataclass


@dataclass(frozen=True)
class DirectoryUser:
    """Identity's facts about a user, as the directory returns them."""

    user_id: str
    display_name: str
    active: bool
    departments: frozenset[str]
    roles: frozenset[str]
    version: int = 0  # identity's user version (the event's aggregate_version)


class UserDirectory(abc.ABC):
    """Identity's user directory (``adapters/identity_directory.py``, over gRPC). Used the first
    time a person is seen; afterwards identity's user events keep territory's copy current."""

    @abc.abstractmethod
    def lookup(self, user_id: str) -> DirectoryUser | None:
        """The user, or None if identity does not know the id."""


class RoutingMetrics(abc.ABC):
    """Counters the routing use cases feed (``adapters/metrics.py``: Prometheus)."""

    @abc.abstractmethod
    def lead_routed(self, team_id: str, strategy: str) -> None: ...

    @abc.abstractmethod
    def lead_unroutable(self, reason: str) -> None: ...

    @abc.abstractmethod
    def duplicate_ignored(self) -> None: ...
