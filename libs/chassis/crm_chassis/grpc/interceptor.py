"""The server's call chain, as ONE interceptor (five separate ones cost five wrappers a call):

1. context   x-request-id from metadata (or a new one), traceparent continued (or a new trace);
             bound in :mod:`crm_chassis.context`; x-request-id echoed to the caller: in the
             initial metadata of a successful call, in the trailing metadata of a failed one.
             (A failure must stay a "Trailers-Only" response: once headers are sent, a client's
             retry policy may no longer retry, e.g., UNAVAILABLE.)
2. auth      public methods (and health/reflection, always) skip it; otherwise
             ``authorization: Bearer <jwt>`` -> ``verifier.verify`` -> ``principal_check`` (runs on
             every call: identity rejects deactivated users and revoked tokens there) -> the
             principal and its Actor are bound for the application code.
3. metrics   grpc_server_started_total / handled_total / handling_seconds (see .metrics).
4. access log one JSON line a call: method, code, duration_ms, request_id, trace_id, subject
             (not for health probes, which only count in the metrics).
5. limits    (crm_chassis.grpc.limits) the handler sees the call's effective deadline (also bound
             as ``RequestContext.deadline``, which the chassis client caps downstream calls
             with, crm_chassis.grpc.client); client
             streams take one of a few stream slots and are read through an idle timeout;
             every request message is checked: list sizes against their bound, no U+0000
             in a string, every Timestamp/Duration within its type's range.
6. errors    CrmError -> its status and message (+ retry-after / x-error-field trailers); any other
             exception -> INTERNAL "internal error (request id …)", traceback to the log only.

Handles all four RPC kinds; wrapped handlers are cached per method, so the per-call cost is the
work above and nothing more.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import Token
from typing import Any, NoReturn

import grpc

from crm_chassis import context as _context
from crm_chassis import tracing
from crm_chassis.auth.principal import Principal, bind_principal, reset_principal
from crm_chassis.errors import CrmError, Unauthenticated
from crm_chassis.grpc.client import DeadlinePassed
from crm_chassis.grpc.limits import (
    BudgetSpent,
    CallLimits,
    GuardedRequests,
    LimitedContext,
    RequestChecks,
    StreamSlots,
)
from crm_chassis.grpc.metrics import MethodMetrics
from crm_chassis.grpc.status import (
    infrastructure_error,
    internal_error_message,
    status_code_of,
    trailing_metadata_of,
)
from crm_chassis.logging import get_logger

REQUEST_ID_KEY = "x-request-id"
TRACEPARENT_KEY = "traceparent"
AUTHORIZATION_KEY = "authorization"

HEALTH_SERVICE = "grpc.health.v1.Health"
# Infrastructure every client (load balancers, grpcurl) must reach without a token.
ALWAYS_PUBLIC_SERVICES = frozenset(
    {
        HEALTH_SERVICE,
        "grpc.reflection.v1alpha.ServerReflection",
        "grpc.reflection.v1.ServerReflection",
    }
)

# Called by every verifying process about twice a second (crm_chassis.auth.key_sources polls the
# published key set): an answer that succeeds is counted, not logged, or it would drown the log.
POLLED_METHODS = frozenset({"/crm.identity.v1.AuthService/GetSigningKeys"})

_REQUEST_ID_OK = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_TRACEPARENT_OK = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$")

access_log = get_logger("crm.grpc.access")
error_log = get_logger("crm.grpc.errors")

PrincipalCheck = Callable[[Principal], None]


class _Call:
    """Per-call state shared by the steps of the chain."""

    __slots__ = (
        "code",
        "ctx_token",
        "principal_token",
        "request_id",
        "span",
        "started",
        "subject",
        "trace_id",
    )

    def __init__(self, request_id: str, trace_id: str) -> None:
        self.started = time.perf_counter()
        self.request_id = request_id
        self.trace_id = trace_id
        self.subject = ""
        self.code = "OK"
        self.ctx_token: Token[_context.RequestContext | None] | None = None
        self.principal_token: Token[Principal | None] | None = None
        self.span: tracing.Span | None = None


_UNPLANNED = object()


class _Method:
    __slots__ = (
        "budget",
        "logged",
        "metrics",
        "name",
        "polled",
        "public",
        "request_check",
        "traced",
    )

    def __init__(self, name: str, public: bool, logged: bool, budget: float) -> None:
        self.name = name
        self.public = public
        self.metrics = MethodMetrics(name)
        self.logged = logged
        self.polled = name in POLLED_METHODS  # logged only when it fails
        # Probes and key polling would bury the calls people look for among their spans.
        self.traced = not self.polled and not name.startswith(f"/{HEALTH_SERVICE}/")
        self.budget = budget  # server-side limit of the call, seconds
        self.request_check: Any = _UNPLANNED  # planned from the first request message


# The limits of a server built without settings (tests of the chain alone): generous.
UNLIMITED = CallLimits(
    max_streams=1_000_000,
    stream_idle_seconds=86400.0,
    unary_deadline_seconds=86400.0,
    stream_deadline_seconds=86400.0,
    max_list_items=1_000_000_000,
)


class ServerChain(grpc.ServerInterceptor):
    """context → auth → metrics → access log → limits → errors, for every RPC of the server."""

    def __init__(
        self,
        verifier: Any = None,
        *,
        public_methods: Iterable[str] = (),
        principal_check: PrincipalCheck | None = None,
        access_log_enabled: bool = True,
        limits: CallLimits | None = None,
    ) -> None:
        self.verifier = verifier
        self.limits = limits or UNLIMITED
        self._slots = StreamSlots(self.limits.max_streams)
        self._checks = RequestChecks(self.limits.max_list_items, self.limits.methods.list_sizes)
        self.principal_check = principal_check
        self.access_log_enabled = access_log_enabled
        self._public = {_normalise(name) for name in public_methods}
        # grpc's method handlers are namedtuples (replaced field by field in _wrap).
        self._wrapped: dict[str, tuple[Any, Any]] = {}

    # ------------------------------------------------------------------ grpc hook
    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Any],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Any:
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        name = handler_call_details.method
        cached = self._wrapped.get(name)
        if cached is not None and cached[0] is handler:
            return cached[1]
        # Health probes (every few seconds from the orchestrator) are counted, not logged.
        logged = self.access_log_enabled and not name.startswith(f"/{HEALTH_SERVICE}/")
        streamed = handler.unary_unary is None
        method = _Method(name, self._is_public(name), logged, self.limits.budget_of(name, streamed))
        wrapped = self._wrap(method, handler)
        self._wrapped[name] = (handler, wrapped)
        return wrapped

    def _is_public(self, full_method: str) -> bool:
        service = full_method.lstrip("/").rpartition("/")[0]
        return (
            service in ALWAYS_PUBLIC_SERVICES
            or full_method in self._public
            or service in self._public
        )

    def _wrap(self, method: _Method, handler: Any) -> Any:
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._unary(method, handler.unary_unary, False))
        if handler.stream_unary is not None:
            return handler._replace(stream_unary=self._unary(method, handler.stream_unary, True))
        if handler.unary_stream is not None:
            return handler._replace(
                unary_stream=self._streaming(method, handler.unary_stream, False)
            )
        return handler._replace(stream_stream=self._streaming(method, handler.stream_stream, True))

    # ------------------------------------------------------------------ the chain
    def _unary(
        self, method: _Method, behavior: Callable[..., Any], client_stream: bool
    ) -> Callable[[Any, grpc.ServicerContext], Any]:
        def call_unary(request: Any, context: grpc.ServicerContext) -> Any:
            call = self._enter(method, context)
            requests = None
            try:
                self._authenticate(method, call, context)
                limited = LimitedContext(context, method.budget)
                if client_stream:
                    request = requests = self._guard(method, request, limited)
                else:
                    self._check_request(method, request)
                response = behavior(request, limited)
                call.code = _own_code(context) or "OK"
                _send_request_id(context, call.request_id)
                return response
            except Exception as exc:  # noqa: BLE001 - every exception gets a status
                self._abort(method, call, context, exc)
            finally:
                if requests is not None:
                    self._release(requests)
                self._exit(method, call)

        return call_unary

    def _streaming(
        self, method: _Method, behavior: Callable[..., Iterable[Any]], client_stream: bool
    ) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        # A generator: grpc iterates it in the same pool thread, so the context bound in
        # _enter holds for the handler's whole stream and is undone when the stream ends.
        def call_streaming(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            call = self._enter(method, context)
            requests = None
            try:
                self._authenticate(method, call, context)
                limited = LimitedContext(context, method.budget)
                if client_stream:
                    request = requests = self._guard(method, request, limited)
                else:
                    self._check_request(method, request)
                headers_sent = False
                for response in behavior(request, limited):
                    if limited.spent():
                        raise BudgetSpent(
                            "this call ran out of time (the server's limit for "
                            "this method); ask for less in one call"
                        )
                    if not headers_sent:
                        headers_sent = _send_request_id(context, call.request_id)
                    yield response
                call.code = _own_code(context) or "OK"
                if not headers_sent:
                    _send_request_id(context, call.request_id)
            except GeneratorExit:  # the client went away; grpc dropped the stream
                call.code = "CANCELLED"
                raise
            except Exception as exc:  # noqa: BLE001
                self._abort(method, call, context, exc)
            finally:
                if requests is not None:
                    self._release(requests)
                self._exit(method, call)

        return call_streaming

    # ------------------------------------------------------------------ limits
    def _guard(
        self, method: _Method, requests: Iterator[Any], limited: LimitedContext
    ) -> GuardedRequests:
        """A stream slot (or RESOURCE_EXHAUSTED) and the request stream behind an idle timeout,
        each message checked (lists, text, times)."""
        self._slots.take()
        try:
            return GuardedRequests(
                requests,
                self.limits.stream_idle_seconds,
                limited,
                check=lambda request: self._check_request(method, request),
            )
        except BaseException:
            self._slots.give_back()
            raise

    def _release(self, requests: GuardedRequests) -> None:
        requests.close()
        self._slots.give_back()

    def _check_request(self, method: _Method, request: Any) -> None:
        check = method.request_check
        if check is _UNPLANNED:  # bytes handlers (no protobuf message) have nothing to check
            descriptor = getattr(request, "DESCRIPTOR", None)
            check = method.request_check = (
                self._checks.checker(descriptor) if descriptor is not None else None
            )
        if check is not None:
            check(request)

    def _enter(self, method: _Method, context: Any) -> _Call:
        request_id = traceparent = ""
        for key, value in context.invocation_metadata() or ():
            if key == REQUEST_ID_KEY:
                request_id = value
            elif key == TRACEPARENT_KEY:
                traceparent = value
        if not request_id or not _REQUEST_ID_OK.match(request_id):
            request_id = os.urandom(16).hex()
        match = _TRACEPARENT_OK.match(traceparent) if traceparent else None
        if match:  # continue the caller's trace with a span of our own
            trace_id = match.group(1)
            traceparent = f"00-{trace_id}-{os.urandom(8).hex()}-{match.group(2)}"
        else:
            traceparent, trace_id = _context.new_traceparent()
        call = _Call(request_id, trace_id)
        if method.traced and tracing.enabled():
            # The recorded server span replaces the span id made up above.
            call.span = tracing.start(
                method.name,
                tracing.SERVER,
                parent=match.group(0) if match else "",
                attributes={"rpc.system": "grpc", "rpc.method": method.name},
            )
            if call.span is not None:
                traceparent = call.span.traceparent
                call.trace_id = trace_id = traceparent[3:35]
        client_left = context.time_remaining()
        budget = method.budget if client_left is None else min(method.budget, client_left)
        call.ctx_token = _context.bind(
            _context.RequestContext(
                request_id=request_id,
                trace_id=trace_id,
                traceparent=traceparent,
                deadline=time.monotonic() + budget,
            )
        )
        method.metrics.started.inc()
        return call

    def _authenticate(self, method: _Method, call: _Call, context: grpc.ServicerContext) -> None:
        if method.public:
            return
        if self.verifier is None:
            raise Unauthenticated("this server cannot verify access tokens (no verifier set)")
        principal = self.verifier.verify(_bearer_token(context))
        call.subject = f"{principal.kind}:{principal.subject_id}"
        if self.principal_check is not None:
            self.principal_check(principal)
        call.principal_token = bind_principal(principal)
        ctx = _context.current()
        _context.bind(
            _context.RequestContext(
                request_id=ctx.request_id,
                trace_id=ctx.trace_id,
                traceparent=ctx.traceparent,
                actor=principal.actor(),
                deadline=ctx.deadline,
            )
        )

    def _abort(
        self, method: _Method, call: _Call, context: grpc.ServicerContext, exc: Exception
    ) -> NoReturn:
        request_id = ((REQUEST_ID_KEY, call.request_id),)
        mapped = infrastructure_error(exc)
        if mapped is not None:  # operational, not a bug: logged without alarming as INTERNAL
            error_log.warning(
                "database failure in RPC",
                method=method.name,
                code=mapped.code,
                error=f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}",
            )
            exc = mapped
        if isinstance(exc, CrmError):
            code = status_code_of(exc)
            context.set_trailing_metadata(trailing_metadata_of(exc) + request_id)
            call.code = code.name
            context.abort(code, exc.message)
        if isinstance(exc, DeadlinePassed):  # no time was left for a downstream call
            call.code = "DEADLINE_EXCEEDED"
            context.set_trailing_metadata(request_id)
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, exc.details())
        own = _own_code(context)
        if own is not None and own != "OK":  # the handler called context.abort() itself
            call.code = own
            raise exc
        if not context.is_active():  # the client cancelled or its deadline passed: not a bug
            call.code = "CANCELLED"
            raise exc
        call.code = "INTERNAL"
        context.set_trailing_metadata(request_id)
        error_log.error("unhandled exception in RPC", method=method.name, exc_info=exc)
        context.abort(grpc.StatusCode.INTERNAL, internal_error_message(call.request_id))

    def _exit(self, method: _Method, call: _Call) -> None:
        elapsed = time.perf_counter() - call.started
        metrics = method.metrics
        metrics.handled(call.code).inc()
        metrics.seconds.observe(elapsed)
        if method.logged and not (method.polled and call.code == "OK"):
            access_log.info(
                "grpc_call",
                method=method.name,
                code=call.code,
                duration_ms=round(elapsed * 1000, 3),
                request_id=call.request_id,
                trace_id=call.trace_id,
                subject=call.subject,
            )
        if call.span is not None:
            call.span.set("rpc.grpc.status_code", call.code)
            call.span.end("" if call.code == "OK" else call.code)
        try:
            if call.principal_token is not None:
                reset_principal(call.principal_token)
            if call.ctx_token is not None:
                _context.reset(call.ctx_token)
        except ValueError:  # a stream finalised by the garbage collector in another thread
            pass


def _send_request_id(context: grpc.ServicerContext, request_id: str) -> bool:
    """Echo the request id in the initial metadata (unless the handler already sent its own)."""
    try:
        context.send_initial_metadata(((REQUEST_ID_KEY, request_id),))
    except ValueError:  # "initial metadata no longer allowed": the handler sent headers itself
        return False
    return True


def _bearer_token(context: Any) -> str:
    for key, value in context.invocation_metadata() or ():
        if key == AUTHORIZATION_KEY:
            scheme, _, token = value.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise Unauthenticated("authorization metadata must be 'Bearer <access token>'")
            return str(token).strip()
    raise Unauthenticated("missing access token: send 'authorization: Bearer <token>'")


def _own_code(context: Any) -> str | None:
    code = context.code()
    return code.name if isinstance(code, grpc.StatusCode) else None


def _normalise(name: str) -> str:
    """'/pkg.Svc/Method', 'pkg.Svc/Method' -> '/pkg.Svc/Method'; 'pkg.Svc' (whole service) as is."""
    return "/" + name.lstrip("/") if "/" in name else name
