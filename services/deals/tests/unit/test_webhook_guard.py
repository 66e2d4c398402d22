"""The webhook SSRF guard refuses every special-purpose address before any connection is opened,
and connects to exactly the address it checked. DNS answers and connections are stand-ins
(``socket.getaddrinfo`` / ``socket.create_connection``): nothing leaves the process."""

from __future__ import annotations

import ipaddress
import socket

import pytest

from crm_deals.adapters.smtp_mailer import DeliveryError
from crm_deals.adapters.webhook_sender import WebhookSender

PUBLIC_V4, PUBLIC_V6 = "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"

REFUSED = {
    "0.0.0.0": "unspecified",
    "0.1.2.3": "this network",
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "169.254.169.254": "link-local",
    "100.64.0.1": "CGNAT",
    "100.127.255.254": "CGNAT",
    "192.0.0.8": "IETF",
    "192.0.2.10": "documentation",
    "198.51.100.7": "documentation",
    "203.0.113.200": "documentation",
    "198.18.0.1": "benchmarking",
    "198.19.255.1": "benchmarking",
    "224.0.0.251": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "::": "unspecified",
    "::1": "loopback",
    "fe80::1": "link-local",
    "fec0::1": "site-local",
    "fc00::1": "ULA",
    "fd12:3456::1": "ULA",
    "ff02::1": "multicast",
    "2001:db8::1": "documentation",
    "64:ff9b::7f00:1": "NAT64 of loopback",
    f"64:ff9b::{PUBLIC_V4}": "NAT64 of a public address",
    "64:ff9b:1::1": "local NAT64",
    "2002:7f00:1::1": "6to4 of loopback",
    "2002:5db8:d70e::1": "6to4 of a public address",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo",
    "::ffff:127.0.0.1": "mapped loopback",
    "::ffff:10.0.0.1": "mapped private",
    "::ffff:169.254.169.254": "mapped link-local",
    "::127.0.0.1": "compatible loopback",
    "::10.0.0.1": "compatible private",
    "100::1": "discard-only",
    "2001:2::1": "benchmarking",
    "2001:10::1": "ORCHID",
}


class Network:
    """Stand-ins for DNS and TCP: every name resolves to ``answers`` (one list per call), every
    connection attempt is recorded and refused."""

    def __init__(self, monkeypatch, *answers: str):
        self.answers = list(answers)
        self.lookups: list[str] = []
        self.connections: list[tuple] = []
        monkeypatch.setattr(socket, "getaddrinfo", self.getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", self.create_connection)

    def getaddrinfo(self, host, port, *args, **kwargs):
        self.lookups.append(host)
        address = self.answers[min(len(self.lookups), len(self.answers)) - 1]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    def create_connection(self, address, *args, **kwargs):
        self.connections.append(address)
        raise ConnectionRefusedError("no network in this test")


def _post(url: str, *, allow_private: bool = False):
    WebhookSender(timeout_seconds=1, allow_private_addresses=allow_private).post(
        url=url, secret="s" * 16, body=b"{}", idempotency_key="k", timestamp=1
    )


@pytest.mark.parametrize("address", sorted(REFUSED), ids=lambda a: f"{a} {REFUSED[a]}")
def test_every_special_purpose_address_is_refused_before_connecting(monkeypatch, address):
    network = Network(monkeypatch, address)
    with pytest.raises(DeliveryError, match="resolves to the non-public address .*; refused"):
        _post("https://hooks.example.com/crm")
    assert network.connections == []


@pytest.mark.parametrize("address", [PUBLIC_V4, PUBLIC_V6, f"::ffff:{PUBLIC_V4}"])
def test_a_public_address_is_the_one_connected_to(monkeypatch, address):
    network = Network(monkeypatch, address)
    with pytest.raises(DeliveryError, match="cannot connect"):
        _post("https://hooks.example.com:8443/crm?x=1")
    assert network.lookups == ["hooks.example.com"]
    assert network.connections == [(str(ipaddress.ip_address(address)), 8443)]


def test_the_host_is_resolved_once_and_a_second_answer_is_never_used(monkeypatch):
    network = Network(monkeypatch, PUBLIC_V4, "127.0.0.1")
    with pytest.raises(DeliveryError):
        _post("http://rebind.example.com/crm")
    assert network.lookups == ["rebind.example.com"]
    assert network.connections == [(PUBLIC_V4, 80)]


def test_an_ip_literal_url_is_checked_like_a_name(monkeypatch):
    network = Network(monkeypatch, "169.254.169.254")
    with pytest.raises(DeliveryError, match="link-local"):
        _post("http://169.254.169.254/latest/meta-data/")
    assert network.connections == []


def test_the_test_only_allowance_skips_the_ranges_but_still_pins_the_address(monkeypatch):
    network = Network(monkeypatch, "127.0.0.1", "10.9.9.9")
    with pytest.raises(DeliveryError, match="cannot connect"):
        _post("http://localhost:9/x", allow_private=True)
    assert network.connections == [("127.0.0.1", 9)]


def test_urls_that_are_not_http_are_refused_without_a_lookup(monkeypatch):
    network = Network(monkeypatch, PUBLIC_V4)
    for url in (
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
        "http:///nohost",
        "http://hooks.example.com:99999/x",
    ):
        with pytest.raises(DeliveryError, match="not an http|invalid port"):
            _post(url)
    assert network.lookups == [] and network.connections == []
