"""The api kit: a servicer table and a dependencies builder make a working api process."""

from __future__ import annotations

import dataclasses
from typing import Any

import grpc
import pytest

from crm.testing.v1 import echo_pb2, echo_pb2_grpc
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_chassis.errors import Unauthenticated
from crm_chassis.settings import ServiceSettings
from crm_chassis.use_cases import Dependencies
from crm_testkit import echo
from crm_testkit.auth import TestKeys
from crm_testkit.fakes import FakeUnitOfWorkBase

REFUSED = "refused-user"


@dataclasses.dataclass(frozen=True, kw_only=True)
class EchoDeps(Dependencies):
    suffix: str = ""


class SuffixEchoServicer(echo.EchoServicer):
    """Echo whose answer shows the dependencies and the settings argument it was built with."""

    def __init__(self, deps: EchoDeps, *, shout: bool = False) -> None:
        self.deps, self.shout = deps, shout

    def Echo(self, request, context):
        response = super().Echo(request, context)
        text = response.message + self.deps.suffix
        response.message = text.upper() if self.shout else text
        return response


def refuse(deps: EchoDeps):
    def check(principal) -> None:
        if principal.subject_id == REFUSED:
            raise Unauthenticated("refused by the principal check")

    return check


class Recorder:
    def __init__(self) -> None:
        self.events: list[str] = []

    def build(self, settings) -> EchoDeps:
        self.events.append("built")
        return EchoDeps(
            uow=FakeUnitOfWorkBase, suffix="!", closers=(lambda: self.events.append("deps closed"),)
        )


def _app(recorder: Recorder, **overrides: Any) -> ApiApp:
    arguments: dict[str, Any] = dict(
        service="echo",
        load_settings=lambda: _settings(),
        build_dependencies=recorder.build,
        servicers=(
            Servicer(
                echo_pb2,
                "EchoService",
                echo_pb2_grpc.add_EchoServiceServicer_to_server,
                SuffixEchoServicer,
                settings_kwargs=lambda settings: {"shout": settings.grpc_port == 0},
            ),
        ),
        principal_check=refuse,
    )
    arguments.update(overrides)
    return ApiApp(**arguments)


def _settings() -> ServiceSettings:
    return ServiceSettings.load("echo", env={}, grpc_port=0, grpc_max_workers=2)


def _echo(running, token: str, text: str = "hi") -> echo_pb2.EchoResponse:
    with grpc.insecure_channel(running.address) as channel:
        return echo_pb2_grpc.EchoServiceStub(channel).Echo(
            echo_pb2.EchoRequest(message=text),
            metadata=[("authorization", f"Bearer {token}")],
            timeout=10,
        )


class ClosingKeySource:
    def __init__(self, keys: TestKeys, events: list[str]) -> None:
        self._source = keys.verifier().key_source
        self._events = events

    def __getattr__(self, name):
        return getattr(self._source, name)

    def close(self) -> None:
        self._events.append("verifier closed")


def test_service_names_come_from_the_servicer_table():
    assert _app(Recorder()).service_names == (echo.ECHO_SERVICE,)


def test_start_with_injected_deps_and_verifier_serves_and_leaves_them_open():
    keys, recorder = TestKeys(), Recorder()
    deps = EchoDeps(
        uow=FakeUnitOfWorkBase,
        suffix="?",
        closers=(lambda: recorder.events.append("injected closed"),),
    )
    running = _app(recorder).start(_settings(), deps, verifier=keys.verifier(), access_log=False)
    try:
        response = _echo(running, keys.token("user-7"))
        assert (response.message, response.subject_id) == ("HI?", "user-7")
        with pytest.raises(grpc.RpcError) as refused:
            _echo(running, keys.token(REFUSED))
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    finally:
        running.stop(0)
    assert recorder.events == []  # neither built nor closed by the app


def test_start_builds_and_closes_what_it_built():
    keys, recorder = TestKeys(), Recorder()

    def verifier(settings, deps):
        built = keys.verifier()
        built.key_source = ClosingKeySource(keys, recorder.events)
        return built

    prepared: list[EchoDeps] = []
    app = _app(recorder, verifier=verifier, prepare=lambda settings, deps: prepared.append(deps))
    running = app.start(_settings(), access_log=False)
    try:
        assert _echo(running, keys.token()).message == "HI!"
        assert len(prepared) == 1 and prepared[0].suffix == "!"
    finally:
        running.stop(0)
    assert recorder.events == ["built", "verifier closed", "deps closed"]


def test_keyword_arguments_override_the_app_server_arguments():
    keys, recorder = TestKeys(), Recorder()
    running = _app(recorder).start(
        _settings(),
        recorder.build(None),
        verifier=keys.verifier(),
        principal_check=None,
        access_log=False,
    )
    try:
        assert _echo(running, keys.token(REFUSED)).subject_id == REFUSED
    finally:
        running.stop(0)


def test_a_failing_prepare_closes_the_dependencies_it_built():
    recorder = Recorder()

    def prepare(settings, deps):
        raise RuntimeError("no signing key")

    with pytest.raises(RuntimeError, match="no signing key"):
        _app(recorder, prepare=prepare).start(_settings(), verifier=TestKeys().verifier())
    assert recorder.events == ["built", "deps closed"]


def test_public_methods_are_callable_without_a_token():
    keys, recorder = TestKeys(), Recorder()
    running = _app(recorder, public_methods=(echo.ECHO_METHOD,)).start(
        _settings(), recorder.build(None), verifier=keys.verifier(), access_log=False
    )
    try:
        with grpc.insecure_channel(running.address) as channel:
            response = echo_pb2_grpc.EchoServiceStub(channel).Echo(
                echo_pb2.EchoRequest(message="anyone"), timeout=10
            )
        assert response.message == "ANYONE!" and response.subject_id == ""
    finally:
        running.stop(0)
