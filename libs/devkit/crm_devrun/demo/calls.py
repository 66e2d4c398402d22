"""Calls of the demo seeding: the stubs of every api, one person's bearer token, import streams,
waiting for the platform's replicas to catch up, and the error naming the step that failed."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import grpc

from crm.deals.v1 import (
    accounts_pb2_grpc,
    deals_pb2_grpc,
    migration_pb2_grpc,
    pipelines_pb2_grpc,
    tasks_pb2_grpc,
)
from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2_grpc
from crm.leads.v1 import campaign_pb2_grpc, lead_service_pb2_grpc
from crm.reporting.v1 import marketing_pb2_grpc, reports_pb2_grpc
from crm.territory.v1 import (
    org_pb2_grpc,
    routing_pb2_grpc,
    sales_lines_pb2_grpc,
    teams_pb2_grpc,
    territories_pb2_grpc,
)
from crm_chassis.grpc.client import make_channel

T = TypeVar("T")
CALL_TIMEOUT_SECONDS = 30.0
STREAM_TIMEOUT_SECONDS = 600.0
# Answers that mean "a replica has not caught up yet" while the platform's events travel: deals
# learns lines and memberships from territory's events, leads its teams' scopes.
CATCHING_UP = (
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
)


class StepFailed(Exception):
    """A seeding step that did not do what it says; ``crm-dev demo`` exits 1 naming it."""

    def __init__(self, step: str, message: str, *, retryable: bool = False):
        super().__init__(f"{step}: {message}")
        self.step = step
        # UNAVAILABLE: the service is up but cannot answer this moment (its database is
        # briefly out of connections, a restart): a caller polling anyway may ask again.
        self.retryable = retryable


def describe(error: grpc.RpcError) -> str:
    code, details = getattr(error, "code", None), getattr(error, "details", None)
    if code is None or details is None:  # not a call's error (e.g. a channel that closed)
        return str(error)
    return f"{code().name}: {details()}"


class Stubs:
    """Every api the seeding calls, on channels that retry UNAVAILABLE (the chassis's)."""

    def __init__(self, address: Callable[[str], str]):
        self._channels: list[grpc.Channel] = []

        def channel(service: str) -> grpc.Channel:
            made = make_channel(address(service))
            self._channels.append(made)
            return made

        identity, territory = channel("identity"), channel("territory")
        leads, deals, reporting = channel("leads"), channel("deals"), channel("reporting")
        self.auth = auth_pb2_grpc.AuthServiceStub(identity)
        self.users = users_pb2_grpc.UserServiceStub(identity)
        self.org = org_pb2_grpc.OrgServiceStub(territory)
        self.teams = teams_pb2_grpc.TeamServiceStub(territory)
        self.members = teams_pb2_grpc.MembershipServiceStub(territory)
        self.lines = sales_lines_pb2_grpc.SalesLineServiceStub(territory)
        self.territories = territories_pb2_grpc.TerritoryServiceStub(territory)
        self.routing = routing_pb2_grpc.RoutingServiceStub(territory)
        self.leads = lead_service_pb2_grpc.LeadServiceStub(leads)
        self.campaigns = campaign_pb2_grpc.CampaignServiceStub(leads)
        self.pipelines = pipelines_pb2_grpc.PipelineServiceStub(deals)
        self.accounts = accounts_pb2_grpc.AccountServiceStub(deals)
        self.deals = deals_pb2_grpc.DealServiceStub(deals)
        self.migration = migration_pb2_grpc.MigrationServiceStub(deals)
        self.tasks = tasks_pb2_grpc.TaskServiceStub(deals)
        self.reports = reports_pb2_grpc.SalesReportsServiceStub(reporting)
        self.marketing = marketing_pb2_grpc.MarketingReportsServiceStub(reporting)

    def login(self, email: str, password: str) -> str:
        answer = self.auth.Login(
            auth_pb2.LoginRequest(email=email, password=password), timeout=CALL_TIMEOUT_SECONDS
        )
        token: str = answer.access_token
        return token

    def close(self) -> None:
        for channel in self._channels:
            channel.close()


@dataclass(frozen=True)
class Caller:
    """Calls with one person's bearer token: ``head(stubs.org.ListOrgUnits, request)``."""

    token: str
    user_id: str = ""
    metadata: tuple[tuple[str, str], ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "metadata", (("authorization", f"Bearer {self.token}"),))

    def __call__(self, method: Any, request: Any, timeout: float = CALL_TIMEOUT_SECONDS) -> Any:
        return method(request, metadata=self.metadata, timeout=timeout)

    def stream(self, method: Any, requests: Iterator[Any]) -> Iterator[Any]:
        answers: Iterator[Any] = method(
            requests, metadata=self.metadata, timeout=STREAM_TIMEOUT_SECONDS
        )
        return answers


class ImportAnswer(Protocol):
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    done: bool

    @property
    def accepted(self) -> Any: ...

    @property
    def problems(self) -> Any: ...


@dataclass
class ImportReport:
    """What an import stream answered: row number -> record id, problems, totals."""

    ids: dict[int, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    read: int = 0
    accepted: int = 0
    rejected: int = 0


def consume(
    answers: Iterable[ImportAnswer], on_batch: Callable[[int], None] | None = None
) -> ImportReport:
    report = ImportReport()
    for answer in answers:
        for row in answer.accepted:
            report.ids[row.row_number] = getattr(row, "record_id", "") or getattr(
                row, "lead_id", ""
            )
        report.problems += [f"row {p.row_number} {p.field}: {p.reason}" for p in answer.problems]
        report.read, report.accepted = answer.rows_read, answer.rows_accepted
        report.rejected = answer.rows_rejected
        if on_batch is not None:
            on_batch(report.read)
    return report


def wait_for(
    step: str, what: str, predicate: Callable[[], T | None], timeout: float, every: float = 0.5
) -> T:
    """Poll ``predicate`` until it answers something; StepFailed naming ``what`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise StepFailed(step, f"{what} within {timeout:.0f} s")
        time.sleep(every)


def once_caught_up(step: str, what: str, call: Callable[[], T], timeout: float = 60.0) -> T:
    """``call()``, repeated while it is refused as if a replica had not caught up yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return call()
        except grpc.RpcError as error:
            if error.code() not in CATCHING_UP or time.monotonic() > deadline:
                raise StepFailed(step, f"{what}: {describe(error)}") from None
        time.sleep(0.5)


@contextlib.contextmanager
def refusal(step: str, what: str) -> Iterator[None]:
    """A call refused inside becomes StepFailed naming the step, ``what`` was being done and
    the API's message."""
    try:
        yield
    except grpc.RpcError as error:
        code = getattr(error, "code", None)
        retryable = code is not None and code() is grpc.StatusCode.UNAVAILABLE
        raise StepFailed(step, f"{what}: {describe(error)}", retryable=retryable) from None
