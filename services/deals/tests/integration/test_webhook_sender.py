"""The webhook sender against real local receivers: a DNS answer that turns to loopback after the
check never reaches the local server; https goes to the checked address while SNI and the
certificate check use the URL's host name; redirects are not followed."""

from __future__ import annotations

import datetime as dt
import socket
import ssl

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from deals_receivers import WebhookReceiver

from crm_deals.adapters.smtp_mailer import DeliveryError
from crm_deals.adapters.webhook_sender import WebhookSender

pytestmark = pytest.mark.integration
PUBLIC = "93.184.215.14"
REAL_GETADDRINFO, REAL_CREATE_CONNECTION = socket.getaddrinfo, socket.create_connection


def _post(sender: WebhookSender, url: str) -> int:
    return sender.post(
        url=url, secret="s" * 16, body=b'{"a":1}', idempotency_key="k-1", timestamp=1
    )


def _resolve(monkeypatch, host: str, *answers: str) -> list[str]:
    """``host`` resolves to ``answers`` in turn (the last one from then on); other names as
    usual. Returns the list of lookups of ``host``."""
    lookups: list[str] = []

    def getaddrinfo(name, port, *args, **kwargs):
        if name != host:
            return REAL_GETADDRINFO(name, port, *args, **kwargs)
        lookups.append(name)
        address = answers[min(len(lookups), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


def test_a_rebinding_dns_answer_never_reaches_loopback(monkeypatch):
    """First answer public (passes the guard), every later one 127.0.0.1 where a receiver
    listens: the call must go to the public address it checked, never to the receiver."""
    lookups = _resolve(monkeypatch, "rebind.test", PUBLIC, "127.0.0.1")
    public_attempts = []

    def create_connection(address, *args, **kwargs):
        if address[0] == PUBLIC:  # the public host is not reachable from this test
            public_attempts.append(address)
            raise ConnectionRefusedError("no route to the public test address")
        return REAL_CREATE_CONNECTION(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    with WebhookReceiver() as receiver:
        sender = WebhookSender(timeout_seconds=5, allow_private_addresses=False)
        with pytest.raises(DeliveryError):
            _post(sender, f"http://rebind.test:{receiver.port}/hooks/crm")
        assert receiver.requests == []
    assert lookups == ["rebind.test"]
    assert public_attempts == [(PUBLIC, receiver.port)]


def _certificate_authority(tmp_path, host: str):
    """A CA file and a server context whose certificate names ``host`` only."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crm test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client


def test_https_connects_to_the_checked_address_and_verifies_the_host_name(monkeypatch, tmp_path):
    server_tls, client_tls = _certificate_authority(tmp_path, "hooks.test")
    lookups = _resolve(monkeypatch, "hooks.test", "127.0.0.1", "10.0.0.1")
    with WebhookReceiver(tls=server_tls) as receiver:
        # Loopback is allowed only through the test-only setting (local runs, tests).
        sender = WebhookSender(
            timeout_seconds=5, allow_private_addresses=True, ssl_context=client_tls
        )
        url = f"https://hooks.test:{receiver.port}/hooks/crm?tenant=1"
        assert _post(sender, url) == 204
        headers, body = receiver.requests[0]
        assert headers["Host"] == f"hooks.test:{receiver.port}"
        assert headers["X-CRM-Idempotency-Key"] == "k-1" and body == b'{"a":1}'
        assert receiver.server_names == ["hooks.test"]
        assert lookups == ["hooks.test"]
        # The same server under another name: the certificate does not match, nothing is sent.
        _resolve(monkeypatch, "other.test", "127.0.0.1")
        with pytest.raises(DeliveryError, match="certificate"):
            _post(sender, f"https://other.test:{receiver.port}/hooks/crm")
        assert len(receiver.requests) == 1
        # Without the allowance loopback is refused before any connection.
        _resolve(monkeypatch, "hooks.test", "127.0.0.1")
        with pytest.raises(DeliveryError, match="loopback"):
            _post(WebhookSender(timeout_seconds=5, ssl_context=client_tls), url)
        assert len(receiver.requests) == 1


def test_plain_http_to_a_local_receiver_works_and_redirects_are_not_followed():
    with WebhookReceiver() as receiver:
        sender = WebhookSender(timeout_seconds=5, allow_private_addresses=True)
        assert _post(sender, receiver.url) == 204
        receiver.status = 302
        with pytest.raises(DeliveryError, match="HTTP 302; redirects are not followed"):
            _post(sender, receiver.url)
        assert len(receiver.requests) == 2
