"""Password-guessing throttle shared by Login and ChangeOwnPassword (rules: domain.throttling)."""
from __future__ import annotations

from crm_chassis.errors import ResourceExhausted

from crm_identity.service_layer.dependencies import Dependencies


def ensure_not_locked(deps: Dependencies, email_key: str) -> None:
    """Raise ResourceExhausted (with the seconds to wait) while ``email_key`` is locked."""
    policy = deps.config.throttle
    now = deps.clock.now()
    with deps.uow() as uow:
        failures = uow.login_attempts.failures_since(email_key, now - policy.lookback)
    locked_until = policy.locked_until(failures, now)
    if locked_until is not None:
        seconds = policy.retry_after_seconds(locked_until, now)
        raise ResourceExhausted(f"too many failed password attempts for this e-mail; try again "
                                f"in {seconds} seconds", retry_after_seconds=seconds)


def record_failure(deps: Dependencies, email_key: str) -> None:
    policy = deps.config.throttle
    now = deps.clock.now()
    with deps.uow() as uow:
        uow.login_attempts.record_failure(email_key, now)
        locked = policy.locked_until(
            uow.login_attempts.failures_since(email_key, now - policy.lookback), now)
        uow.commit()
    deps.monitor.login_failed()
    if locked is not None:
        deps.monitor.locked_out()
