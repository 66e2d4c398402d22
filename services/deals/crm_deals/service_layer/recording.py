"""Helpers every use case uses to keep history and emit events in the unit of work."""
from __future__ import annotations

from google.protobuf.message import Message

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.service_layer.access import Caller
from crm_deals.service_layer.dependencies import Dependencies


def keep_history(uow, *records) -> None:
    """Hand the records' new history entries to the (append-only) history repository."""
    for record in records:
        entries = record.drain_history()
        if entries:
            uow.history.append(entries)


def publish(uow, event_type: str, message: Message, record, caller: Caller) -> str:
    """Emit ``message`` about ``record`` at its current version, through the outbox."""
    return uow.emit(event_type, message, aggregate_type=record.RECORD_TYPE,
                    aggregate_id=record.id, aggregate_version=record.version, actor=caller.actor)


def require_team_member(deps: Dependencies, team_id: str, user_id: str, field: str) -> str:
    """``user_id`` if it is a current member of ``team_id`` (a record's owner must be)."""
    if user_id not in {m.user_id for m in deps.teams.members(team_id)}:
        raise InvalidArgument(f"user {user_id!r} is not a member of team {team_id!r}; a record's "
                              "owner must be a member of its team", field=field)
    return user_id


def check_version(record, expected_version: int) -> None:
    """Optimistic check asked by the caller: refuse if the record changed since they read it."""
    if expected_version and expected_version != record.version:
        raise FailedPrecondition(f"{record.RECORD_TYPE} {record.id} is at version "
                                 f"{record.version}, not {expected_version}: someone changed it "
                                 "meanwhile; reload and retry", field="expected_version")


def check_fields(fields: dict, allowed: tuple[str, ...], what: str) -> None:
    """Refuse fields an update may not change (e.g. a wrong name in an update mask)."""
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise InvalidArgument(f"{what} field(s) {', '.join(unknown)} cannot be changed here; "
                              f"changeable: {', '.join(allowed)}", field="update_mask")
