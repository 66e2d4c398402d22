"""The console's dependencies: the services' gateways and a clock.

Unlike the other services' ``Dependencies`` this one has no unit of work: the console keeps no
data of its own (every page is read from the services' APIs with the person's token), so it
does not subclass ``crm_chassis.use_cases.Dependencies``, whose ``uow`` it could not honour.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from crm_chassis.clock import Clock, SystemClock
from crm_chassis.ids import IdGenerator, UuidIds
from crm_console.service_layer.ports import (
    CatalogPort,
    DealsPort,
    IdentityPort,
    LeadsPort,
    OrganisationPort,
    ReportingPort,
    TeamsPort,
)


@dataclass(frozen=True, kw_only=True)
class Dependencies:
    identity: IdentityPort
    leads: LeadsPort
    deals: DealsPort
    catalog: CatalogPort
    organisation: OrganisationPort  # territory's organisation, lines, territories, routing
    reporting: ReportingPort
    clock: Clock = field(default_factory=SystemClock)
    ids: IdGenerator = field(default_factory=UuidIds)
    closers: tuple[Callable[[], None], ...] = ()
    # The Team pages' gateway; None only where a test builds the console without those pages.
    teams: TeamsPort | None = None

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
