"""free_port and reserve_port: a bed asks for dozens of ports before any server binds; none may be handed out
twice (each is free when asked, so the bind check alone cannot tell)."""

from __future__ import annotations

import errno
import socket

import pytest

from crm_testkit.infrastructure import free_port, reserve_port


def test_no_port_is_handed_out_twice_before_any_server_binds():
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)


def _bind(port: int, *, reuse: bool) -> socket.socket:
    sock = socket.socket()
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def test_a_reserved_port_cannot_be_taken_before_its_server_binds_it():
    """The port of a bed's process is chosen in the bed and bound by the child seconds later:
    another bed choosing, or another server binding, in between must find it taken."""
    reservation = reserve_port()
    try:
        with pytest.raises(OSError) as taken:
            _bind(reservation.port, reuse=False)  # another bed's probe, another server
        assert taken.value.errno == errno.EADDRINUSE
        assert reservation.port not in {free_port() for _ in range(500)}
    finally:
        reservation.close()


def test_the_child_binds_and_listens_on_its_reserved_port_and_keeps_it_across_restarts():
    """Every server of the platform binds with SO_REUSEADDR (gRPC, prometheus, uvicorn)."""
    reservation = reserve_port()
    try:
        for _restart in range(2):
            server = _bind(reservation.port, reuse=True)
            server.listen()
            with socket.create_connection(("127.0.0.1", reservation.port), timeout=5):
                pass
            server.close()
        with pytest.raises(OSError):
            _bind(reservation.port, reuse=False)  # still held between two runs of the child
    finally:
        reservation.close()
    _bind(reservation.port, reuse=False).close()  # released with the bed
