"""Use cases: capture a lead (idempotent, duplicate-aware), read, update and merge leads."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crm_chassis.caller import Caller, require_authenticated
from crm_chassis.errors import AlreadyExists, FailedPrecondition, InvalidArgument, ValidationErrors
from crm_leads.domain import capture
from crm_leads.domain.access import Scope
from crm_leads.domain.duplicates import DuplicateKeys, describe, find_among
from crm_leads.domain.lead import Lead
from crm_leads.domain.values import LeadData
from crm_leads.service_layer.authorization import require_capturer
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.lead_access import changeable_lead, visible_lead
from crm_leads.service_layer.publishing import HELD_BACK_IN_BATCH, save_changes
from crm_leads.service_layer.scoring import rescore
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork

MAX_IDEMPOTENCY_KEY = 200


class DuplicatePolicy(enum.Enum):
    REJECT = "reject"
    MERGE = "merge"


@dataclass(frozen=True)
class CaptureResult:
    lead: Lead
    visible: bool  # False: the caller may not see the lead and gets only its id back
    merged: bool = False
    replayed: bool = False


# json.dumps(..., sort_keys=True, default=str) with its encoder made once, not per request.
_FINGERPRINT_JSON = json.JSONEncoder(sort_keys=True, default=str)


def request_fingerprint(values: Mapping[str, Any], policy: DuplicatePolicy) -> str:
    raw = _FINGERPRINT_JSON.encode({"values": values, "policy": policy.value})
    return hashlib.sha256(raw.encode()).hexdigest()


def check_campaign(uow: LeadsUnitOfWork, data: LeadData) -> None:
    campaign_id = data.source.campaign_id
    if campaign_id and uow.campaigns.get(campaign_id) is None:
        raise ValidationErrors(
            [
                (
                    "source.campaign_id",
                    f"campaign {campaign_id} does not exist; "
                    "create it first or leave the field "
                    "empty",
                )
            ]
        )


_KEY_FIELDS = {"email": "person.email", "phone": "person.phone", "company_person": "company.name"}


MERGE_ON_CAPTURE = "capture with on_duplicate=MERGE to add the new data to it"
MERGE_LEADS = "merge the two leads with MergeLeads"


def duplicate_error(
    existing: Lead, keys: list[str], scope: Scope, remedy: str = MERGE_ON_CAPTURE
) -> AlreadyExists:
    what = describe(keys)
    field = _KEY_FIELDS[keys[0]]
    if scope.can_see(existing):
        name = existing.data.person.full_name or existing.data.person.email or existing.id
        return AlreadyExists(
            f"lead {existing.id} ({name}) already has the same {what}; open that lead, or {remedy}",
            field=field,
            details={"existing_lead_id": existing.id, "matched_on": ",".join(keys)},
        )
    return hidden_duplicate_error(keys)


def hidden_duplicate_error(keys: list[str]) -> AlreadyExists:
    """The one answer for a duplicate outside the caller's scope, whatever was asked (reject,
    merge, import, update): no id, name or field of that lead, and nothing written."""
    return AlreadyExists(
        f"a lead with the same {describe(keys)} already exists outside the teams you may see, "
        "so nothing was created or changed (a capture merges only into a lead you may "
        "see); its team works that person -- if they belong to your team, ask your manager to "
        "have the lead handed over",
        field=_KEY_FIELDS[keys[0]],
        details={"matched_on": ",".join(keys)},
    )


def _duplicate_of(
    uow: LeadsUnitOfWork,
    data: LeadData,
    candidates: list[Lead],
    scope: Scope,
    policy: DuplicatePolicy,
) -> tuple[Lead, list[str]] | None:
    """The lead to merge ``data`` into, None when there is no duplicate, or ALREADY_EXISTS.

    Only a duplicate the caller may see is named or merged into (the oldest such); a
    duplicate outside the scope answers :func:`hidden_duplicate_error` for every policy."""
    duplicates = find_among(data, candidates)
    if not duplicates:
        return None
    visible = [(lead, keys) for lead, keys in duplicates if scope.can_see(lead)]
    if policy is not DuplicatePolicy.MERGE or not visible:
        existing, keys = (visible or duplicates)[0]
        raise duplicate_error(existing, keys, scope)
    existing, keys = visible[0]
    locked = uow.leads.get(existing.id)  # locked (and re-read) before it is changed
    if locked is None or not scope.can_see(locked):  # moved away meanwhile
        raise hidden_duplicate_error(keys)
    return locked, keys


def capture_in(
    uow: LeadsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    scope: Scope,
    *,
    key_owner: str,
    key: str,
    fingerprint: str,
    data: LeadData,
    policy: DuplicatePolicy,
    now: dt.datetime,
    announced_later: list[Lead] | None = None,
    data_keys: DuplicateKeys | None = None,
) -> CaptureResult:
    """The capture itself, inside the caller's unit of work (shared by API and import).
    A replay (``replayed``) changes nothing: the caller need not commit.

    With ``announced_later`` (the import's bulk lane), a created lead's lead_created and
    lead_scored are not emitted: the lead is appended there and its batch announces it in one
    leads_captured. ``data_keys``: the data's duplicate keys, when the caller has them already."""
    if data_keys is None:
        data_keys = DuplicateKeys.of(data)
    found = uow.capture_lookup(key_owner, key, data_keys)
    if found.previous is not None:
        stored_fingerprint, _ = found.previous
        if stored_fingerprint != fingerprint:
            raise InvalidArgument(
                f"idempotency key '{key}' was already used for another lead; "
                "use a new key for new data",
                field="idempotency_key",
            )
        lead = found.previous_lead
        assert lead is not None  # the lead an idempotency key names is never deleted
        return CaptureResult(lead, scope.can_see(lead), replayed=True)
    check_campaign(uow, data)
    actor = caller.actor
    duplicate = _duplicate_of(uow, data, found.duplicates, scope, policy)
    if duplicate is not None:
        existing, keys = duplicate
        existing.absorb(data, actor, now, f"captured again with the same {describe(keys)}")
        rescore(uow, existing, now)
        save_changes(uow, existing, actor)
        uow.idempotency.add(key_owner, key, fingerprint, existing.id)
        return CaptureResult(existing, scope.can_see(existing), merged=True)
    lead = Lead.capture(deps.ids.new_id(), data, actor, now)
    uow.leads.add(lead)
    rescore(uow, lead, now, captured=True)
    if announced_later is not None:
        lead.new_events[:] = [e for e in lead.new_events if e.event_type not in HELD_BACK_IN_BATCH]
        announced_later.append(lead)
    save_changes(uow, lead, actor)
    uow.idempotency.add(key_owner, key, fingerprint, lead.id)
    return CaptureResult(lead, scope.can_see(lead))


def check_key(key: str, field: str = "idempotency_key") -> str:
    key = (key or "").strip()
    if not key:
        raise InvalidArgument(
            f"{field} is required (1..{MAX_IDEMPOTENCY_KEY} characters): choose "
            "one per lead you submit, and send the same one on a retry",
            field=field,
        )
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidArgument(
            f"{field} is too long: at most {MAX_IDEMPOTENCY_KEY} characters, "
            f"got {len(key)}; use a shorter key (e.g. a hash of a long one), "
            "the same one on a retry",
            field=field,
        )
    return key


def create_lead(
    deps: Dependencies,
    caller: Caller | None,
    *,
    idempotency_key: str,
    values: Mapping[str, Any],
    on_duplicate: DuplicatePolicy = DuplicatePolicy.REJECT,
) -> CaptureResult:
    """Capture a lead. Any person may; a service account needs capture_leads (web forms
    capture with one that sees no team). The answer holds the whole lead only if the caller
    may see it."""
    caller = require_capturer(caller)
    key = check_key(idempotency_key)
    now = deps.clock.now()
    data = capture.build(values, now=now)
    scope = deps.scopes.scope_of(caller.subject_id)
    fingerprint = request_fingerprint(values, on_duplicate)
    with deps.uow() as uow:
        created = capture_new(uow, deps, caller, scope, key, fingerprint, data, now)
    if created is not None:
        return created
    with deps.uow() as uow:  # the key is known or a duplicate exists: replay, refuse or merge
        result = capture_in(
            uow,
            deps,
            caller,
            scope,
            key_owner=caller.subject_id,
            key=key,
            fingerprint=fingerprint,
            data=data,
            policy=on_duplicate,
            now=now,
        )
        if not result.replayed:
            uow.commit()
    return result


def capture_new(
    uow: LeadsUnitOfWork,
    deps: Dependencies,
    caller: Caller,
    scope: Scope,
    key: str,
    fingerprint: str,
    data: LeadData,
    now: dt.datetime,
) -> CaptureResult | None:
    """The common capture (a new key, no duplicate) committed in one step
    (``uow.capture_new``), or None with nothing written when the key or a duplicate is found,
    or the campaign is unknown: :func:`capture_in` then decides and answers in its order
    (key first)."""
    campaign_id = data.source.campaign_id
    if campaign_id and uow.campaigns.get(campaign_id) is None:
        return None
    actor = caller.actor
    created: list[Lead] = []

    def write() -> None:
        lead = Lead.capture(deps.ids.new_id(), data, actor, now)
        uow.leads.add(lead)
        rescore(uow, lead, now, captured=True)
        save_changes(uow, lead, actor)
        uow.idempotency.add(caller.subject_id, key, fingerprint, lead.id)
        created.append(lead)

    if not uow.capture_new(caller.subject_id, key, DuplicateKeys.of(data), write):
        return None
    return CaptureResult(created[0], scope.can_see(created[0]))


def get_lead(deps: Dependencies, caller: Caller | None, lead_id: str) -> Lead:
    scope = deps.scopes.scope_of(require_authenticated(caller).subject_id)
    with deps.uow() as uow:
        return visible_lead(uow, scope, lead_id, for_update=False)


def check_version(lead: Lead, expected_version: int) -> None:
    if expected_version and expected_version != lead.version:
        raise FailedPrecondition(
            f"lead {lead.id} changed since you read it (it is at version "
            f"{lead.version}, you had {expected_version}); reload it and "
            "apply your change again",
            field="expected_version",
        )


def update_lead(
    deps: Dependencies,
    caller: Caller | None,
    lead_id: str,
    values: Mapping[str, Any],
    *,
    expected_version: int = 0,
) -> Lead:
    """Change the given fields (path -> new raw value; "" clears a field)."""
    caller = require_authenticated(caller)
    if not values:
        raise InvalidArgument("update_mask names no field to change", field="update_mask")
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        lead = changeable_lead(uow, scope, lead_id)
        lead.ensure_editable()
        check_version(lead, expected_version)
        data = capture.build(values, base=lead.data, now=now)
        duplicates = find_among(
            data, uow.leads.find_duplicates(DuplicateKeys.of(data)), exclude_id=lead.id
        )
        if duplicates:
            existing, keys = next(
                ((lead, keys) for lead, keys in duplicates if scope.can_see(lead)), duplicates[0]
            )
            raise duplicate_error(existing, keys, scope, MERGE_LEADS)
        if data.source.campaign_id != lead.data.source.campaign_id:
            check_campaign(uow, data)
        if lead.update(data, caller.actor, now):
            rescore(uow, lead, now)
            save_changes(uow, lead, caller.actor)
            uow.commit()
        return lead


def merge_leads(
    deps: Dependencies, caller: Caller | None, survivor_lead_id: str, duplicate_lead_id: str
) -> Lead:
    """Merge a duplicate into a survivor; the caller must be allowed to change both."""
    caller = require_authenticated(caller)
    scope = deps.scopes.scope_of(caller.subject_id)
    now = deps.clock.now()
    with deps.uow() as uow:
        survivor = changeable_lead(uow, scope, survivor_lead_id)
        duplicate = changeable_lead(uow, scope, duplicate_lead_id)
        survivor.ensure_editable()
        survivor.merge_in(duplicate, caller.actor, now)
        uow.activities.move(duplicate.id, survivor.id)
        uow.interactions.move(duplicate.id, survivor.id)
        rescore(uow, survivor, now)
        save_changes(uow, duplicate, caller.actor)
        save_changes(uow, survivor, caller.actor)
        uow.commit()
        return survivor
