"""Finding make run's platform for the demo (crm_devrun.demo.platform) and the progress lines
(crm_devrun.demo.run.Progress), without starting any process."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_devrun.demo import platform
from crm_devrun.demo.calls import StepFailed
from crm_devrun.demo.run import Progress
from crm_devrun.plan import Plan, ProcessSpec


def plan() -> Plan:
    processes = (
        ProcessSpec("identity", "api", ("x",), grpc_address="127.0.0.1:50051"),
        ProcessSpec("identity", "worker", ("x",), metrics_port=9001),
        ProcessSpec("console", "web", ("x",), http_url="http://127.0.0.1:8460/"),
    )
    return Plan({}, (), None, None, processes, None)


def test_a_platform_that_answers_is_used_as_it_is(monkeypatch, tmp_path: Path):
    said: list[str] = []
    monkeypatch.setattr(platform, "is_ready", lambda spec, timeout: True)
    monkeypatch.setattr(platform.subprocess, "Popen", pytest.fail)
    platform.ensure_running(plan(), tmp_path, lambda text, **_: said.append(text))
    assert said == ["platform: make run's platform answers (gRPC apis: 1, console)"]


def test_a_platform_that_answers_in_part_is_named_and_nothing_is_started(monkeypatch, tmp_path):
    monkeypatch.setattr(platform, "is_ready", lambda spec, timeout: spec.service == "identity")
    monkeypatch.setattr(platform.subprocess, "Popen", pytest.fail)
    with pytest.raises(StepFailed) as failed:
        platform.ensure_running(plan(), tmp_path, lambda text, **_: None)
    assert failed.value.step == "platform"
    assert "answers (identity.api) but not console.web" in str(failed.value)


def test_progress_shows_transient_lines_at_most_every_ten_seconds_off_a_terminal(capsys):
    say = Progress()
    say.tty = False
    say("people: 30 users")
    for number in range(5):
        say(f"leads import: {number}", transient=True)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == ["people: 30 users", "leads import: 0"]


def test_only_an_unavailable_answer_is_a_step_failure_worth_asking_again():
    import grpc

    from crm_devrun.demo.calls import StepFailed, refusal

    class Answer(grpc.RpcError):
        def __init__(self, code: grpc.StatusCode) -> None:
            self._code = code

        def code(self) -> grpc.StatusCode:
            return self._code

        def details(self) -> str:
            return "the service's database is unreachable right now"

    for code, retryable in (
        (grpc.StatusCode.UNAVAILABLE, True),
        (grpc.StatusCode.PERMISSION_DENIED, False),
    ):
        with pytest.raises(StepFailed) as failed:
            with refusal("reporting", "reading the company's figures"):
                raise Answer(code)
        assert failed.value.retryable is retryable
        assert str(failed.value).startswith(
            f"reporting: reading the company's figures: {code.name}"
        )
