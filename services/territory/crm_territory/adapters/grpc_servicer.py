"""What every territory servicer shares: its dependencies and the caller of the current call.
The proto translation itself is in ``grpc_mapping.py``."""

from __future__ import annotations

from typing import Any

from crm_chassis.auth import require_principal
from crm_territory.adapters import grpc_mapping
from crm_territory.service_layer.caller import Caller
from crm_territory.service_layer.dependencies import Dependencies


def caller() -> Caller:
    """The verified principal the chassis interceptor bound for this call, as the use cases see
    it; UNAUTHENTICATED when there is none (every territory method needs a token)."""
    return Caller.from_principal(require_principal())


def paged(request) -> dict[str, Any]:
    """The page a list request asks for, as the list use cases take it."""
    return {"page_size": request.page.page_size, "cursor": request.page.cursor}


def listed(response_type, field: str, page, to_proto):
    """A list response: ``page``'s items through ``to_proto`` in ``field``, and where the next
    page starts."""
    return response_type(
        **{field: [to_proto(item) for item in page.items]},
        page=grpc_mapping.page_info(page.next_cursor),
    )


class Servicer:
    """Base of the servicers: the dependencies every use case call is given (each use case opens
    its own unit of work, so one servicer serves every thread)."""

    def __init__(self, deps: Dependencies):
        self.deps = deps
