"""reporting's step of deals' erasure saga.

deals coordinates an erasure (its ``personal_data_erasure_requested``); reporting tombstones the
person's values in its event store (adapters/event_tombstones.py) and confirms with
``personal_data_erased`` naming what it erased, in one transaction: the confirmation is in the
outbox exactly when the store is clean, and reporting's relay publishes it. Nothing found is a
confirmation too. A redelivered request is dropped by the inbox; one handled again anyway finds
nothing left and confirms again, which deals ignores. The read models keep no personal data
(ids, amounts, times), so a rebuild from the tombstoned store brings nothing back.
"""

from __future__ import annotations

from crm.reporting.v1 import events_pb2
from crm_chassis import privacy
from crm_chassis.caller import SYSTEM, Caller
from crm_chassis.errors import PermissionDenied
from crm_reporting.service_layer.dependencies import Dependencies

SERVICE = "reporting"
PERSONAL_DATA_ERASED = "personal_data_erased"
#: what reporting's confirmation counts: stored events whose body was tombstoned.
EVENTS = "events"


def erase_person(
    deps: Dependencies, caller: Caller, *, request_id: str, email: str
) -> dict[str, int]:
    """In one transaction: tombstone the person in the event store and emit the confirmation;
    kind -> records erased (empty: nothing found)."""
    if caller.kind != SYSTEM:
        raise PermissionDenied("only reporting's worker may erase a person's data")
    email = privacy.subject_email(email)
    with deps.uow() as uow:
        changed = uow.events.tombstone(email)
        erased = {EVENTS: changed} if changed else {}
        uow.emit(
            PERSONAL_DATA_ERASED,
            events_pb2.PersonalDataErased(request_id=request_id, erased=erased),
            aggregate_type="privacy_request",
            aggregate_id=request_id,
            aggregate_version=1,
            actor=caller.actor,
        )
        uow.commit()
    return erased
