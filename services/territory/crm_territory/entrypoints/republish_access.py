"""``python -m crm_territory.entrypoints.republish_access``: publish every person's current
scopes again (``user_access_changed``), for a consumer whose access replica is empty or behind —
a service deployed after the snapshots were published, or a replica restored from a backup.

Run it where territory's settings are (e.g. ``kubectl exec deploy/territory-worker -- python -m
crm_territory.entrypoints.republish_access``); territory's relay publishes the events. Safe to
repeat: replicas keep the newest snapshot. Runbook: docs/operations.md, "A replica is empty".
"""

from __future__ import annotations

import sys

from crm_chassis.logging import configure_logging, get_logger
from crm_territory.entrypoints import settings, wiring
from crm_territory.service_layer.access_state import republish_all
from crm_territory.service_layer.caller import Caller

log = get_logger("crm_territory.republish_access")


def main() -> int:
    loaded = settings.load()
    configure_logging(loaded)
    deps = wiring.build_dependencies(loaded)
    try:
        count = republish_all(deps, Caller.system("territory-republish"))
    finally:
        deps.close()
    log.info("user_access_republished", people=count)
    print(f"republished the scopes of {count} people; territory's relay publishes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
