"""Secret-guessing throttle shared by Login, ChangeOwnPassword and IssueServiceToken
(rules: domain.throttling)."""

from __future__ import annotations

from crm_chassis.errors import ResourceExhausted
from crm_identity.domain.throttling import ACCOUNT, PASSWORD, address_key
from crm_identity.service_layer.dependencies import Dependencies
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

_WHAT = {PASSWORD: ("password", "e-mail"), "client_secret": ("client secret", "client id")}


def ensure_allowed(deps: Dependencies, credential: str, account_key: str, address: str) -> None:
    """Raise ResourceExhausted (with the seconds to wait) while attempts on ``account_key``
    from ``address`` must wait."""
    policy = deps.config.throttle
    now = deps.clock.now()
    with deps.uow() as uow:
        failures = uow.failed_attempts.failures_since(
            credential, account_key, now - policy.lookback
        )
    refusal = policy.refusal(failures, address_key(address), now)
    if refusal is None:
        return
    deps.monitor.throttled(credential, refusal.scope)
    seconds = refusal.retry_after_seconds(now)
    secret, account = _WHAT[credential]
    if refusal.scope == ACCOUNT:
        reason = (
            f"too many wrong {secret}s for this {account} from many addresses; its "
            f"attempts are paused for everyone"
        )
    else:
        reason = f"too many wrong {secret}s for this {account} from your address"
    raise ResourceExhausted(
        f"{reason}; try again in {seconds} seconds", retry_after_seconds=seconds
    )


def record_failure(deps: Dependencies, credential: str, account_key: str, address: str) -> None:
    with deps.uow() as uow:
        uow.failed_attempts.record_failure(
            credential, account_key, address_key(address), deps.clock.now()
        )
        uow.commit()
    deps.monitor.failed(credential)


def clear_failures(
    uow: IdentityUnitOfWork, credential: str, account_key: str, address: str
) -> None:
    """A success forgets its own address's failures (others' still count)."""
    uow.failed_attempts.clear(credential, account_key, address_key(address))
