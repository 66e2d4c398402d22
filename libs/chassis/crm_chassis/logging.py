"""Structured logs: one JSON object a line on stdout, for our code and for every library.

``configure_logging(settings)`` once at process start (calling it again replaces the previous
setup: it is idempotent). Then ``log = get_logger(__name__)`` and ``log.info("user_created",
user_id=...)``. Every line carries ``timestamp`` (ISO 8601, UTC), ``level``, ``logger``, ``event``,
``service`` and, inside a request or event handler, ``request_id`` and ``trace_id`` from
:mod:`crm_chassis.context`. Standard-library records (grpc, sqlalchemy, pika, nameko...) go through
the same structlog ``ProcessorFormatter``, so they come out as the same JSON.

``log_format="console"`` renders the same events for people (development).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import Processor

from crm_chassis import context as _context

_state: dict[str, Any] = {"service": "", "handler": None}


def _add_service_and_request(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Adds ``service`` and the current request's ``request_id``/``trace_id`` (if any)."""
    event_dict.setdefault("service", _state["service"])
    # Read the raw contextvar: context.current() would invent a fresh request id outside requests.
    ctx = _context.peek()
    if ctx is not None:
        event_dict.setdefault("request_id", ctx.request_id)
        if ctx.trace_id:
            event_dict.setdefault("trace_id", ctx.trace_id)
    return event_dict


_TIMESTAMPER = structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp")

# Run on structlog events before they are handed to the stdlib handler...
_STRUCTLOG_CHAIN: list[Processor] = [
    structlog.stdlib.filter_by_level,  # first: a disabled level costs nothing more
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    _TIMESTAMPER,
    structlog.processors.StackInfoRenderer(),
    structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
]
# ...and on records from plain stdlib loggers (libraries), so both end up alike.
_FOREIGN_CHAIN: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    _TIMESTAMPER,
]


QUIET_LIBRARIES = ("pika", "kombu", "amqp")


def configure_logging(
    settings: Any = None,
    *,
    level: str | None = None,
    fmt: str | None = None,
    service: str | None = None,
    stream: TextIO | None = None,
) -> None:
    """Route structlog and stdlib logging to one handler on ``stream`` (default stdout).

    ``settings`` gives log_level, log_format and service_name; keyword arguments override them.
    """
    level = (level or getattr(settings, "log_level", None) or "INFO").upper()
    fmt = (fmt or getattr(settings, "log_format", None) or "json").lower()
    if fmt not in ("json", "console"):
        raise ValueError(f"log_format must be 'json' or 'console', got {fmt!r}")
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"log_level must be one of DEBUG, INFO, WARNING, ERROR; got {level!r}")
    _state["service"] = service if service is not None else getattr(settings, "service_name", "")

    renderer = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_FOREIGN_CHAIN,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _add_service_and_request,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(formatter)

    root = logging.getLogger()
    previous = _state["handler"]
    if previous is not None:
        root.removeHandler(previous)
    root.addHandler(handler)
    root.setLevel(level)
    # pika logs every connection step at INFO; its warnings and errors are what operators need.
    for chatty in QUIET_LIBRARIES:
        logging.getLogger(chatty).setLevel(
            max(logging.getLevelNamesMapping()[level], logging.WARNING)
        )
    _state["handler"] = handler

    structlog.configure(
        processors=_STRUCTLOG_CHAIN,
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        context_class=dict,
        cache_logger_on_first_use=True,
    )


def reset_logging() -> None:
    """Remove what :func:`configure_logging` installed (tests that configure logging undo it)."""
    handler = _state["handler"]
    if handler is not None:
        logging.getLogger().removeHandler(handler)
        _state["handler"] = None
    _state["service"] = ""
    structlog.reset_defaults()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    """A structlog logger named ``name`` (the ``logger`` field); safe to create at import time."""
    return structlog.stdlib.get_logger(name)
