"""Use cases on signing keys: ensure one is active, rotate on schedule, publish public halves."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.errors import AlreadyExists, FailedPrecondition

from crm_identity.domain.signing_keys import SigningKey
from crm_identity.service_layer.dependencies import Dependencies


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
            return uow.signing_keys.active()


def active_key_in(uow) -> SigningKey:
    """The key that signs now, read in the caller's unit of work."""
    key = uow.signing_keys.active()
    if key is None:
        raise FailedPrecondition("identity has no active signing key yet; the api creates one "
                                 "at start: restart it or run the worker")
    return key


def rotate_if_due(deps: Dependencies) -> SigningKey | None:
    """Retire the active key when it is ``key_rotation_period`` old; returns the new key."""
    now = deps.clock.now()
    period = deps.config.key_rotation_period
    with deps.uow() as uow:
        current = uow.signing_keys.active()
        if current is not None and not current.rotation_due(period, now):
            return None
    return rotate_now(deps)


def rotate_now(deps: Dependencies) -> SigningKey | None:
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


def verification_keys(deps: Dependencies) -> list[PublishedKey]:
    """Every key a verifier should accept now: the active one and recently retired ones."""
    now = deps.clock.now()
    period = deps.config.key_rotation_period
    with deps.uow() as uow:
        keys = uow.signing_keys.all()
    return [PublishedKey(key, key.verify_until(period, now)) for key in keys
            if key.verifiable(period, now)]
