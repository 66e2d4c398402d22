"""Helpers every use case uses to keep history and emit events in the unit of work."""

from __future__ import annotations

from typing import Any, TypeVar

from google.protobuf.message import Message

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.history import Recorded
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork

T = TypeVar("T")


def referenced(record: T | None, what: str, record_id: str) -> T:
    """A record another one refers to (a deal's account and pipeline, an invoice's order): it
    exists, as records are never deleted; a missing one is a broken reference, a bug."""
    if record is None:
        raise RuntimeError(f"{what} {record_id!r} is referenced but does not exist")
    return record


def keep_history(uow: DealsUnitOfWork, *records: Recorded) -> None:
    """Hand the records' new history entries to the (append-only) history repository."""
    for record in records:
        entries = record.drain_history()
        if entries:
            uow.history.append(entries)


def publish(
    uow: DealsUnitOfWork, event_type: str, message: Message, record: Any, caller: Caller
) -> str:
    """Emit ``message`` about ``record`` at its current version, through the outbox."""
    return uow.emit(
        event_type,
        message,
        aggregate_type=record.RECORD_TYPE,
        aggregate_id=record.id,
        aggregate_version=record.version,
        actor=caller.actor,
    )


def require_team_member(
    deps: Dependencies,
    team_id: str,
    user_id: str,
    field: str,
    cache: dict[str, Any] | None = None,
) -> str:
    """``user_id`` if it is a current member of ``team_id`` (a record's owner must be). With
    ``cache`` (an import batch's), each team's members are read once for all its rows."""
    members = None if cache is None else cache.get(f"members:{team_id}")
    if members is None:
        members = {m.user_id for m in deps.teams.members(team_id)}
        if cache is not None:
            cache[f"members:{team_id}"] = members
    if user_id not in members:
        raise InvalidArgument(
            f"user {user_id!r} is not a member of team {team_id!r}; a record's "
            "owner must be a member of its team",
            field=field,
        )
    return user_id


def check_version(record: Any, expected_version: int) -> None:
    """Optimistic check asked by the caller: refuse if the record changed since they read it."""
    if expected_version and expected_version != record.version:
        raise FailedPrecondition(
            f"{record.RECORD_TYPE} {record.id} is at version "
            f"{record.version}, not {expected_version}: someone changed it "
            "meanwhile; reload and retry",
            field="expected_version",
        )


def check_fields(fields: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """Refuse fields an update may not change (e.g. a wrong name in an update mask)."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise InvalidArgument(
            f"{what} field(s) {', '.join(unknown)} cannot be changed here; "
            f"changeable: {', '.join(allowed)}",
            field="update_mask",
        )
