"""Signed webhook calls: POST the JSON body with ``X-CRM-Signature: t=<unix>,v1=<HMAC-SHA256>``
(crm_deals.domain.automation.sign_webhook) and ``X-CRM-Idempotency-Key`` (a receiver drops a
repeat of a key it has seen: the crash window of at-least-once sending).

SSRF guard: only http(s), and unless allowed by settings (local runs, tests) the host must not
resolve to a loopback, private, link-local, multicast or reserved address.
"""
from __future__ import annotations

import ipaddress
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from crm_deals.adapters.smtp_mailer import DeliveryError
from crm_deals.domain.automation import sign_webhook

SIGNATURE_HEADER = "X-CRM-Signature"
IDEMPOTENCY_HEADER = "X-CRM-Idempotency-Key"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address the guard refused: a 3xx is a failed attempt.
    def redirect_request(self, *args, **kwargs):
        return None


class WebhookSender:
    def __init__(self, *, timeout_seconds: float, allow_private_addresses: bool = False):
        self.timeout = timeout_seconds
        self.allow_private = allow_private_addresses
        self._opener = urllib.request.build_opener(_NoRedirects)

    def _check_target(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise DeliveryError(f"webhook URL {url!r} is not an http(s) URL")
        if self.allow_private:
            return
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise DeliveryError(f"cannot resolve {parts.hostname}: {exc}") from None
        for info in infos:
            address = ipaddress.ip_address(info[4][0])
            if not address.is_global or address.is_multicast:
                raise DeliveryError(f"webhook host {parts.hostname} resolves to the non-public "
                                    f"address {address}; refused")

    def post(self, *, url: str, secret: str, body: bytes, idempotency_key: str,
             timestamp: int) -> int:
        """The HTTP status of a 2xx answer; DeliveryError otherwise."""
        self._check_target(url)
        request = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json",
            "User-Agent": "crm-deals-automations/1",
            SIGNATURE_HEADER: sign_webhook(secret, timestamp, body),
            IDEMPOTENCY_HEADER: idempotency_key})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook {url} answered HTTP {exc.code}") from None
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"webhook {url}: {type(exc).__name__}: {exc}") from None
