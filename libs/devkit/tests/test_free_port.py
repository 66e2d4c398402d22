"""free_port: a bed asks for dozens of ports before any server binds; none may be handed out
twice (each is free when asked, so the bind check alone cannot tell)."""

from __future__ import annotations

from crm_testkit.infrastructure import free_port


def test_no_port_is_handed_out_twice_before_any_server_binds():
    ports = [free_port() for _ in range(2000)]
    assert len(set(ports)) == len(ports)
