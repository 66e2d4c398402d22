"""The cyclic garbage collector tuned for a long-running service process.

CPython runs a young collection after every 700 net allocations of container objects, and
every tenth of those an older one; now and then a full collection walks every tracked object
of the process. A call that builds a few thousand objects (a dashboard's KPIs, a page of 50
leads, a template's context) triggers several young collections, and the occasional full one
over the whole heap lands in some call's time: the tail of the latency. Measured on
reporting's Dashboard over 1,000,000 deals (docs/benchmarks.md, "The collector's share of the
tail"): p99 58.7 ms with CPython's defaults, 36-39 ms with the young threshold raised and the
start-up objects frozen, the median unchanged.

Two settings, applied once the process has built everything it keeps (wiring, SQLAlchemy's
metadata, templates, protobuf descriptors, the gRPC server):
- ``gc.freeze()`` moves every object alive then out of the collector's generations: they live
  as long as the process, so no collection walks them again;
- the young generation's threshold rises to ``CRM_GC_GEN0_THRESHOLD`` (default 50,000), so a
  call's short-lived objects are mostly freed by reference counting before a collection runs;
  the older generations keep CPython's ratios. Cyclic garbage waits a little longer (at most
  that many allocations), a few megabytes at the most.

``CRM_GC_GEN0_THRESHOLD=0`` keeps CPython's defaults (and freezes nothing).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

DEFAULT_GEN0_THRESHOLD = 50_000


def tune_for_service(env: Mapping[str, str] | None = None) -> tuple[int, int, int]:
    """Freeze what the process holds now and raise the young threshold; returns the thresholds
    in force. Call it once, when the process is ready to serve."""
    env = os.environ if env is None else env
    raw = env.get("CRM_GC_GEN0_THRESHOLD", "").strip()
    try:
        gen0 = int(raw) if raw else DEFAULT_GEN0_THRESHOLD
    except ValueError:
        raise ValueError(
            f"CRM_GC_GEN0_THRESHOLD must be a whole number (0 keeps CPython's defaults), not {raw!r}"
        ) from None
    if gen0 < 0:
        raise ValueError(f"CRM_GC_GEN0_THRESHOLD must be 0 or more, not {gen0}")
    if gen0:
        _, gen1, gen2 = gc.get_threshold()
        gc.collect()  # what start-up left as garbage is freed, not frozen
        gc.freeze()
        gc.set_threshold(gen0, gen1, gen2)
    return gc.get_threshold()
