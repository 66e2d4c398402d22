"""What the platform's callers do during a chaos run: capture leads through the public gRPC api
from several concurrent clients, convert a share of the routed ones, and retry as a real client
must — on UNAVAILABLE (an api killed or restarting), DEADLINE_EXCEEDED (an answer lost: the same
idempotency key makes the retry safe) and RESOURCE_EXHAUSTED, with a new token on
UNAUTHENTICATED. A lead counts as accepted once its capture was acknowledged."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc

from crm.leads.v1 import lead_pb2
from crm.leads.v1 import lead_service_pb2 as ls

RETRYABLE = {
    grpc.StatusCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
    grpc.StatusCode.ABORTED,
}


@dataclass
class Caller:
    """A person's token, renewed by logging in again when the api says UNAUTHENTICATED."""

    bed: object
    email: str
    password: str
    token: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def renew(self, stale: str) -> None:
        with self.lock:
            if self.token != stale:
                return  # another thread renewed it
            while True:
                try:
                    self.token = self.bed.login(self.email, self.password)
                    return
                except grpc.RpcError as error:
                    if error.code() not in RETRYABLE:
                        raise
                    time.sleep(0.5)  # identity's api is being restarted


@dataclass
class Tally:
    retried: Counter = field(default_factory=Counter)  # status code name -> retries
    failed: Counter = field(default_factory=Counter)  # non-retryable status -> calls
    seconds: dict = field(default_factory=dict)  # method -> answered calls' durations
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, counter: Counter, code) -> None:
        with self.lock:
            counter[code.name] += 1

    def took(self, method: str, seconds: float) -> None:
        with self.lock:
            self.seconds.setdefault(method, []).append(seconds)

    def latency(self, method: str) -> str:
        """p50 / p99 / max of the calls' durations, retries included (what a caller waited)."""
        values = sorted(self.seconds.get(method, ()))
        if not values:
            return "no calls"
        pick = lambda q: values[min(len(values) - 1, int(q * (len(values) - 1)))]  # noqa: E731
        return (
            f"p50 {pick(0.5) * 1000:.0f} ms, p99 {pick(0.99) * 1000:.0f} ms, max {values[-1]:.1f} s"
        )


def call(
    caller: Caller,
    method,
    request,
    tally: Tally,
    *,
    timeout: float = 15,
    give_up_after: float = 600,
    also_retry=(),
):
    """``method(request)`` until it answers; retryable failures wait (0.1 s doubling to 2 s).
    Raises the last error for any other status (counted in ``tally.failed``)."""
    started = time.monotonic()
    delay, deadline = 0.1, started + give_up_after
    name = getattr(method, "_method", b"")
    name = (name.decode() if isinstance(name, bytes) else str(name)).rsplit("/", 1)[-1]
    while True:
        token = caller.token
        try:
            answer = method(
                request, metadata=(("authorization", f"Bearer {token}"),), timeout=timeout
            )
            tally.took(name, time.monotonic() - started)
            return answer
        except grpc.RpcError as error:
            code = error.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                tally.count(tally.retried, code)
                caller.renew(token)
                continue
            if (code not in RETRYABLE and code not in also_retry) or time.monotonic() > deadline:
                tally.count(tally.failed, code)
                raise
            tally.count(tally.retried, code)
            time.sleep(delay * random.uniform(0.5, 1.0))
            delay = min(2.0, delay * 2)


def lead_request(run: str, index: int, line_id: str) -> ls.CreateLeadRequest:
    """Lead ``index`` of the run: its own idempotency key and names (the same company and person
    twice would be a duplicate, which is not what this measures)."""
    return ls.CreateLeadRequest(
        idempotency_key=f"chaos-{run}-{index}",
        lead=lead_pb2.LeadInput(
            person=lead_pb2.Person(
                first_name="Lena",
                last_name=f"Chaos{run}x{index}",
                email=f"lead{index}.{run}@chaos.example",
            ),
            company=lead_pb2.Company(name=f"Chaos {run} {index} GmbH"),
            location=lead_pb2.Location(country="DE", city="Berlin"),
            source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM),
            sales_line_id=line_id,
        ),
    )


