"""Personal data in leads: a person's export, and leads' step of deals' erasure saga.

deals coordinates an erasure (its ``personal_data_erasure_requested``); leads erases the
person's leads in the handler's transaction and confirms with ``personal_data_erased`` naming
what it erased (nothing found is a confirmation too). A redelivered request is dropped by the
inbox; a request handled again anyway finds nothing left and confirms again, which deals ignores.
"""

from __future__ import annotations

import json
from typing import Any

from crm.leads.v1 import events_pb2
from crm_chassis import privacy
from crm_chassis.caller import Caller
from crm_leads.service_layer.dependencies import Dependencies

SERVICE = "leads"


def export_person(
    deps: Dependencies, caller: Caller, email: str
) -> tuple[str, dict[str, list[Any]]]:
    """(normalised e-mail, kind -> records) of everything leads holds about the person."""
    privacy.require_data_protection_officer(caller, "exporting a person's data")
    email = privacy.subject_email(email)
    with deps.uow() as uow:
        return email, uow.personal_data.find(email)


def erase_person(
    deps: Dependencies, caller: Caller, *, request_id: str, email: str
) -> dict[str, int]:
    """In one transaction: erase the person and emit the confirmation; kind -> records."""
    email = privacy.subject_email(email)
    with deps.uow() as uow:
        erased = {kind: n for kind, n in uow.personal_data.erase(email).items() if n}
        uow.emit(
            "personal_data_erased",
            events_pb2.PersonalDataErased(request_id=request_id, erased=erased),
            aggregate_type="privacy_request",
            aggregate_id=request_id,
            aggregate_version=1,
            actor=caller.actor,
        )
        uow.commit()
    return erased


def document_json(document: dict[str, list[Any]]) -> str:
    return json.dumps(document, ensure_ascii=False, sort_keys=True, default=str)
