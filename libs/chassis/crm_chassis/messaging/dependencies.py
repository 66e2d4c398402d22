"""nameko dependency providers of the chassis."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from nameko.extensions import DependencyProvider

from crm_chassis.settings import ServiceSettings
from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

UnitOfWorkFactory = Callable[[], SqlAlchemyUnitOfWork]


class UnitOfWorkProvider(DependencyProvider):  # type: ignore[misc]  # nameko is untyped
    """Injects a zero-arg callable that opens a fresh unit of work (one per event, never shared).

    ``factory(settings) -> callable`` runs once in ``setup()`` with the worker's settings
    (``settings_cls.load(<nameko service name>)``), so the engine and its pool are built once per
    process::

        class LeadsWorker:
            name = "leads"
            uow = UnitOfWorkProvider(lambda settings: partial(
                LeadsUnitOfWork, make_session_factory(make_service_engine(settings))))
    """

    def __init__(
        self,
        factory: Callable[[ServiceSettings], UnitOfWorkFactory],
        settings_cls: type[ServiceSettings] = ServiceSettings,
    ) -> None:
        self._factory = factory
        self._settings_cls = settings_cls
        self._make_uow: UnitOfWorkFactory | None = None

    def setup(self) -> None:
        settings = self._settings_cls.load(self.container.service_name)
        self._make_uow = self._factory(settings)
        if not callable(self._make_uow):
            raise TypeError(
                f"UnitOfWorkProvider factory returned {self._make_uow!r}, "
                "expected a zero-arg callable creating a unit of work"
            )

    def get_dependency(self, worker_ctx: Any) -> UnitOfWorkFactory | None:
        return self._make_uow
