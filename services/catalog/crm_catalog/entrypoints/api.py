"""catalog's api process: its five gRPC services through the chassis server (auth with
identity's published keys, metrics, logs, error mapping, health, reflection). Run
``python -m crm_catalog.migrate`` first.

    python -m crm_catalog.entrypoints.api

No principal check: the catalog keeps no user state; what a caller may do follows from the
roles and departments in the token (service_layer/authorization.py), which lives at most
15 minutes.
"""
from __future__ import annotations

from crm_chassis.auth import identity_verifier
from crm_chassis.grpc import serve, start_server
from crm_chassis.logging import configure_logging
from crm_chassis.settings import check_startup

from crm_catalog.adapters.grpc_services import SERVICE_NAMES, register
from crm_catalog.entrypoints import settings as settings_module
from crm_catalog.entrypoints.settings import CatalogSettings
from crm_catalog.entrypoints.wiring import build_dependencies
from crm_catalog.service_layer.dependencies import Dependencies


def _closer(*steps):
    def close() -> None:
        for step in steps:
            step()
    return close


def start(settings: CatalogSettings, deps: Dependencies | None = None, *, verifier=None,
          **kwargs):
    """Start a server without blocking (tests, benchmarks); returns the RunningServer. The
    ``deps`` and ``verifier`` passed in stay the caller's to close."""
    own_deps, own_verifier = deps is None, verifier is None
    deps = deps or build_dependencies(settings)
    verifier = verifier or identity_verifier(settings)
    steps = ([verifier.key_source.close] if own_verifier else []) + \
        ([deps.close] if own_deps else [])
    return start_server(settings, register(deps), service_names=SERVICE_NAMES,
                        verifier=verifier, on_stop=_closer(*steps), **kwargs)


def main() -> None:
    settings = settings_module.load()
    check_startup(settings, "api")   # stops here when misconfigured
    configure_logging(settings)
    deps = build_dependencies(settings)
    verifier = identity_verifier(settings)
    serve(settings, register(deps), service_names=SERVICE_NAMES, verifier=verifier,
          on_stop=_closer(verifier.key_source.close, deps.close))


if __name__ == "__main__":
    main()
