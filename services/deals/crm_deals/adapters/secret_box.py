"""Webhook signing secrets sealed at rest (AES-256-GCM, key from CRM_DEALS_WEBHOOK_SECRET_KEY).

A sealed value is ``v1:<base64(nonce | ciphertext+tag)>``; the rule's id is the associated
data, so a sealed secret copied onto another rule does not open. A value without the prefix is
a secret stored before a key was configured and is read as it is (it is sealed at the rule's
next save). Key rotation is not supported yet: a new key cannot open the old values.
"""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from crm_chassis.errors import FailedPrecondition

PREFIX = "v1:"
KEY_BYTES = 32
NONCE_BYTES = 12


def parse_key(raw: str) -> bytes | None:
    """The key from its base64 setting; None when empty; ValueError when not 32 bytes."""
    if not raw:
        return None
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("is not base64") from None
    if len(key) != KEY_BYTES:
        raise ValueError(f"must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


class SecretBox:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)

    def seal(self, secret: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, secret.encode(), context.encode())
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def open(self, stored: str, context: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        raw = base64.b64decode(stored[len(PREFIX) :])
        try:
            return self._aead.decrypt(
                raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()
            ).decode()
        except InvalidTag:
            raise FailedPrecondition(
                f"the webhook secret of rule {context} cannot be opened with the configured "
                "CRM_DEALS_WEBHOOK_SECRET_KEY (was the key changed?); set the rule's secret "
                "again"
            ) from None
