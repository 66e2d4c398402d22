"""Re-derives every read model of reporting from its own event store (docs/services/
reporting.md, "Runbook"), in one transaction. The worker may keep running: the rebuild fence
(``consumption.rebuild``) holds its deliveries until the rebuild has committed, and the events
meanwhile wait in its queues.

    python -m crm_reporting.rebuild [--processes N]

With N > 0 the events are translated and folded in N worker processes while this one reads the
store and writes the read models (default 0: all in this process; on the shared 2-core test
machine the processes did not pay, docs/benchmarks.md).

Its outcome (success or failure, with what it read) is recorded in ``rebuild_runs`` either way;
the worker publishes it as ``crm_reporting_rebuild_failed`` and
``crm_reporting_rebuild_last_success_timestamp_seconds`` (alert ``ReportingRebuildFailed``).
"""

from __future__ import annotations

import argparse
import sys

from crm_chassis.caller import Caller
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer import consumption


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_reporting.rebuild")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="worker processes translating and folding the events (default 0: none)",
    )
    args = parser.parse_args(argv)
    deps = wiring.build_dependencies(settings.load())
    try:
        result = consumption.rebuild(
            deps, Caller.system("reporting-rebuild"), processes=max(0, args.processes)
        )
    finally:
        deps.close()
    print(f"rebuilt {result.aggregates} read models from {result.events} stored events")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
