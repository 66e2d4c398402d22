"""Delivery status notifications (RFC 3464) as a Postfix MTA writes them, for the bounce tests."""

from __future__ import annotations


def dsn(
    recipient: str,
    *,
    message_id: str,
    idempotency_key: str = "",
    status: str = "5.1.1",
    action: str = "failed",
    diagnostic: str = "smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown",
) -> bytes:
    key_header = f"X-CRM-Idempotency-Key: {idempotency_key}\n" if idempotency_key else ""
    text = f"""\
Return-Path: <>
Received: by mx.example.test (Postfix) id 4Qx1 for <crm@example.test>
Date: Mon,  7 Dec 2026 10:00:05 +0000 (UTC)
From: MAILER-DAEMON@mx.example.test (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: crm@example.test
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary="4Qx1.1733565605/mx.example.test"
Message-Id: <20261207100005.4Qx1@mx.example.test>

This is a MIME-encapsulated message.

--4Qx1.1733565605/mx.example.test
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

This is the mail system at host mx.example.test.

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

--4Qx1.1733565605/mx.example.test
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.test
X-Postfix-Queue-ID: 4Qx1
Arrival-Date: Mon,  7 Dec 2026 10:00:04 +0000 (UTC)

Final-Recipient: rfc822; {recipient}
Original-Recipient: rfc822;{recipient}
Action: {action}
Status: {status}
Remote-MTA: dns; mail.example.test
Diagnostic-Code: {diagnostic.format(recipient=recipient)}

--4Qx1.1733565605/mx.example.test
Content-Description: Undelivered Message Headers
Content-Type: text/rfc822-headers

From: crm@example.test
To: {recipient}
Subject: Your deal: next steps
Message-ID: {message_id}
{key_header}MIME-Version: 1.0
Content-Type: text/html; charset="utf-8"

--4Qx1.1733565605/mx.example.test--
"""
    return text.replace("\n", "\r\n").encode()
