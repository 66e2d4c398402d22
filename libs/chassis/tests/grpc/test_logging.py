"""crm_chassis.logging: JSON lines for structlog and stdlib loggers, with request context."""

from __future__ import annotations

import io
import json
import logging

import pytest

from crm_chassis import context
from crm_chassis.logging import configure_logging, get_logger, reset_logging


@pytest.fixture
def output():
    stream = io.StringIO()
    yield stream
    reset_logging()


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_structlog_and_stdlib_lines_are_json_with_context(output):
    log = get_logger("crm.test.mine")  # created before configuration, as at import time
    configure_logging(None, service="leads", stream=output)
    token = context.bind(context.RequestContext(request_id="r-1", trace_id="t-1"))
    try:
        log.info("lead_created", lead_id="L1")
        logging.getLogger("some.library").warning("pool %s exhausted", "db")
    finally:
        context.reset(token)
    log.info("outside_request")
    ours, library, outside = _lines(output)
    assert ours["event"] == "lead_created" and ours["lead_id"] == "L1"
    assert (ours["level"], ours["logger"], ours["service"]) == ("info", "crm.test.mine", "leads")
    assert (ours["request_id"], ours["trace_id"]) == ("r-1", "t-1")
    assert ours["timestamp"].endswith("Z") and "T" in ours["timestamp"]
    assert library["event"] == "pool db exhausted" and library["logger"] == "some.library"
    assert library["level"] == "warning" and library["request_id"] == "r-1"
    assert "request_id" not in outside


def test_exceptions_are_one_json_line(output):
    configure_logging(None, service="s", stream=output)
    try:
        raise ValueError("bad")
    except ValueError:
        get_logger("t").exception("failed")
    (line,) = _lines(output)
    assert line["level"] == "error" and "ValueError: bad" in line["exception"]


def test_configure_twice_is_idempotent_and_applies_level(output):
    class Settings:
        log_level, log_format, service_name = "WARNING", "json", "deals"

    configure_logging(Settings(), stream=output)
    configure_logging(Settings(), stream=output)
    get_logger("t").info("hidden")
    get_logger("t").warning("shown")
    assert [line["event"] for line in _lines(output)] == ["shown"]  # once, not twice
    assert _lines(output)[0]["service"] == "deals"


def test_console_format_is_not_json(output):
    configure_logging(None, fmt="console", service="s", stream=output)
    get_logger("t").info("for_people", n=1)
    text = output.getvalue()
    assert "for_people" in text and not text.lstrip().startswith("{")


@pytest.mark.parametrize("kwargs", [{"fmt": "xml"}, {"level": "LOUD"}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        configure_logging(None, stream=io.StringIO(), **kwargs)
