"""Settling a delivery whose broker connection dropped: logged, never raised (a raise out of
nameko's result handling killed the container, and the worker process exited on a broker
restart)."""

from __future__ import annotations

from typing import Any

import amqp.exceptions
import pytest

from crm_chassis.messaging.consumer import StoppableQueueConsumer, settle


class _Channel:
    def __init__(self, connected: bool) -> None:
        self.connection = object() if connected else None


class _Delivery:
    def __init__(self, error: BaseException | None = None, connected: bool = True) -> None:
        self.channel = _Channel(connected)
        self.error = error
        self.settled: list[str] = []

    def _do(self, what: str) -> None:
        if self.error is not None:
            raise self.error
        self.settled.append(what)

    def ack(self, multiple: bool = False) -> None:
        self._do("ack")

    def requeue(self) -> None:
        self._do("requeue")

    def reject(self, requeue: bool = True) -> None:
        self._do("reject")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError(104, "Connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
        amqp.exceptions.ConnectionForced("closed"),
    ],
)
@pytest.mark.parametrize("method", ["ack_message", "requeue_message"])
def test_a_connection_lost_while_settling_is_not_raised(error: BaseException, method: str) -> None:
    consumer: Any = StoppableQueueConsumer()
    delivery = _Delivery(error)
    getattr(consumer, method)(delivery)  # raised ConnectionResetError out of nameko's ack_message
    assert delivery.settled == []


def test_settle_acts_on_a_live_connection_and_skips_a_dead_one() -> None:
    live = _Delivery()
    assert settle(live.ack, live) is True
    assert live.settled == ["ack"]
    gone = _Delivery(connected=False)
    assert settle(gone.ack, gone) is False
    assert gone.settled == []


def test_other_errors_still_raise() -> None:
    delivery = _Delivery(ValueError("a bug"))
    with pytest.raises(ValueError):
        settle(delivery.ack, delivery)
