"""What every territory servicer shares: its dependencies and the caller of the current call.
The proto translation itself is in ``grpc_mapping.py``."""
from __future__ import annotations

from crm_chassis.auth import require_principal

from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies
from crm_territory.service_layer.ports import Clock
from crm_territory.service_layer.unit_of_work import TerritoryUnitOfWork


def caller() -> Caller:
    """The verified principal the chassis interceptor bound for this call, as the use cases see
    it; UNAUTHENTICATED when there is none (every territory method needs a token)."""
    return Caller.from_principal(require_principal())


class Servicer:
    """Base of the servicers: the dependencies and a fresh unit of work per use case (the SQL
    unit of work holds its session while entered, so one must never serve two threads)."""

    def __init__(self, deps: Dependencies):
        self.deps = deps

    @property
    def uow(self) -> TerritoryUnitOfWork:
        return self.deps.uow()

    @property
    def clock(self) -> Clock:
        return self.deps.clock
