"""deals' api process: every deals gRPC service through the chassis server (auth with identity's
published keys, metrics, logs, error mapping, health, reflection). Run crm_deals.migrate first.

    python -m crm_deals.entrypoints.api

A user's access comes from the scope replica at every call (revocation within a second through
territory's user_access_changed), not from the token; the principal check ends a deactivated
person's token here as soon as the replica says so.
"""
from __future__ import annotations

from crm_chassis.auth import identity_verifier
from crm_chassis.grpc import serve, start_server
from crm_chassis.logging import configure_logging
from crm_chassis.scopes.principal_check import refuse_deactivated_users
from crm_chassis.settings import check_startup
from crm_deals.adapters.grpc_services import SERVICE_NAMES, register
from crm_deals.entrypoints import settings as settings_module
from crm_deals.entrypoints.settings import DealsSettings
from crm_deals.entrypoints.wiring import build_dependencies


def _principal_check(deps):
    """Refuse deactivated people from the access replica; none when the scopes port is a fake
    without one (tests)."""
    replica = getattr(deps.scopes, "replica", None)
    return refuse_deactivated_users(replica) if replica is not None else None


def _closer(*steps):
    def close() -> None:
        for step in steps:
            step()
    return close


def start(settings: DealsSettings, deps=None, *, verifier=None, **kwargs):
    """Start a server without blocking (tests, benchmarks); returns the RunningServer. The
    ``deps`` and ``verifier`` passed in stay the caller's to close."""
    own_deps = deps is None
    deps = deps or build_dependencies(settings)
    own_verifier = verifier is None
    verifier = verifier or identity_verifier(settings)
    steps = ([verifier.key_source.close] if own_verifier else []) + \
        ([deps.close] if own_deps else [])
    kwargs.setdefault("principal_check", _principal_check(deps))
    return start_server(settings, register(deps), service_names=SERVICE_NAMES,
                        verifier=verifier, on_stop=_closer(*steps), **kwargs)


def main() -> None:
    settings = settings_module.load()
    check_startup(settings, "api")   # stops here when misconfigured
    configure_logging(settings)
    deps = build_dependencies(settings)
    verifier = identity_verifier(settings)
    serve(settings, register(deps), service_names=SERVICE_NAMES, verifier=verifier,
          on_stop=_closer(verifier.key_source.close, deps.close),
          principal_check=_principal_check(deps))


if __name__ == "__main__":
    main()
