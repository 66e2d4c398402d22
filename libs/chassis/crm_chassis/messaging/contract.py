"""Contract check for a service's tests: its manifest's subscriptions are its worker's handlers.

The topology (declared from manifests) and the worker (declaring its queues itself) must agree,
or events go to queues nobody consumes, or a handler's queue misses its dead-letter setup.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType

from crm_chassis.manifest import ServiceManifest
from crm_chassis.messaging.handlers import idempotent_handlers


def worker_subscriptions(worker_module: ModuleType | str) -> set[tuple[str, str, str, str]]:
    """(source, event, consumer service, method) of every idempotent handler in the module."""
    module = (
        importlib.import_module(worker_module) if isinstance(worker_module, str) else worker_module
    )
    found = set()
    for _, cls in inspect.getmembers(module, inspect.isclass):
        if cls.__module__ != module.__name__:
            continue
        for method, entrypoint in idempotent_handlers(cls):
            found.add(
                (entrypoint.source_service, entrypoint.event_type, getattr(cls, "name", ""), method)
            )
    return found


def assert_manifest_matches_worker(
    manifest: ServiceManifest, worker_module: ModuleType | str
) -> None:
    declared = {(s.source, s.event, s.consumer, s.method) for s in manifest.subscriptions}
    handled = worker_subscriptions(worker_module)

    def show(items: set[tuple[str, str, str, str]]) -> str:
        return "\n".join(
            f"  source={a!r} event={b!r} service={c!r} method={d!r}" for a, b, c, d in sorted(items)
        )

    problems = []
    if handled - declared:
        problems.append(
            "handlers missing from [[subscriptions]] of "
            f"{manifest.root / 'service.toml'}:\n{show(handled - declared)}"
        )
    if declared - handled:
        problems.append(
            f"subscriptions without an idempotent handler in the worker:\n"
            f"{show(declared - handled)}"
        )
    if problems:
        raise AssertionError("\n".join(problems))
