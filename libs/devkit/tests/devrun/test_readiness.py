"""What crm-dev run counts as ready for a worker or relay (its metrics port), and how it says
what it waits for."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm_devrun.plan import ProcessSpec
from crm_devrun.readiness import is_ready, wait_ready


@pytest.fixture
def endpoint():
    """A metrics port whose answer per path the test sets (absent path: 404)."""
    answers: dict[str, int] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(answers.get(self.path, 404))
            self.end_headers()

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], answers
    server.shutdown()
    server.server_close()


def _relay(port: int) -> ProcessSpec:
    return ProcessSpec("leads", "relay", ("relay",), metrics_port=port)


def test_a_relay_is_ready_when_its_healthz_answers_200(endpoint):
    port, answers = endpoint
    answers.update({"/healthz": 503, "/metrics": 200})
    assert not is_ready(_relay(port))  # the broker or database not reachable yet
    answers["/healthz"] = 200
    assert is_ready(_relay(port))


def test_without_healthz_the_metrics_endpoint_answering_is_ready(endpoint):
    port, answers = endpoint
    assert not is_ready(_relay(port))
    answers["/metrics"] = 200
    assert is_ready(_relay(port))


def test_a_process_nobody_can_ask_is_ready_at_once():
    assert is_ready(ProcessSpec("x", "worker", ("worker",)))


def test_it_names_what_it_waits_for_and_returns_what_is_not_ready_at_the_timeout():
    specs = [
        ProcessSpec(name, "api", (name,), grpc_address="127.0.0.1:1") for name in ("leads", "deals")
    ]
    said: list[str] = []
    ready = {"leads.api"}

    not_ready = wait_ready(
        specs,
        threading.Event(),
        said.append,
        timeout=1,
        first_report=0,
        report_every=3600,
        probe=lambda spec: spec.label in ready,
    )

    assert not_ready == ["deals.api"]
    assert said == ["crm-dev: waiting for 1 process to be ready: deals.api (0 s of at most 1 s)"]
