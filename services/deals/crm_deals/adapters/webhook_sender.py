"""Signed webhook calls: POST the JSON body with ``X-CRM-Signature: t=<unix>,v1=<HMAC-SHA256>``
(crm_deals.domain.automation.sign_webhook) and ``X-CRM-Idempotency-Key`` (a receiver drops a
repeat of a key it has seen: the crash window of at-least-once sending).

SSRF guard: only http(s); the host name is resolved ONCE, every address of the answer is checked
against webhook_guard.refusal (unless private addresses are allowed: local runs and tests), and
the TCP connection is opened to one of exactly those addresses. The request still names the
original host (``Host`` header) and, for https, TLS sends it as SNI and verifies the server's
certificate against it. So a DNS answer that changes between the check and the connection (DNS
rebinding) cannot lead the call to loopback or the internal network. Redirects are not followed
(a 3xx is a failed attempt: its target was never checked).
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from crm_deals.adapters import webhook_guard
from crm_deals.adapters.smtp_mailer import DeliveryError
from crm_deals.domain.automation import sign_webhook

SIGNATURE_HEADER = "X-CRM-Signature"
IDEMPOTENCY_HEADER = "X-CRM-Idempotency-Key"


@dataclass(frozen=True)
class Target:
    """A webhook URL with the addresses its host resolved to, each checked."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``address`` that names ``host`` in its requests."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """TLS over the pinned connection: SNI and certificate verification use ``host``."""

    default_port = http.client.HTTPS_PORT

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ):
        super().__init__(host, port, address=address, timeout=timeout)
        self.context = context

    def connect(self):
        super().connect()
        self.sock = self.context.wrap_socket(self.sock, server_hostname=self.host)


class WebhookSender:
    def __init__(
        self,
        *,
        timeout_seconds: float,
        allow_private_addresses: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ):
        self.timeout = timeout_seconds
        self.allow_private = allow_private_addresses
        self.ssl_context = ssl_context or ssl.create_default_context()

    def target(self, url: str) -> Target:
        """Parse ``url`` and resolve its host once; DeliveryError when it may not be called."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(f"webhook URL {url!r} is not an http(s) URL")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise DeliveryError(f"webhook URL {url!r} has an invalid port") from None
        host = parts.hostname
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise DeliveryError(f"cannot resolve {host}: {exc}") from None
        addresses: list[str] = []
        for info in infos:
            try:
                address = webhook_guard.parse(info[4][0])
            except ValueError:
                raise DeliveryError(
                    f"webhook host {host} resolves to {info[4][0]!r}, not an IP address; refused"
                ) from None
            why = "" if self.allow_private else webhook_guard.refusal(address)
            if why:
                raise DeliveryError(
                    f"webhook host {host} resolves to the non-public address "
                    f"{address} ({why}); refused"
                )
            if str(address) not in addresses:
                addresses.append(str(address))
        if not addresses:
            raise DeliveryError(f"cannot resolve {host}: no address")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return Target(parts.scheme, host, port, path, tuple(addresses))

    def post(
        self, *, url: str, secret: str, body: bytes, idempotency_key: str, timestamp: int
    ) -> int:
        """The HTTP status of a 2xx answer; DeliveryError otherwise."""
        target = self.target(url)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "crm-deals-automations/1",
            SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
            IDEMPOTENCY_HEADER: idempotency_key,
        }
        connection = self._connect(target, url)
        try:
            connection.request("POST", target.path, body=body, headers=headers)
            status = connection.getresponse().status  # the answer's body is not used
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from None
        finally:
            connection.close()
        if 300 <= status < 400:
            raise DeliveryError(f"webhook {url} answered HTTP {status}; redirects are not followed")
        if not 200 <= status < 300:
            raise DeliveryError(f"webhook {url} answered HTTP {status}")
        return status

    def _connect(self, target: Target, url: str) -> http.client.HTTPConnection:
        """A connection to the first of the checked addresses that accepts one."""
        failures = []
        for address in target.addresses:
            if target.scheme == "https":
                connection = _PinnedHTTPSConnection(
                    target.host,
                    target.port,
                    address=address,
                    timeout=self.timeout,
                    context=self.ssl_context,
                )
            else:
                connection = _PinnedHTTPConnection(
                    target.host, target.port, address=address, timeout=self.timeout
                )
            try:
                connection.connect()
                return connection
            except (OSError, ValueError) as exc:
                connection.close()
                failures.append(f"{address}: {type(exc).__name__}: {exc}")
        raise DeliveryError(f"webhook {url}: cannot connect ({'; '.join(failures)})")
