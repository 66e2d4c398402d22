"""A worker's dependencies: ONE nameko DependencyProvider for every service.

    class LeadsWorker:
        name = "leads"
        deps = ServiceDependencies(settings.load, wiring.build_dependencies)

        @idempotent_event_handler("deals", "deal_won", DealWon)
        def on_deal_won(self, event, uow):
            scoring.record_outcome(self.deps.joined(uow), Caller.system("leads-worker"), ...)

The settings are loaded and the dependencies built when the worker sets up (never at import,
so importing the module in a test builds nothing), once per worker process; they are closed
when the worker stops. The idempotent handlers open their unit of work from ``deps.uow`` when
the worker class has no ``uow`` dependency of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from nameko.extensions import DependencyProvider
from nameko.timer import Timer

from crm_chassis.settings import ServiceSettings
from crm_chassis.use_cases import Dependencies

S = TypeVar("S", bound=ServiceSettings)
D = TypeVar("D", bound=Dependencies)


class ServiceDependencies(DependencyProvider, Generic[S, D]):  # type: ignore[misc]
    """Gives each handler the worker process's ``Dependencies``."""

    def __init__(self, load_settings: Callable[[], S], build: Callable[[S], D]) -> None:
        self._load_settings = load_settings
        self._build = build
        self.deps: D | None = None

    def setup(self) -> None:
        self.deps = self._build(self._load_settings())

    def get_dependency(self, worker_ctx: Any) -> D:
        if self.deps is None:
            raise RuntimeError("ServiceDependencies used before the worker set it up")
        return self.deps

    def stop(self) -> None:
        self._close()

    def kill(self) -> None:
        self._close()

    def _close(self) -> None:
        deps, self.deps = self.deps, None
        if deps is not None:
            deps.close()


class SettingTimer(Timer):  # type: ignore[misc]
    """A nameko timer whose interval (seconds) is the setting named ``setting``, read when the
    worker starts: the settings are never read at import.

        @setting_timer(settings.load, "prune_interval_seconds")
        def prune(self) -> None: ...
    """

    def __init__(
        self, load_settings: Callable[[], ServiceSettings], setting: str, **kwargs: Any
    ) -> None:
        super().__init__(interval=None, **kwargs)
        self._load_settings = load_settings
        self._setting = setting

    def setup(self) -> None:
        self.interval = float(getattr(self._load_settings(), self._setting))


setting_timer = SettingTimer.decorator
