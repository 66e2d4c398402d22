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
  bound. The fields to look at are worked out once per message type, so a call pays only for
  the fields that can repeat.

The maximum request size and the server's total of concurrent calls are grpc options
(crm_chassis.grpc.server).
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

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
    def from_settings(cls, settings, methods: MethodLimits | None = None) -> "CallLimits":
        # Streams never take every thread: one is always left for unary calls.
        streams = max(1, min(settings.grpc_max_concurrent_streams, settings.grpc_max_workers - 1))
        return cls(max_streams=streams,
                   stream_idle_seconds=settings.grpc_stream_idle_seconds,
                   unary_deadline_seconds=settings.grpc_unary_deadline_seconds,
                   stream_deadline_seconds=settings.grpc_stream_deadline_seconds,
                   max_list_items=settings.grpc_max_list_items,
                   methods=methods or MethodLimits())

    def budget_of(self, method: str, streamed: bool) -> float:
        own = self.methods.deadlines.get(method)
        if own is not None:
            return own
        return self.stream_deadline_seconds if streamed else self.unary_deadline_seconds


class StreamSlots:
    """At most ``size`` client streams at once; a call over it is refused, never queued."""

    def __init__(self, size: int):
        self.size = size
        self._free = threading.BoundedSemaphore(size)

    def take(self) -> None:
        if not self._free.acquire(blocking=False):
            raise ResourceExhausted(
                f"too many concurrent imports (this server runs at most {self.size} client "
                "streams at once), retry later", retry_after_seconds=5)

    def give_back(self) -> None:
        self._free.release()


class LimitedContext:
    """The handler's view of the call: ``time_remaining()`` and ``is_active()`` follow the
    effective deadline (the client's or the server's budget, whichever comes first)."""

    __slots__ = ("_context", "deadline")

    def __init__(self, context, budget_seconds: float):
        self._context = context
        client_left = context.time_remaining()
        self.deadline = time.monotonic() + min(budget_seconds, client_left)

    def time_remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def is_active(self) -> bool:
        return time.monotonic() < self.deadline and self._context.is_active()

    def spent(self) -> bool:
        return time.monotonic() >= self.deadline

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


_END = object()


class GuardedRequests:
    """The request stream of a client-streaming call, read by a helper thread (see module doc).

    ``next()`` waits at most ``idle_seconds`` for a message (StreamIdle) and never past the
    call's deadline (BudgetSpent); each message is checked by ``check`` first."""

    def __init__(self, requests: Iterator, idle_seconds: float, context: LimitedContext,
                 check=None, buffered: int = 8):
        self._requests = requests
        self._idle = idle_seconds
        self._context = context
        self._check = check
        self._queue: queue.Queue = queue.Queue(maxsize=buffered)
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

    def _hand_over(self, item) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self):
        return self

    def __next__(self):
        if self._done:
            raise StopIteration
        wait = min(self._idle, self._context.time_remaining())
        try:
            request, error = self._queue.get(timeout=wait)
        except queue.Empty:
            self._done = True
            if self._context.spent():
                raise BudgetSpent("this call ran out of time (the server's limit for this "
                                  "method); send fewer rows per call or split the import")
            raise StreamIdle(f"no message on this stream for {self._idle:g} s, so the server "
                             "ended it; keep sending rows or start a new call") from None
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


# ---------------------------------------------------------------------------------- list sizes
class ListBounds:
    """Checks every repeated field and map of a request against its bound (see module doc)."""

    def __init__(self, default: int, overrides: Mapping[str, int]):
        self.default = default
        self.overrides = dict(overrides)
        self._plans: dict[str, tuple] = {}

    def checker(self, descriptor):
        """A function checking one message of type ``descriptor``, or None if it has no
        field that can repeat (then there is nothing to check)."""
        plan = self._plan(descriptor)
        if not plan:
            return None

        def check(message) -> None:
            self._check(message, plan, "")
        return check

    def _plan(self, descriptor) -> tuple:
        """(name, bound or 0, is_map, nested plan or None, repeated) for each field that can
        repeat, directly or inside a nested message; computed once per message type."""
        name = descriptor.full_name
        if name in self._plans:
            return self._plans[name]
        self._plans[name] = ()   # a recursive type sees itself as empty while being planned
        entries = []
        for f in descriptor.fields:
            repeated = f.is_repeated
            is_map = repeated and f.message_type is not None and \
                f.message_type.GetOptions().map_entry
            nested = None
            if f.message_type is not None:
                target = f.message_type.fields_by_name["value"].message_type if is_map \
                    else f.message_type
                if target is not None and not target.GetOptions().map_entry:
                    nested = self._plan(target) or None
            if repeated or nested:
                bound = self.overrides.get(f.full_name, self.default) if repeated else 0
                entries.append((f.name, bound, is_map, nested, repeated))
        plan = tuple(entries)
        self._plans[name] = plan
        return plan

    def _check(self, message, plan: tuple, prefix: str) -> None:
        for name, bound, is_map, nested, repeated in plan:
            if repeated:
                value = getattr(message, name)
                count = len(value)
                if count > bound:
                    path = prefix + name
                    raise InvalidArgument(
                        f"{path} has {count} items; at most {bound} are accepted in one request "
                        "(send them in several requests)", field=path)
                if nested is not None and count:
                    if is_map:
                        for key, item in value.items():
                            self._check(item, nested, f"{prefix}{name}[{key}].")
                    else:
                        for index, item in enumerate(value):
                            self._check(item, nested, f"{prefix}{name}[{index}].")
            elif message.HasField(name):
                self._check(getattr(message, name), nested, f"{prefix}{name}.")
