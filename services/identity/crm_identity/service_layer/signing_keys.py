"""Use cases on signing keys: ensure one is active, rotate on schedule, publish public halves,
withdraw a compromised key at once, protect stored private keys."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, FailedPrecondition, NotFound
from crm_identity.domain.signing_keys import SigningKey, key_set_version
from crm_identity.service_layer.authorization import require_admin
from crm_identity.service_layer.dependencies import Dependencies
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork


def ensure_active_key(deps: Dependencies) -> SigningKey:
    """The active key, created if there is none (first start). Safe to run concurrently."""
    with deps.uow() as uow:
        key = uow.signing_keys.active()
        if key is not None:
            return key
    candidate = deps.keys.new_key(deps.clock.now())
    try:
        with deps.uow() as uow:
            uow.signing_keys.add(candidate)
            uow.commit()
        return candidate
    except AlreadyExists:  # another process created one between our read and our insert
        with deps.uow() as uow:
            return active_key_in(uow)


def active_key_in(uow: IdentityUnitOfWork) -> SigningKey:
    """The key that signs now, read in the caller's unit of work."""
    key = uow.signing_keys.active()
    if key is None:
        raise FailedPrecondition(
            "identity has no active signing key yet; the api creates one "
            "at start: restart it or run the worker"
        )
    return key


def rotate_if_due(deps: Dependencies, caller: Caller) -> SigningKey | None:
    """Retire the active key when it is ``key_rotation_period`` old; returns the new key. The
    worker's timer runs it as its system caller."""
    now = deps.clock.now()
    period = deps.config.key_rotation_period
    with deps.uow() as uow:
        current = uow.signing_keys.active()
        if current is not None and not current.rotation_due(period, now):
            return None
    return rotate_now(deps, caller)


def rotate_now(deps: Dependencies, caller: Caller) -> SigningKey | None:
    """Retire the active key (if any) and activate a new one, in one transaction."""
    now = deps.clock.now()
    new = deps.keys.new_key(now)
    try:
        with deps.uow() as uow:
            current = uow.signing_keys.active()
            if current is not None and not uow.signing_keys.retire(current.kid, now):
                return None  # another process rotated it first
            uow.signing_keys.add(new)
            uow.commit()
    except AlreadyExists:
        return None
    return new


@dataclass(frozen=True)
class PublishedKey:
    key: SigningKey
    verify_until: dt.datetime


@dataclass(frozen=True)
class PublishedKeySet:
    version: str  # domain.signing_keys.key_set_version of the keys
    keys: list[PublishedKey]


def published_key_set(deps: Dependencies) -> PublishedKeySet:
    """Every key a verifier should accept now (the active one and recently retired ones, never
    a withdrawn one), and the version verifiers compare to learn of a change."""
    now = deps.clock.now()
    period = deps.config.key_rotation_period
    with deps.uow() as uow:
        keys = [key for key in uow.signing_keys.all() if key.verifiable(period, now)]
    return PublishedKeySet(
        key_set_version(keys), [PublishedKey(key, key.verify_until(period, now)) for key in keys]
    )


def verification_keys(deps: Dependencies) -> list[PublishedKey]:
    return published_key_set(deps).keys


@dataclass(frozen=True)
class KeyState:
    key: SigningKey
    verify_until: dt.datetime
    published: bool


def list_keys(deps: Dependencies, caller: Caller | None) -> list[KeyState]:
    """Every stored key, newest first, with whether verifiers accept it now. Admin."""
    require_admin(caller)
    now = deps.clock.now()
    period = deps.config.key_rotation_period
    with deps.uow() as uow:
        keys = uow.signing_keys.all()
    return [
        KeyState(key, key.verify_until(period, now), key.verifiable(period, now)) for key in keys
    ]


@dataclass(frozen=True)
class Withdrawal:
    withdrawn: KeyState
    active: SigningKey | None  # None when the withdrawn key was the last one


def withdraw_key(deps: Dependencies, caller: Caller | None, kid: str) -> Withdrawal:
    """Withdraw ``kid`` at once (e.g. it leaked): it leaves the published set, so every token it
    signed is refused; when it was the active key a fresh key signs from now on, in the same
    transaction (no instant without an active key). Admin. Withdrawing twice changes nothing."""
    require_admin(caller)
    now = deps.clock.now()
    fresh = deps.keys.new_key(now)
    with deps.uow() as uow:
        key = uow.signing_keys.get(kid) if kid else None
        if key is None:
            raise NotFound(
                f"no signing key with kid {kid!r}; list them with `crmctl keys list`", field="kid"
            )
        was_active = key.active
        if key.withdraw(now):
            uow.signing_keys.withdraw(key.kid, now)
            if was_active:
                uow.signing_keys.add(fresh)
            uow.commit()
        active = uow.signing_keys.active()
    period = deps.config.key_rotation_period
    return Withdrawal(KeyState(key, key.verify_until(period, now), False), active)


def protect_stored_keys(deps: Dependencies) -> int:
    """Wrap every stored private key with the current key-encryption key (rows written before
    one was configured, or under a previous one); returns how many were rewritten."""
    with deps.uow() as uow:
        changed = uow.signing_keys.protect_stored()
        uow.commit()
    return changed