class Capture:
    """Leads ``first`` .. ``first + count - 1`` captured by ``clients`` threads (fewer if
    ``stop`` is called first: no new capture starts after it); ``accepted`` maps each
    acknowledged index to its lead id."""

    def __init__(
        self,
        stub,
        caller: Caller,
        tally: Tally,
        run: str,
        line_id: str,
        first: int,
        count: int,
        clients: int,
    ):
        self.stub, self.caller, self.tally = stub, caller, tally
        self.run, self.line_id = run, line_id
        self.accepted: dict[int, str] = {}
        self.failed: dict[int, str] = {}
        self.lock = threading.Lock()
        indexes = list(range(first, first + count))
        self._threads = [
            threading.Thread(
                target=self._work, args=(indexes[n::clients],), name=f"capture-{n}", daemon=True
            )
            for n in range(clients)
        ]
        self.total = count
        self._stop = threading.Event()
        self.finished = 0.0

    def stop(self) -> None:
        self._stop.set()

    def attempted(self) -> int:
        with self.lock:
            return len(self.accepted) + len(self.failed)

    def start(self) -> Capture:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def _work(self, indexes) -> None:
        for index in indexes:
            if self._stop.is_set():
                break
            try:
                lead = call(
                    self.caller,
                    self.stub.CreateLead,
                    lead_request(self.run, index, self.line_id),
                    self.tally,
                ).lead
            except grpc.RpcError as error:
                with self.lock:
                    self.failed[index] = f"{error.code().name}: {error.details()}"
                continue
            with self.lock:
                self.accepted[index] = lead.id
        with self.lock:
            self.finished = time.monotonic()  # the last thread to end sets it last

    def progress(self) -> float:
        with self.lock:
            return (len(self.accepted) + len(self.failed)) / self.total

    def done(self) -> bool:
        return not any(thread.is_alive() for thread in self._threads)

    def join(self) -> None:
        for thread in self._threads:
            thread.join()


class Converter:
    """Converts the chosen leads once they are routed (read from leads' database: which are
    owned), as the team's supervisor, from ``threads`` threads."""

    def __init__(
        self,
        bed,
        stub,
        caller: Caller,
        tally: Tally,
        capture: Capture,
        chosen: set[int],
        threads: int = 2,
        route_timeout: float = 600,
    ):
        self.bed, self.stub, self.caller, self.tally = bed, stub, caller, tally
        self.capture, self.chosen = capture, chosen
        self.route_timeout, self.give_up_at = route_timeout, 0.0
        self.asked: dict[int, str] = {}
        self.failed: dict[int, str] = {}
        self.lock = threading.Lock()
        self._stop = threading.Event()
        self._queue: list[tuple[int, str]] = []
        self._ready = threading.Condition(self.lock)
        self._feeder = threading.Thread(target=self._feed, name="convert-feed", daemon=True)
        self._threads = [
            threading.Thread(target=self._work, name=f"convert-{n}", daemon=True)
            for n in range(threads)
        ]

    def start(self) -> Converter:
        self._feeder.start()
        for thread in self._threads:
            thread.start()
        return self

    def _feed(self) -> None:
        queued: set[int] = set()
        while True:
            finished = self.capture.done()
            with self.capture.lock:
                waiting = {
                    index: lead_id
                    for index, lead_id in self.capture.accepted.items()
                    if index in self.chosen and index not in queued
                }
            if waiting:
                owned = {
                    row[0]
                    for row in self.bed.query(
                        "leads",
                        "SELECT id FROM leads WHERE id = ANY(:ids) AND owner_user_id IS NOT NULL",
                        ids=list(waiting.values()),
                    )
                }
                with self._ready:
                    for index, lead_id in waiting.items():
                        if lead_id in owned:
                            queued.add(index)
                            self._queue.append((index, lead_id))
                    self._ready.notify_all()
            if finished and not waiting:
                break
            if finished and self.give_up_at and time.monotonic() > self.give_up_at:
                break  # never routed: the ledger reports those leads
            if finished and not self.give_up_at:
                self.give_up_at = time.monotonic() + self.route_timeout
            time.sleep(1)
        with self._ready:
            self._stop.set()
            self._ready.notify_all()

    def _work(self) -> None:
        while True:
            with self._ready:
                while not self._queue and not self._stop.is_set():
                    self._ready.wait(1)
                if not self._queue:
                    return
                index, lead_id = self._queue.pop(0)
            request = ls.ConvertLeadRequest(
                lead_id=lead_id, opportunity_name=f"Chaos {self.capture.run} {index}"
            )
            try:
                # NOT_FOUND: leads' copy of the supervisor's scope is behind for a moment.
                call(
                    self.caller,
                    self.stub.ConvertLead,
                    request,
                    self.tally,
                    also_retry={grpc.StatusCode.NOT_FOUND},
                    give_up_after=300,
                )
            except grpc.RpcError as error:
                with self.lock:
                    self.failed[index] = f"{error.code().name}: {error.details()}"
                continue
            with self.lock:
                self.asked[index] = lead_id

    def join(self) -> None:
        self._feeder.join()
        for thread in self._threads:
            thread.join()


def choose(rng: random.Random, first: int, count: int, share: float) -> set[int]:
    return set(rng.sample(range(first, first + count), round(count * share)))
