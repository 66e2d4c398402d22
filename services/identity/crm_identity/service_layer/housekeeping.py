"""Periodic clean-up the worker runs: spent refresh tokens and old failed attempts."""

from __future__ import annotations

from dataclasses import dataclass

from crm_chassis.caller import Caller
from crm_identity.service_layer.dependencies import Dependencies


@dataclass(frozen=True)
class Pruned:
    refresh_tokens: int
    failed_attempts: int


def prune(deps: Dependencies, caller: Caller) -> Pruned:
    """Delete the refresh-token families past their expiry and the failed attempts older than
    the throttle's lookback. The worker's timer runs it as its system caller."""
    now = deps.clock.now()
    with deps.uow() as uow:
        tokens = uow.sessions.prune_expired(now)
        attempts = uow.failed_attempts.prune(now - deps.config.throttle.lookback)
        uow.commit()
    return Pruned(tokens, attempts)
