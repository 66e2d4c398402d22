"""Automation e-mails through a real SMTP server (smtplib).

The Message-ID is derived from the delivery's idempotency key, so in the one window where a
crash can make the worker send twice (after the server accepted, before the result is stored)
the receiving side sees the same Message-ID and can drop the copy.
"""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formataddr

from crm_deals.domain.deliveries import message_id_of

# Headers stay on one line up to RFC 5322's limit: the idempotency key is not folded.
_POLICY = policy.SMTP.clone(max_line_length=998)


class DeliveryError(Exception):
    """One attempt failed; the message says why (stored as the delivery's last error)."""


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        timeout_seconds: float,
        starttls: bool = False,
        username: str = "",
        password: str = "",
    ):
        self.host, self.port, self.sender = host, port, sender
        self.timeout, self.starttls = timeout_seconds, starttls
        self.username, self.password = username, password

    @staticmethod
    def message_id(idempotency_key: str) -> str:
        return message_id_of(idempotency_key)

    def send(
        self,
        *,
        recipients: list[tuple[str, str]],
        subject: str,
        body: str,
        idempotency_key: str,
        subtype: str = "plain",
    ) -> None:
        """``recipients``: (display name, address) pairs; one message to all of them.
        ``subtype`` "html" sends ``body`` as text/html (customer e-mails)."""
        message = EmailMessage(policy=_POLICY)
        message["From"] = self.sender
        message["To"] = ", ".join(formataddr(r) for r in recipients)
        message["Subject"] = subject
        message["Message-ID"] = self.message_id(idempotency_key)
        message["X-CRM-Idempotency-Key"] = idempotency_key
        message.set_content(body, subtype=subtype)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, self.password)
                refused = smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(
                f"SMTP {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            ) from None
        if refused:
            raise DeliveryError(f"SMTP server refused {', '.join(sorted(refused))}")
