"""What one call may cost a server: the limits the chassis chain applies to every RPC.

- **Concurrent client streams.** Client-streaming and bidi calls (imports) hold a pool thread for
  as long as the client keeps them open, so at most ``max_streams`` run at once (always fewer
  than the pool's threads); one more answers RESOURCE_EXHAUSTED "too many concurrent imports".
- **Idle streams.** The request stream of such a call is read by a helper thread and handed to
  the handler through a small queue: when no message arrives for ``stream_idle_seconds`` the
  handler's iterator raises :class:`StreamIdle` (DEADLINE_EXCEEDED with a message), the handler
  ends and its pool thread is free again. The helper ends with the call.
- **Deadlines.** Every call gets a server-side budget (``unary_deadline_seconds`` for unary
  requests, ``stream_deadline_seconds`` for streamed ones, or the method's own): when the client
  sends no deadline or a longer one, the budget is the call's effective deadline. Handlers see
  it through ``context.time_remaining()``; the chassis ends a stream whose budget is spent at the
  next message it reads or sends (DEADLINE_EXCEEDED).
- **List sizes.** Every repeated field and map of a request, nested messages included, holds at
  most ``max_list_items`` items unless the service raises the bound of that field by name
  (:class:`MethodLimits.list_sizes`); more answers INVALID_ARGUMENT naming the field path and the
  bound.
- **Text and times.** No string of a request holds U+0000 (PostgreSQL refuses it in text, and
  no field of the platform means it), and every google.protobuf.Timestamp lies between
  0001-01-01 and 9999-12-31 UTC with nanos 0..999,999,999 (a Duration within the range its type
  documents); otherwise INVALID_ARGUMENT naming the field path. Such a value would otherwise
  fail deep in a handler or the database as INTERNAL.

The fields to look at (lists, strings, times) are worked out once per message type
(:class:`RequestChecks`), so a call pays only for the fields that can hold them.

The maximum request size and the server's total of concurrent calls are grpc options
(crm_chassis.grpc.server).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from crm_chassis.errors import CrmError, InvalidArgument, ResourceExhausted


class StreamIdle(CrmError):
    """The client sent nothing on its stream for too long."""

    code = "DEADLINE_EXCEEDED"


class BudgetSpent(CrmError):
    """The call ran longer than the server allows for its method."""

    code = "DEADLINE_EXCEEDED"


@dataclass(frozen=True)
class MethodLimits:
    """A service's exceptions to the chassis limits, declared where it starts its server.

    ``deadlines``: '/pkg.Service/Method' -> the server-side budget of that method in seconds.
    ``list_sizes``: full field name ('pkg.Message.field') -> most items that field may hold in
    one request (for a batch that is legitimately larger than the common bound).
    """

    deadlines: Mapping[str, float] = field(default_factory=dict)
    list_sizes: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CallLimits:
    """The limits of one server (from the settings, with the service's MethodLimits)."""

    max_streams: int
    stream_idle_seconds: float
    unary_deadline_seconds: float
    stream_deadline_seconds: float
    max_list_items: int
    methods: MethodLimits = MethodLimits()

    @classmethod
    def from_settings(cls, settings: Any, methods: MethodLimits | None = None) -> CallLimits:
        # Streams never take every thread: one is always left for unary calls.
        streams = max(1, min(settings.grpc_max_concurrent_streams, settings.grpc_max_workers - 1))
        return cls(
            max_streams=streams,
            stream_idle_seconds=settings.grpc_stream_idle_seconds,
            unary_deadline_seconds=settings.grpc_unary_deadline_seconds,
            stream_deadline_seconds=settings.grpc_stream_deadline_seconds,
            max_list_items=settings.grpc_max_list_items,
            methods=methods or MethodLimits(),
        )

    def budget_of(self, method: str, streamed: bool) -> float:
        own = self.methods.deadlines.get(method)
        if own is not None:
            return own
        return self.stream_deadline_seconds if streamed else self.unary_deadline_seconds


class StreamSlots:
    """At most ``size`` client streams at once; a call over it is refused, never queued."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> None:
        if not self._free.acquire(blocking=False):
            raise ResourceExhausted(
                f"too many concurrent imports (this server runs at most {self.size} client "
                "streams at once), retry later",
                retry_after_seconds=5,
            )

    def give_back(self) -> None:
        self._free.release()


class LimitedContext:
    """The handler's view of the call: ``time_remaining()`` and ``is_active()`` follow the
    effective deadline (the client's or the server's budget, whichever comes first)."""

    __slots__ = ("_context", "deadline")

    def __init__(self, context: Any, budget_seconds: float) -> None:
        self._context = context
        client_left = context.time_remaining()
        self.deadline: float = time.monotonic() + min(budget_seconds, client_left)

    def time_remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def is_active(self) -> bool:
        return time.monotonic() < self.deadline and bool(self._context.is_active())

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


_END = object()


class GuardedRequests:
    """The request stream of a client-streaming call, read by a helper thread (see module doc).

    ``next()`` waits at most ``idle_seconds`` for a message (StreamIdle) and never past the
    call's deadline (BudgetSpent); each message is checked by ``check`` first."""

    def __init__(
        self,
        requests: Iterator[Any],
        idle_seconds: float,
        context: LimitedContext,
        check: Callable[[Any], None] | None = None,
        buffered: int = 8,
    ) -> None:
        self._requests = requests
        self._idle = idle_seconds
        self._context = context
        self._check = check
        self._queue: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=buffered)
        self._closed = threading.Event()
        self._done = False
        self._reader = threading.Thread(target=self._read, name="grpc-stream-reader", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        try:
            for request in self._requests:
                if not self._hand_over((request, None)):
                    return
            self._hand_over((_END, None))
        except BaseException as exc:  # noqa: BLE001 - the client went away: the handler learns it
            self._hand_over((_END, exc))

    def _hand_over(self, item: tuple[Any, BaseException | None]) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> GuardedRequests:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        wait = min(self._idle, self._context.time_remaining())
        try:
            request, error = self._queue.get(timeout=wait)
        except queue.Empty:
            self._done = True
            if self._context.spent():
                raise BudgetSpent(
                    "this call ran out of time (the server's limit for this "
                    "method); send fewer rows per call or split the import"
                ) from None
            raise StreamIdle(
                f"no message on this stream for {self._idle:g} s, so the server "
                "ended it; keep sending rows or start a new call"
            ) from None
        if request is _END:
            self._done = True
            if error is not None:
                raise error
            raise StopIteration
        if self._check is not None:
            self._check(request)
        return request

    def close(self) -> None:
        """The handler is done: the helper stops handing messages over."""
        self._done = True
        self._closed.set()


# ------------------------------------------------------------------ list sizes, text and times
# U+0000 ends a C string and PostgreSQL refuses it in text: no text field of the platform holds it.
_NUL = "\x00"
# The range google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
_TIMESTAMP_MIN_SECONDS = -62_135_596_800
_TIMESTAMP_MAX_SECONDS = 253_402_300_799
# The range google.protobuf.Duration allows: about +-10,000 years.
_DURATION_MAX_SECONDS = 315_576_000_000
_MAX_NANOS = 999_999_999
_TIMESTAMP = "google.protobuf.Timestamp"
_DURATION = "google.protobuf.Duration"
_STRING = 9  # FieldDescriptor.TYPE_STRING


def _timestamp_problem(value: Any) -> str | None:
    if not 0 <= value.nanos <= _MAX_NANOS:
        return "nanos must be between 0 and 999,999,999"
    if not _TIMESTAMP_MIN_SECONDS <= value.seconds <= _TIMESTAMP_MAX_SECONDS:
        return "the time must be between 0001-01-01 and 9999-12-31 UTC"
    return None


def _duration_problem(value: Any) -> str | None:
    seconds, nanos = value.seconds, value.nanos
    if not -_MAX_NANOS <= nanos <= _MAX_NANOS:
        return "nanos must be between -999,999,999 and 999,999,999"
    if (seconds > 0 and nanos < 0) or (seconds < 0 and nanos > 0):
        return "seconds and nanos must have the same sign"
    if not -_DURATION_MAX_SECONDS <= seconds <= _DURATION_MAX_SECONDS:
        return "seconds must be within +-315,576,000,000 (10,000 years)"
    return None


_TimeCheck = tuple[str, Callable[[Any], str | None]]
_TIME_CHECKS: dict[str, _TimeCheck] = {
    _TIMESTAMP: ("timestamp", _timestamp_problem),
    _DURATION: ("duration", _duration_problem),
}


class _Field:
    """What the request check looks at in one field (see RequestChecks._plan)."""

    __slots__ = ("bound", "is_map", "key_text", "name", "nested", "repeated", "text", "time")

    def __init__(
        self,
        name: str,
        repeated: bool,
        bound: int,
        is_map: bool,
        text: bool,
        key_text: bool,
        time: _TimeCheck | None,
        nested: _Plan | None,
    ) -> None:
        self.name = name
        self.repeated = repeated
        self.bound = bound  # most items (repeated fields and maps)
        self.is_map = is_map
        self.text = text  # the value (each item, each map value) is a string
        self.key_text = key_text  # a map with string keys
        self.time = time  # (kind, problem) for a Timestamp/Duration value, or None
        self.nested = nested  # the plan of a nested message value, or None


_Plan = tuple[_Field, ...]


class RequestChecks:
    """Checks a request before its handler sees it: every repeated field and map against its
    bound, every string for U+0000, every google.protobuf.Timestamp/Duration for the range the
    type allows (nested messages included). Each refusal is INVALID_ARGUMENT naming the field
    path. The fields to look at are worked out once per message type, so a call pays only for
    the fields that can repeat or hold text or times."""

    def __init__(self, default: int, overrides: Mapping[str, int]) -> None:
        self.default = default
        self.overrides = dict(overrides)
        self._plans: dict[str, _Plan] = {}

    def checker(self, descriptor: Any) -> Callable[[Any], None] | None:
        """A function checking one message of type ``descriptor``, or None if it has no field
        to check."""
        plan = self._plan(descriptor)
        if not plan:
            return None

        def check(message: Any) -> None:
            _check(message, plan, "")

        return check

    def _plan(self, descriptor: Any) -> _Plan:
        """The _Field of each field that can repeat, holds text or a time, directly or inside a
        nested message; computed once per message type."""
        name = descriptor.full_name
        if name in self._plans:
            return self._plans[name]
        self._plans[name] = ()  # a recursive type sees itself as empty while being planned
        entries: list[_Field] = []
        for f in descriptor.fields:
            repeated = f.is_repeated
            value_field, key_text = f, False
            is_map = (
                repeated and f.message_type is not None and f.message_type.GetOptions().map_entry
            )
            if is_map:
                value_field = f.message_type.fields_by_name["value"]
                key_text = f.message_type.fields_by_name["key"].type == _STRING
            text = value_field.type == _STRING
            target = value_field.message_type
            time: _TimeCheck | None = None
            nested: _Plan | None = None
            if target is not None:
                time = _TIME_CHECKS.get(target.full_name)
                if time is None:
                    nested = self._plan(target) or None
            if repeated or text or time or nested:
                bound = self.overrides.get(f.full_name, self.default) if repeated else 0
                entries.append(
                    _Field(f.name, repeated, bound, is_map, text, key_text, time, nested)
                )
        plan = tuple(entries)
        self._plans[name] = plan
        return plan


def _check(message: Any, plan: _Plan, prefix: str) -> None:
    for f in plan:
        name = f.name
        if not f.repeated:
            if f.text:
                if _NUL in getattr(message, name):
                    _refuse_nul(prefix + name)
            elif message.HasField(name):
                if f.time is not None:
                    _check_time(getattr(message, name), f.time, prefix + name)
                else:
                    _check(getattr(message, name), f.nested or (), f"{prefix}{name}.")
            continue
        value = getattr(message, name)
        count = len(value)
        if count > f.bound:
            path = prefix + name
            raise InvalidArgument(
                f"{path} has {count} items; at most {f.bound} are accepted in one request "
                "(send them in several requests)",
                field=path,
            )
        if not count:
            continue
        if f.is_map:
            if f.key_text and any(_NUL in key for key in value):
                _refuse_nul(prefix + name, "a key of ")
            if f.text:
                for key, item in value.items():
                    if _NUL in item:
                        _refuse_nul(f"{prefix}{name}[{key}]")
            elif f.time is not None:
                for key, item in value.items():
                    _check_time(item, f.time, f"{prefix}{name}[{key}]")
            elif f.nested is not None:
                for key, item in value.items():
                    _check(item, f.nested, f"{prefix}{name}[{key}].")
        elif f.text:
            for index, item in enumerate(value):
                if _NUL in item:
                    _refuse_nul(f"{prefix}{name}[{index}]")
        elif f.time is not None:
            for index, item in enumerate(value):
                _check_time(item, f.time, f"{prefix}{name}[{index}]")
        elif f.nested is not None:
            for index, item in enumerate(value):
                _check(item, f.nested, f"{prefix}{name}[{index}].")


def _refuse_nul(path: str, part: str = "") -> None:
    raise InvalidArgument(
        f"{part}{path} contains a NUL character (U+0000), which no text field accepts; remove it",
        field=path,
    )


def _check_time(value: Any, time: _TimeCheck, path: str) -> None:
    kind, problem_of = time
    problem = problem_of(value)
    if problem is not None:
        raise InvalidArgument(f"{path} is not a valid {kind}: {problem}", field=path)
