"""What every use case is given besides its caller and its arguments.

The convention of every service::

    result = use_case(deps, caller, *, keyword arguments...)

``deps`` is the service's ``Dependencies``: a frozen, keyword-only dataclass subclassing
:class:`Dependencies` that adds the service's own ports. An entrypoint builds it once per process
(``entrypoints/wiring.py: build_dependencies(settings, **overrides)``) and closes it when the
process stops. ``caller`` is a :class:`crm_chassis.caller.Caller`. The public use case opens its
own unit of work (``with deps.uow() as uow: ...; uow.commit()``).

An event handler runs a use case inside its own transaction (inbox row, change and outbox rows
committed together) with ``use_case(deps.joined(uow), caller, ...)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

from crm_chassis.clock import Clock, SystemClock
from crm_chassis.ids import IdGenerator, UuidIds
from crm_chassis.unit_of_work import AbstractUnitOfWork, JoinedUnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies:
    """``uow()`` opens a NEW unit of work per call (one unit of work is one transaction on one
    session, never shared between threads). ``closers`` release what the builder opened (engine,
    channels), run in reverse order by :meth:`close`."""

    uow: Callable[[], AbstractUnitOfWork]
    clock: Clock = field(default_factory=SystemClock)
    ids: IdGenerator = field(default_factory=UuidIds)
    closers: tuple[Callable[[], None], ...] = ()

    def close(self) -> None:
        """Release what ``build_dependencies`` opened; call once, when the process stops."""
        for close in reversed(self.closers):
            close()

    def joined(self, uow: AbstractUnitOfWork, *, savepoint: bool = True) -> Self:
        """A copy whose ``uow()`` joins the open ``uow`` (see
        :class:`crm_chassis.unit_of_work.JoinedUnitOfWork`): the use case shares its transaction,
        runs in a SAVEPOINT and never commits it."""

        def join() -> Any:
            return JoinedUnitOfWork(uow, savepoint=savepoint)

        return dataclasses.replace(self, uow=join)
