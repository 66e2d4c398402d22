"""Signing private keys at rest: wrapped with AES-256-GCM under a key-encryption key (KEK).

Implements service_layer.ports.KeyWrapper; a KMS (wrap/unwrap calls to a key service) can
replace it behind the same three methods. Stored form::

    aesgcm1:<kek id>:<base64url(12-byte nonce || ciphertext+tag)>

with the key's ``kid`` as associated data, so a wrapped key copied onto another row does not
decrypt. ``kek id`` = the first 8 bytes (hex) of SHA-256 over a label and the KEK: it tells which
KEK wrapped a row without revealing it, so a KEK can be rotated — the new one in
``key_encryption_key``, the old one in ``key_encryption_key_previous`` — and the api re-wraps
every row under the new KEK at start (``rewrap_rows``).

Without a KEK (local and test runs only, CRM_ENV) :class:`PlaintextKeyWrapper` stores the PEM as
it is; an encrypted row then cannot be read and the error names the setting to provide.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from crm_chassis.errors import FailedPrecondition
from crm_identity.adapters import orm

PREFIX = "aesgcm1"
KEK_SETTING = "CRM_IDENTITY_KEY_ENCRYPTION_KEY"
PREVIOUS_SETTING = "CRM_IDENTITY_KEY_ENCRYPTION_KEY_PREVIOUS"


def parse_kek(text: str, setting: str = KEK_SETTING) -> bytes:
    """32 bytes from their base64 (standard or URL-safe); ValueError naming ``setting``."""
    raw = (text or "").strip().replace("-", "+").replace("_", "/")
    try:
        key = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ValueError(
            f"{setting} must be 32 random bytes in base64 (44 characters), e.g. "
            "the output of `openssl rand -base64 32`"
        )
    return key


def kek_id(key: bytes) -> str:
    return hashlib.sha256(b"crm-identity-kek:" + key).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_wrapped(stored: str) -> bool:
    return stored.startswith(PREFIX + ":")


class AesGcmKeyWrapper:
    def __init__(self, current: bytes, previous: Sequence[bytes] = ()):
        self._current_id = kek_id(current)
        self._ciphers = {kek_id(key): AESGCM(key) for key in (*previous, current)}

    def wrap(self, kid: str, private_key_pem: str) -> str:
        nonce = os.urandom(12)
        sealed = self._ciphers[self._current_id].encrypt(
            nonce, private_key_pem.encode("ascii"), kid.encode("utf-8")
        )
        return f"{PREFIX}:{self._current_id}:{_b64(nonce + sealed)}"

    def unwrap(self, kid: str, stored: str) -> str:
        if not is_wrapped(stored):
            return stored  # stored before encryption was configured; re-wrapped at start
        _, wrapped_by, blob = stored.split(":", 2)
        cipher = self._ciphers.get(wrapped_by)
        if cipher is None:
            raise FailedPrecondition(
                f"signing key {kid} is wrapped by key-encryption key {wrapped_by}, which is not "
                f"configured: set {KEK_SETTING} (or {PREVIOUS_SETTING} while rotating) to it"
            )
        data = _unb64(blob)
        try:
            return cipher.decrypt(data[:12], data[12:], kid.encode("utf-8")).decode("ascii")
        except InvalidTag:
            raise FailedPrecondition(
                f"signing key {kid} does not decrypt: its stored form was "
                "altered; withdraw it (crmctl keys withdraw)"
            ) from None

    def needs_rewrap(self, stored: str) -> bool:
        return not stored.startswith(f"{PREFIX}:{self._current_id}:")


class PlaintextKeyWrapper:
    """No key-encryption key configured (allowed in local runs only)."""

    def wrap(self, kid: str, private_key_pem: str) -> str:
        return private_key_pem

    def unwrap(self, kid: str, stored: str) -> str:
        if is_wrapped(stored):
            raise FailedPrecondition(
                f"signing key {kid} is encrypted but no key-encryption key "
                f"is configured: set {KEK_SETTING}"
            )
        return stored

    def needs_rewrap(self, stored: str) -> bool:
        return False


def key_wrapper(key_encryption_key: str, previous: str = ""):
    """The wrapper the settings ask for (ValueError naming a malformed setting)."""
    if not key_encryption_key:
        return PlaintextKeyWrapper()
    olds = [parse_kek(text, PREVIOUS_SETTING) for text in previous.split(",") if text.strip()]
    return AesGcmKeyWrapper(parse_kek(key_encryption_key), olds)


def rewrap_rows(connection: Connection, wrapper) -> int:
    """Wrap under the current KEK every stored private key that is not (plaintext rows, rows
    of a previous KEK); returns how many changed. Used at api start and by the migration."""
    table = orm.signing_keys
    changed = 0
    for kid, stored in connection.execute(select(table.c.kid, table.c.private_key_pem)).all():
        if wrapper.needs_rewrap(stored):
            connection.execute(
                update(table)
                .where(table.c.kid == kid, table.c.private_key_pem == stored)
                .values(private_key_pem=wrapper.wrap(kid, wrapper.unwrap(kid, stored)))
            )
            changed += 1
    return changed
