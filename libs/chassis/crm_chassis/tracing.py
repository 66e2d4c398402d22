"""OpenTelemetry spans of gRPC calls, events and database transactions, exported over OTLP.

Off by default: a process records spans only when ``otlp_endpoint`` is set
(``CRM_OTLP_ENDPOINT``, an OTLP/HTTP traces URL such as ``http://collector:4318/v1/traces``).
Off, the OpenTelemetry SDK is never imported and every hook below is one global lookup
(:func:`start` returns None), so tracing costs nothing where nobody collects it.

The trace context stays where it always was, in :mod:`crm_chassis.context` (the W3C
``traceparent`` of the current span): a span started here takes the bound traceparent (or an
explicit one) as its parent, and :func:`span` binds the new span's traceparent while its block
runs, so gRPC metadata, events written meanwhile and log lines carry it. The hooks:

- ``grpc.interceptor``: a SERVER span per call (health and polled key lookups excepted);
- ``grpc.client``: a CLIENT span per outgoing call, whose traceparent goes in the metadata;
- ``sql_unit_of_work``: an INTERNAL span per unit of work (one database transaction);
- ``outbox.writer``: a PRODUCER span ``<event type> create`` per event; its traceparent is the
  event's ``meta.trace.traceparent``, kept in the outbox row (payload and headers);
- ``outbox.relay``: a PRODUCER span ``<event type> publish`` per row, a child of the row's
  create span, ended at the broker's verdict: the relay continues the producer's trace;
- ``messaging.handlers`` / ``messaging.batches``: a CONSUMER span ``<event type> process`` per
  delivery, a child of the event's create span, with a span id of its own.
"""

from __future__ import annotations

import atexit
import os
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crm_chassis import context as _context

if TYPE_CHECKING:  # the SDK is imported only when tracing is configured
    from crm_chassis.settings import ServiceSettings

SERVER, CLIENT, PRODUCER, CONSUMER, INTERNAL = (
    "server",
    "client",
    "producer",
    "consumer",
    "internal",
)

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")

_tracer: Any = None  # an opentelemetry Tracer while tracing is on
_provider: Any = None
_kinds: dict[str, Any] = {}


def enabled() -> bool:
    return _tracer is not None


def configure(settings: ServiceSettings, process: str, *, exporter: Any = None) -> bool:
    """Turn tracing on for this process when ``settings.otlp_endpoint`` is set (or an
    ``exporter`` is given, in tests). Spans go through a batch processor (``OTEL_BSP_*``
    variables tune it) to the OTLP/HTTP exporter. Returns whether tracing is on."""
    global _tracer, _provider
    if not settings.otlp_endpoint and exporter is None:
        return False
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
    from opentelemetry.trace import SpanKind

    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint)
    resource = Resource.create(
        {
            "service.name": settings.service_name,
            "service.namespace": "crm",
            "crm.process": process,
            "process.pid": os.getpid(),
        }
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(TraceIdRatioBased(settings.trace_sample_ratio))
    )
    provider.add_span_processor(BatchSpanProcessor(exporter))
    _kinds.update(
        {
            SERVER: SpanKind.SERVER,
            CLIENT: SpanKind.CLIENT,
            PRODUCER: SpanKind.PRODUCER,
            CONSUMER: SpanKind.CONSUMER,
            INTERNAL: SpanKind.INTERNAL,
        }
    )
    _provider = provider
    _tracer = provider.get_tracer("crm_chassis")
    atexit.register(shutdown)
    return True


def flush(timeout_seconds: float = 10.0) -> bool:
    """Export the spans ended so far (a process about to be stopped, tests)."""
    provider = _provider
    return provider is None or bool(provider.force_flush(int(timeout_seconds * 1000)))


def shutdown() -> None:
    """Export what is buffered and turn tracing off (process exit, tests)."""
    global _tracer, _provider
    provider, _provider, _tracer = _provider, None, None
    if provider is not None:
        provider.shutdown()


