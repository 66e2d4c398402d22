"""gRPC server bootstrap: every service's api process is ``serve(settings, register, ...)``.

It builds a grpcio server (thread pool of ``settings.grpc_max_workers``; at most
``grpc_max_concurrent_rpcs`` calls accepted at once, more answer RESOURCE_EXHAUSTED; requests up to
``grpc_max_message_bytes``) with the chassis chain
(:class:`~crm_chassis.grpc.interceptor.ServerChain`, whose call limits come from the settings and
the service's :class:`~crm_chassis.grpc.limits.MethodLimits`), lets ``register(server)`` add the service's
servicers, adds gRPC health v1 (SERVING for each service and for "" once started, NOT_SERVING
while the database is unreachable (crm_chassis.grpc.db_health), until a verifier reading
identity's keys holds them (crm_chassis.grpc.health_gate) and as soon as a graceful shutdown
begins) and reflection, binds ``settings.grpc_bind``, starts the
/metrics endpoint and logs one startup line with the (redacted) settings.

``serve`` blocks until SIGTERM/SIGINT, then: health NOT_SERVING, ``server.stop(grace)`` (in-flight
calls get ``shutdown_grace_seconds`` to finish), ``on_stop()``, return. ``start_server`` is the
non-blocking form (tests, benchmarks): it returns a :class:`RunningServer` with ``.port`` and
``.stop()``.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from crm_chassis.grpc.db_health import LIVENESS_SERVICE, watch_database
from crm_chassis.grpc.health_gate import HealthGate, wait_for_signing_keys
from crm_chassis.grpc.interceptor import PrincipalCheck, ServerChain
from crm_chassis.grpc.limits import CallLimits, MethodLimits
from crm_chassis.logging import get_logger
from crm_chassis.metrics import start_metrics_server

log = get_logger("crm.grpc.server")

HEALTH_SERVICE = health_pb2.DESCRIPTOR.services_by_name["Health"].full_name


class RunningServer:
    """A started server: ``.port``, ``.health``, ``.stop()``, ``.wait()``."""

    def __init__(
        self,
        server: grpc.Server,
        port: int,
        health_servicer: health.HealthServicer,
        service_names: Iterable[str],
        grace_seconds: float,
        on_stop: Callable[[], None] | None,
    ) -> None:
        self.server = server
        self.port = port
        self.health = health_servicer
        self.service_names = tuple(service_names)
        self.grace_seconds = grace_seconds
        self._on_stop = on_stop
        self._stopped = threading.Event()
        self._stop_lock = threading.Lock()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def stop(self, grace: float | None = None) -> None:
        """Graceful stop: NOT_SERVING first, then in-flight calls get ``grace`` seconds."""
        with self._stop_lock:
            if self._stopped.is_set():
                return
            grace = self.grace_seconds if grace is None else grace
            log.info("grpc_server_stopping", grace_seconds=grace)
            self.health.enter_graceful_shutdown()  # every service (and "") -> NOT_SERVING
            self.server.stop(grace).wait()
            try:
                if self._on_stop is not None:
                    self._on_stop()
            finally:
                self._stopped.set()
                log.info("grpc_server_stopped")

    def wait(self, timeout: float | None = None) -> bool:
        """Block until :meth:`stop` has completed (True) or ``timeout`` passes (False)."""
        return self._stopped.wait(timeout)


def start_server(
    settings: Any,
    register: Callable[[grpc.Server], None],
    *,
    service_names: Iterable[str],
    verifier: Any = None,
    public_methods: Iterable[str] = (),
    principal_check: PrincipalCheck | None = None,
    on_stop: Callable[[], None] | None = None,
    access_log: bool = True,
    method_limits: MethodLimits | None = None,
) -> RunningServer:
    """Build, bind and start the server; returns at once (see module docstring).

    ``service_names``: full names of the services ``register`` adds (for health/reflection).
    ``public_methods``: methods callable without a token, as '/pkg.Service/Method' (or a whole
    'pkg.Service'); health and reflection are always public. ``principal_check(principal)``
    runs on every authenticated call and may raise (e.g. Unauthenticated for a revoked user).

    The /metrics endpoint starts on ``settings.metrics_port`` (0: none; the counters still
    count). ``access_log=False`` drops the per-call log line (tests that make many calls).
    ``method_limits``: the service's own deadlines and list bounds per method/field.
    """
    service_names = tuple(service_names)
    chain = ServerChain(
        verifier,
        public_methods=public_methods,
        principal_check=principal_check,
        access_log_enabled=access_log,
        limits=CallLimits.from_settings(settings, method_limits),
    )
    server = grpc.server(
        ThreadPoolExecutor(max_workers=settings.grpc_max_workers, thread_name_prefix="grpc"),
        interceptors=[chain],
        maximum_concurrent_rpcs=max(settings.grpc_max_concurrent_rpcs, settings.grpc_max_workers),
        options=[("grpc.max_receive_message_length", settings.grpc_max_message_bytes)],
    )
    register(server)

    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        service_names + (HEALTH_SERVICE, reflection.SERVICE_NAME), server
    )

    try:
        port = server.add_insecure_port(settings.grpc_bind)
    except RuntimeError as exc:
        raise RuntimeError(
            f"cannot bind gRPC to {settings.grpc_bind}: {exc} (port in use? set grpc_port)"
        ) from None
    start_metrics_server(settings.metrics_port)
    gate = HealthGate(health_servicer, service_names + ("",))
    stop_waiting_for_keys = wait_for_signing_keys(verifier, gate)
    server.start()
    gate.set("started", True)
    health_servicer.set(LIVENESS_SERVICE, health_pb2.HealthCheckResponse.SERVING)
    on_stop = watch_database(settings, gate, on_stop)
    if stop_waiting_for_keys is not None:
        on_stop = _then(stop_waiting_for_keys, on_stop)
    log.info(
        "grpc_server_started",
        address=f"{settings.grpc_host}:{port}",
        services=list(service_names),
        settings=settings.redacted(),
    )
    return RunningServer(
        server, port, health_servicer, service_names, settings.shutdown_grace_seconds, on_stop
    )


def _then(first: Callable[[], None], then: Callable[[], None] | None) -> Callable[[], None]:
    def both() -> None:
        first()
        if then is not None:
            then()

    return both


def serve(
    settings: Any,
    register: Callable[[grpc.Server], None],
    *,
    service_names: Iterable[str],
    verifier: Any = None,
    public_methods: Iterable[str] = (),
    principal_check: PrincipalCheck | None = None,
    on_stop: Callable[[], None] | None = None,
    on_start: Callable[[RunningServer], None] | None = None,
    method_limits: MethodLimits | None = None,
) -> None:
    """Run the api process until SIGTERM or SIGINT, then stop gracefully and return.

    ``on_start(running)`` runs once the server is serving (e.g. to announce the bound port).
    """
    stop_requested = threading.Event()

    def _request_stop(signum: int, _frame: object) -> None:
        log.info("signal_received", signal=signal.Signals(signum).name)
        stop_requested.set()

    previous = {sig: signal.signal(sig, _request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        running = start_server(
            settings,
            register,
            service_names=service_names,
            verifier=verifier,
            public_methods=public_methods,
            principal_check=principal_check,
            on_stop=on_stop,
            method_limits=method_limits,
        )
        if on_start is not None:
            on_start(running)
        while not stop_requested.wait(1.0):  # a timed wait keeps signals deliverable
            pass
        running.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def service_name_of(servicer_module_or_descriptor: Any, name: str | None = None) -> str:
    """Full service name for reflection/health, from a ``*_pb2`` module and a service name:
    ``service_name_of(auth_pb2, "AuthService") == "crm.identity.v1.AuthService"``."""
    descriptor = getattr(servicer_module_or_descriptor, "DESCRIPTOR", servicer_module_or_descriptor)
    if name is None:
        return str(descriptor.full_name)
    return str(descriptor.services_by_name[name].full_name)
