"""identity's nameko worker (service name "identity"): timers only, no event subscriptions.

- rotate_signing_keys: every ``key_rotation_check_seconds``, retire the active signing key when
  it is ``key_rotation_days`` old and activate a new one (the api signs with the new one on its
  next token; verifiers learn it from GetSigningKeys on the unknown kid).
- prune: every ``prune_interval_seconds``, delete ended refresh-token families and login
  attempts (wrong secrets) too old to matter.

Run: ``python -m crm_chassis.messaging.worker_main identity crm_identity.entrypoints.worker``
(or ``nameko run crm_identity.entrypoints.worker``).
"""

from __future__ import annotations

from crm_chassis.caller import Caller
from crm_chassis.entrypoints.worker import ServiceDependencies, setting_timer
from crm_chassis.logging import get_logger
from crm_identity.entrypoints import settings, wiring
from crm_identity.service_layer import housekeeping, signing_keys

log = get_logger("crm_identity.worker")
# The caller of the timers' use cases (key rotation and pruning emit no event: no actor is
# recorded).
WORKER = Caller.system("identity-worker")


class IdentityWorker:
    name = "identity"

    deps = ServiceDependencies(settings.load, wiring.build_dependencies)

    @setting_timer(settings.load, "key_rotation_check_seconds", eager=True)
    def rotate_signing_keys(self):
        key = signing_keys.rotate_if_due(self.deps, WORKER)
        if key is not None:
            log.info("signing_key_rotated", kid=key.kid)

    @setting_timer(settings.load, "prune_interval_seconds")
    def prune(self):
        pruned = housekeeping.prune(self.deps, WORKER)
        log.info(
            "identity_pruned",
            refresh_tokens=pruned.refresh_tokens,
            failed_attempts=pruned.failed_attempts,
        )