def _span_context(traceparent: str) -> Any:
    """The remote SpanContext a traceparent names, or None when it is not a valid one."""
    from opentelemetry.trace import SpanContext, TraceFlags

    match = _TRACEPARENT.match(traceparent) if traceparent else None
    if match is None:
        return None
    return SpanContext(
        trace_id=int(match.group(1), 16),
        span_id=int(match.group(2), 16),
        is_remote=True,
        trace_flags=TraceFlags(int(match.group(3), 16)),
    )


def _parent(traceparent: str) -> Any:
    from opentelemetry import trace

    remote = _span_context(traceparent)
    # No valid parent: a new trace, never whatever span the SDK holds as ambient.
    span = trace.INVALID_SPAN if remote is None else trace.NonRecordingSpan(remote)
    return trace.set_span_in_context(span)


def _links(traceparents: Sequence[str]) -> list[Any] | None:
    from opentelemetry.trace import Link

    found = [_span_context(tp) for tp in traceparents]
    return [Link(remote) for remote in found if remote is not None] or None


class Span:
    """A started span: its ``traceparent`` to propagate, and :meth:`end` with the outcome."""

    __slots__ = ("_span", "traceparent")

    def __init__(self, span: Any) -> None:
        self._span = span
        ctx = span.get_span_context()
        self.traceparent = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"

    def set(self, key: str, value: str | int | float | bool) -> None:
        self._span.set_attribute(key, value)

    def end(self, error: str = "", *, end_ns: int | None = None) -> None:
        """End the span; a non-empty ``error`` marks it failed with that description."""
        if error:
            from opentelemetry.trace import Status, StatusCode

            self._span.set_status(Status(StatusCode.ERROR, error))
        self._span.end(end_time=end_ns)


def start(
    name: str,
    kind: str = INTERNAL,
    *,
    parent: str | None = None,
    links: Sequence[str] = (),
    attributes: Mapping[str, str | int | float | bool] | None = None,
    start_ns: int | None = None,
) -> Span | None:
    """Start a span (None when tracing is off). ``parent``: a traceparent, by default the
    bound context's; an empty string starts a new trace. ``links``: traceparents to link."""
    tracer = _tracer
    if tracer is None:
        return None
    if parent is None:
        ctx = _context.peek()
        parent = ctx.traceparent if ctx is not None else ""
    return Span(
        tracer.start_span(
            name,
            context=_parent(parent),
            kind=_kinds[kind],
            attributes=attributes,
            links=_links(links) if links else None,
            start_time=start_ns,
        )
    )


@contextmanager
def span(
    name: str,
    kind: str = INTERNAL,
    *,
    attributes: Mapping[str, str | int | float | bool] | None = None,
) -> Iterator[Span | None]:
    """A span around a block, a child of the bound context, bound as the current span while
    the block runs (so what the block calls and emits descends from it). Off: nothing."""
    started = start(name, kind, attributes=attributes)
    if started is None:
        yield None
        return
    ctx = _context.current()
    token = _context.bind(
        _context.RequestContext(
            request_id=ctx.request_id,
            trace_id=ctx.trace_id or started.traceparent[3:35],
            traceparent=started.traceparent,
            actor=ctx.actor,
            deadline=ctx.deadline,
        )
    )
    error = ""
    try:
        yield started
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
        raise
    finally:
        _context.reset(token)
        started.end(error)


def child_traceparent(parent: str) -> str:
    """A traceparent in ``parent``'s trace with a span id of its own (a consumer's, when no
    span is recorded); a new trace when ``parent`` is not a valid traceparent."""
    match = _TRACEPARENT.match(parent) if parent else None
    if match is None:
        return _context.new_traceparent()[0]
    return f"00-{match.group(1)}-{os.urandom(8).hex()}-{match.group(3)}"


def now_ns() -> int:
    return time.time_ns()
