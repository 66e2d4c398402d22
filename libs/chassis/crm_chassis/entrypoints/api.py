"""A service's api process as data: its servicer table and how to build its dependencies.

A service's ``entrypoints/api.py``::

    APP = ApiApp(
        service="leads", load_settings=settings.load,
        build_dependencies=wiring.build_dependencies,
        servicers=(
            Servicer(lead_service_pb2, "LeadService",
                     lead_service_pb2_grpc.add_LeadServiceServicer_to_server, LeadServicer,
                     settings_kwargs=lambda s: {"import_batch_size": s.import_batch_size}),
            Servicer(scoring_pb2, "ScoringService",
                     scoring_pb2_grpc.add_ScoringServiceServicer_to_server, ScoringServicer),
        ),
        principal_check=lambda deps: refuse_deactivated_users(deps.replica))
    SERVICE_NAMES = APP.service_names
    start = APP.start   # tests, benchmarks: start(settings, deps=None, *, verifier=None, **kw)
    main = APP.main

    if __name__ == "__main__":
        main()

``main()`` loads the settings (at start, never at import), refuses a misconfigured start,
configures logging, builds the dependencies, runs ``prepare`` and serves until SIGTERM through
:func:`crm_chassis.grpc.serve` (auth, metrics, access log, error mapping, health, reflection).
Whatever the app built (dependencies, the verifier's key source) is closed when the server
stops; what a test passes to ``start`` stays the test's to close.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Generic, TypeVar

import grpc

from crm_chassis import tracing
from crm_chassis.auth import TokenVerifier, identity_verifier
from crm_chassis.gc_tuning import tune_for_service
from crm_chassis.grpc import MethodLimits, RunningServer, serve, service_name_of, start_server
from crm_chassis.grpc.interceptor import PrincipalCheck
from crm_chassis.logging import configure_logging
from crm_chassis.settings import ServiceSettings, check_startup
from crm_chassis.use_cases import Dependencies

S = TypeVar("S", bound=ServiceSettings)
D = TypeVar("D", bound=Dependencies)


@dataclass(frozen=True)
class Servicer(Generic[S, D]):
    """One gRPC service of the api: the ``*_pb2`` module declaring it, its name there, the
    generated ``add_<Name>Servicer_to_server`` and the servicer's class (or factory), called as
    ``factory(deps, **settings_kwargs(settings))``."""

    pb2: ModuleType
    service: str
    add_to_server: Callable[[Any, grpc.Server], None]
    factory: Callable[..., object]
    settings_kwargs: Callable[[S], Mapping[str, Any]] | None = None

    @property
    def full_name(self) -> str:
        return service_name_of(self.pb2, self.service)

    def add(self, server: grpc.Server, deps: D, settings: S) -> None:
        kwargs = self.settings_kwargs(settings) if self.settings_kwargs is not None else {}
        self.add_to_server(self.factory(deps, **kwargs), server)


def _close_verifier(verifier: TokenVerifier) -> None:
    close: Callable[[], None] | None = getattr(verifier.key_source, "close", None)
    if close is not None:
        close()


@dataclass(frozen=True)
class ApiApp(Generic[S, D]):
    """``principal_check(deps)`` returns the check run on every authenticated call (or None);
    ``verifier(settings, deps)`` builds the token verifier (default: identity's published keys);
    ``prepare(settings, deps)`` runs once before serving (start-up work such as ensuring a
    signing key); ``public_methods`` are callable without a token."""

    service: str
    load_settings: Callable[[], S]
    build_dependencies: Callable[[S], D]
    servicers: tuple[Servicer[S, D], ...]
    principal_check: Callable[[D], PrincipalCheck | None] | None = None
    verifier: Callable[[S, D], TokenVerifier] | None = None
    prepare: Callable[[S, D], None] | None = None
    public_methods: tuple[str, ...] = ()
    method_limits: MethodLimits | None = None

    @property
    def service_names(self) -> tuple[str, ...]:
        """Full names of the gRPC services (health and reflection)."""
        return tuple(servicer.full_name for servicer in self.servicers)

    def register(self, deps: D, settings: S) -> Callable[[grpc.Server], None]:
        """The ``register(server)`` the chassis server calls: every servicer on ``deps``."""

        def register(server: grpc.Server) -> None:
            for servicer in self.servicers:
                servicer.add(server, deps, settings)

        return register

    def _verifier(self, settings: S, deps: D) -> TokenVerifier:
        if self.verifier is not None:
            return self.verifier(settings, deps)
        return identity_verifier(settings)

    def _server_arguments(
        self, settings: S, deps: D, verifier: TokenVerifier, closers: list[Callable[[], None]]
    ) -> dict[str, Any]:
        def on_stop() -> None:
            for close in closers:
                close()

        return dict(
            service_names=self.service_names,
            verifier=verifier,
            public_methods=self.public_methods,
            principal_check=(
                self.principal_check(deps) if self.principal_check is not None else None
            ),
            method_limits=self.method_limits,
            on_stop=on_stop,
        )

    def start(
        self,
        settings: S,
        deps: D | None = None,
        *,
        verifier: TokenVerifier | None = None,
        **kwargs: Any,
    ) -> RunningServer:
        """Start a server without blocking (tests, benchmarks); returns the RunningServer.
        ``kwargs`` override the server arguments (``principal_check``, ``access_log``, ...).
        ``deps`` and ``verifier`` passed in stay the caller's to close; the ones built here
        are closed when the server stops."""
        closers: list[Callable[[], None]] = []
        if deps is None:
            deps = self.build_dependencies(settings)
            closers.append(deps.close)
        try:
            if self.prepare is not None:
                self.prepare(settings, deps)
            if verifier is None:
                built = verifier = self._verifier(settings, deps)
                closers.insert(0, lambda: _close_verifier(built))
            arguments = self._server_arguments(settings, deps, verifier, closers)
            arguments.update(kwargs)
            return start_server(settings, self.register(deps, settings), **arguments)
        except BaseException:
            for close in closers:
                close()
            raise

    def main(self) -> None:
        """The api process: serve until SIGTERM or SIGINT, then stop gracefully."""
        settings = self.load_settings()
        check_startup(settings, "api")  # stops here when misconfigured
        configure_logging(settings)
        tracing.configure(settings, "api")  # only with an OTLP endpoint
        deps = self.build_dependencies(settings)
        if self.prepare is not None:
            self.prepare(settings, deps)
        verifier = self._verifier(settings, deps)
        closers = [lambda: _close_verifier(verifier), deps.close]
        serve(
            settings,
            self.register(deps, settings),
            on_start=_tune_collector,
            **self._server_arguments(settings, deps, verifier, closers),
        )


def _tune_collector(_running: RunningServer) -> None:
    """Once serving: what start-up built stays out of the collector (docs/chassis.md, gc_tuning)."""
    tune_for_service()
