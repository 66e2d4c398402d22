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
from crm_territory.entrypoints import settings as settings_module
from crm_territory.entrypoints.wiring import build_dependencies
from crm_territory.service_layer.access_state import republish_all
from crm_territory.service_layer.caller import Caller

log = get_logger("crm_territory.republish_access")


def main() -> int:
    settings = settings_module.load()
    configure_logging(settings)
    deps = build_dependencies(settings)
    count = republish_all(deps, Caller.system("territory-republish"))
    log.info("user_access_republished", people=count)
    print(f"republished the scopes of {count} people; territory's relay publishes them")
    return 0


if __name__ == "__main__":
    sys.exit(main())
