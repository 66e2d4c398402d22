"""free_port: ports a test server can bind, outside the range the kernel gives outgoing
connections (which could otherwise take the port before the server binds it)."""

import socket

from crm_testkit.infrastructure import _ephemeral_range, free_port


def test_free_ports_are_bindable_and_outside_the_ephemeral_range():
    low, high = _ephemeral_range()
    ports = {free_port() for _ in range(50)}
    assert len(ports) > 40  # spread at random, not one port again and again
    for port in ports:
        assert not low <= port <= high
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_taken_port_is_never_returned(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        picks = iter([port, port, port + 1 if port < 60000 else port - 1])
        monkeypatch.setattr("crm_testkit.infrastructure.random.randint", lambda a, b: next(picks))
        monkeypatch.setattr(
            "crm_testkit.infrastructure._ephemeral_range", lambda: (1_000_000, 1_000_001)
        )
        assert free_port() != port
