"""TEST-ONLY echo service (protos/crm/testing/v1/echo.proto) and a process to serve it.

Used by the chassis tests (real channels) and by bench/grpc_floor.py, which runs it in a
subprocess in two modes so client and server do not share a GIL:

- ``raw``      plain grpcio server, no interceptors: the floor every call pays;
- ``chassis``  :func:`crm_chassis.grpc.start_server` with the whole chain and token verification
               against the public key given in ``--public-key-pem-file``.

``python -m crm_testkit.echo --mode chassis --public-key-pem-file k.pem`` prints
``PORT <n>`` on stdout once serving, then serves until stdin closes or SIGTERM/SIGINT
(chassis mode runs :func:`crm_chassis.grpc.serve`, the api processes' real main loop).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import grpc

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_chassis import context as _context
from crm_chassis import errors
from crm_chassis.auth.principal import Principal, current_principal

ECHO_SERVICE = echo_pb2.DESCRIPTOR.services_by_name["EchoService"].full_name
ECHO_METHOD = f"/{ECHO_SERVICE}/Echo"
# Database failures Fail can raise, by name: the SQLSTATE the driver reports.
_DATABASE_FAILURES = {
    "DatabaseDown": "08006",
    "DatabaseDeadlock": "40P01",
    "DatabaseValueTooLong": "22001",
}


def make_error(name: str, message: str, field: str = "", retry_after_seconds: int = 0) -> Exception:
    """The exception named ``name`` (a crm_chassis.errors class, or RuntimeError)."""
    if name == "RuntimeError":
        return RuntimeError(message)
    if name == "DatabasePoolExhausted":  # every pooled connection busy for pool_timeout
        from sqlalchemy import exc as sa

        return sa.TimeoutError(f"QueuePool limit of size 10 overflow 10 reached: {message}")
    if name in _DATABASE_FAILURES:  # what SQLAlchemy raises under a call
        from sqlalchemy import exc as sa

        class DriverError(Exception):
            pgcode = _DATABASE_FAILURES[name]

        failure = sa.DataError if name == "DatabaseValueTooLong" else sa.OperationalError
        return failure("SELECT 1", {}, DriverError(message))
    if name == "ResourceExhausted":
        return errors.ResourceExhausted(
            message, retry_after_seconds=retry_after_seconds, field=field or None
        )
    if name == "ValidationErrors":
        return errors.ValidationErrors([(field or "field", message)])
    cls = getattr(errors, name, None)
    if not (isinstance(cls, type) and issubclass(cls, errors.CrmError)):
        return errors.InvalidArgument(f"unknown error name {name!r}", field="error")
    return cls(message, field=field or None)


class EchoServicer(echo_pb2_grpc.EchoServiceServicer):
    def Echo(self, request: echo_pb2.EchoRequest, context: Any) -> echo_pb2.EchoResponse:
        principal = current_principal()
        return echo_pb2.EchoResponse(
            message=request.message,
            subject_id=principal.subject_id if principal else "",
            request_id=_context.current().request_id,
            time_remaining=context.time_remaining() if request.report_time_remaining else 0.0,
        )

    def Fail(self, request: echo_pb2.FailRequest, context: Any) -> echo_pb2.EchoResponse:
        raise make_error(request.error, request.message, request.field, request.retry_after_seconds)

    def CountStream(
        self, request_iterator: Iterator[echo_pb2.EchoRequest], context: Any
    ) -> echo_pb2.EchoResponse:
        count = sum(1 for _ in request_iterator)
        return echo_pb2.EchoResponse(message=str(count), request_id=_context.current().request_id)

    def EchoStream(
        self, request: echo_pb2.EchoRequest, context: Any
    ) -> Iterator[echo_pb2.EchoResponse]:
        for _ in range(request.repeat):
            yield self.Echo(request, context)
        if request.fail_with:
            raise make_error(request.fail_with, request.message)


def register(server: grpc.Server) -> None:
    echo_pb2_grpc.add_EchoServiceServicer_to_server(EchoServicer(), server)


def _serve_raw(port: int, workers: int) -> tuple[int, Callable[[], object]]:
    server = grpc.server(ThreadPoolExecutor(max_workers=workers))
    register(server)
    bound = server.add_insecure_port(f"127.0.0.1:{port}")
    server.start()
    return bound, lambda: server.stop(0).wait()


def _serve_chassis(port: int, workers: int, public_key_pem_file: str, log_file: str) -> None:
    """Serve through :func:`crm_chassis.grpc.serve` (so its signal handling is exercised too)."""
    import os

    from crm_chassis.auth import StaticKeySource, TokenVerifier, key_id, public_key_from_pem
    from crm_chassis.grpc.server import serve
    from crm_chassis.logging import configure_logging, get_logger
    from crm_chassis.settings import ServiceSettings

    settings = ServiceSettings.load(
        "echo", grpc_port=port, grpc_max_workers=workers, metrics_port=0, shutdown_grace_seconds=1.0
    )
    configure_logging(settings, stream=open(log_file, "a", buffering=1))  # noqa: SIM115
    with open(public_key_pem_file) as fh:
        public_key = public_key_from_pem(fh.read())
    verifier = TokenVerifier(
        StaticKeySource({key_id(public_key): public_key}),
        settings.jwt_issuer,
        settings.jwt_audience,
        settings.jwt_algorithm,
    )
    revoked: set[str] = set()

    def principal_check(principal: Principal) -> None:  # what identity does: a set lookup per call
        if principal.token_id in revoked:
            raise errors.Unauthenticated("access token revoked")

    # The parent closing our stdin (or dying) also ends us: no orphan servers after a crash.
    def end_with_stdin() -> None:
        sys.stdin.read()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=end_with_stdin, daemon=True).start()
    serve(
        settings,
        register,
        service_names=[ECHO_SERVICE],
        verifier=verifier,
        principal_check=principal_check,
        on_start=lambda running: print(f"PORT {running.port}", flush=True),
        on_stop=lambda: get_logger("crm.testing.echo").info("echo_on_stop_called"),
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("raw", "chassis"), required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--public-key-pem-file", default="")
    parser.add_argument("--log-file", default="/dev/null")
    args = parser.parse_args(argv)
    if args.mode == "chassis":
        if not args.public_key_pem_file:
            parser.error("--mode chassis needs --public-key-pem-file")
        _serve_chassis(args.port, args.workers, args.public_key_pem_file, args.log_file)
        return
    port, stop = _serve_raw(args.port, args.workers)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())

    def end_with_stdin() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=end_with_stdin, daemon=True).start()
    print(f"PORT {port}", flush=True)
    while not done.wait(1.0):
        pass
    stop()


if __name__ == "__main__":
    main()
