"""Use cases of duplicate accounts and contacts: finding them, and merging two into one
(rules in domain/duplicates.py).

Visibility (team confidentiality): duplicates are looked for only among the records of the teams
the caller may see, so a record of another team is never named; a merge needs both records
visible to the caller and changeable by them, and both in one team, so it moves nothing out of
any team's sight. A merge is one transaction: the two records, every re-pointed deal, contact,
activity, child account and consent record, their history entries, each moved record's
``*_updated`` event (so every copy elsewhere follows: reporting's deals, the activity feeds) and
the merge event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypeVar

from crm_chassis.errors import InvalidArgument
from crm_deals.domain import duplicates
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.privacy import ConsentRecord
from crm_deals.domain.text import clean_email, clean_phone
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_account_updated, publish_contact_updated
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import check_version, keep_history, publish
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    keys: tuple[str, ...]


def _matches(found: list[tuple[duplicates.AccountOrContact, list[str]]]) -> list[Match]:
    return [Match(r.id, duplicates.duplicate_label(r), tuple(keys)) for r, keys in found]


def account_duplicates_in(
    uow: DealsUnitOfWork, access: Access, account: Account
) -> list[tuple[duplicates.AccountOrContact, list[str]]]:
    """Visible accounts duplicating ``account`` (inside an open unit of work)."""
    candidates = uow.accounts.matching(access.visible_team_ids, duplicates.account_keys(account))
    return duplicates.find_among(account, candidates)


def contact_duplicates_in(
    uow: DealsUnitOfWork, access: Access, contact: Contact
) -> list[tuple[duplicates.AccountOrContact, list[str]]]:
    """Visible contacts duplicating ``contact`` (inside an open unit of work)."""
    candidates = uow.contacts.matching(access.visible_team_ids, duplicates.contact_keys(contact))
    return duplicates.find_among(contact, candidates)


def find_account_duplicates(
    deps: Dependencies,
    caller: Caller,
    *,
    account_id: str = "",
    team_id: str = "",
    name: str = "",
    website: str = "",
    phone: str = "",
) -> list[Match]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        if account_id:
            probe = access.visible(uow.accounts.get(account_id), "account", account_id)
        else:
            if not (name.strip() or website.strip() or phone.strip()):
                raise InvalidArgument(
                    "give account_id, or a name, website or phone to look for", field="name"
                )
            if team_id:
                access.require_member(team_id, "look for duplicates in it")
            probe = _account_probe(team_id, name, website, phone, deps)
        found = account_duplicates_in(uow, access, probe)
        if team_id and not account_id:
            found = [(r, keys) for r, keys in found if r.team_id == team_id]
        return _matches(found)


def find_contact_duplicates(
    deps: Dependencies,
    caller: Caller,
    *,
    contact_id: str = "",
    account_id: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
) -> list[Match]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        if contact_id:
            probe = access.visible(uow.contacts.get(contact_id), "contact", contact_id)
        else:
            if not (email.strip() or phone.strip() or (account_id and last_name.strip())):
                raise InvalidArgument(
                    "give contact_id, or an e-mail, a phone, or an account_id with a last name "
                    "to look for",
                    field="email",
                )
            team_id = ""
            if account_id:
                team_id = access.visible(
                    uow.accounts.get(account_id), "account", account_id
                ).team_id
            probe = Contact(
                id="",
                team_id=team_id,
                account_id=account_id,
                first_name=first_name,
                last_name=last_name,
                owner_user_id="",
                created_at=deps.clock.now(),
                updated_at=deps.clock.now(),
                email=clean_email(email),
                phone=clean_phone(phone),
            )
        return _matches(contact_duplicates_in(uow, access, probe))


def _account_probe(
    team_id: str, name: str, website: str, phone: str, deps: Dependencies
) -> Account:
    """Account data about to be created, only to be compared (never stored)."""
    at = deps.clock.now()
    return Account(
        id="",
        team_id=team_id,
        name=name,
        owner_user_id="",
        created_at=at,
        updated_at=at,
        website=website,
        phone=clean_phone(phone),
    )


R = TypeVar("R", Account, Contact)


def _both(
    access: Access,
    found_survivor: R | None,
    found_duplicate: R | None,
    kind: str,
    survivor_id: str,
    duplicate_id: str,
) -> tuple[R, R]:
    if not (survivor_id or "").strip():
        raise InvalidArgument(
            f"survivor_id is required: the {kind} that stays", field="survivor_id"
        )
    if not (duplicate_id or "").strip():
        raise InvalidArgument(
            f"duplicate_id is required: the {kind} merged into the survivor", field="duplicate_id"
        )
    survivor = access.visible(found_survivor, kind, survivor_id)
    duplicate = access.visible(found_duplicate, kind, duplicate_id)
    access.require_edit(survivor, f"merge into this {kind}")
    access.require_edit(duplicate, f"merge this {kind} away")
    duplicates.check_merge(survivor, duplicate)
    return survivor, duplicate


def _moved_deal(
    uow: DealsUnitOfWork, caller: Caller, deal: Opportunity, field: str, note: str
) -> None:
    uow.opportunities.save(deal)
    keep_history(uow, deal)
    publish(uow, "deal_updated", event_messages.deal_updated(deal, [field], note), deal, caller)


def _move_activities(
    uow: DealsUnitOfWork,
    caller: Caller,
    target: tuple[str, str],
    survivor_id: str,
    at: dt.datetime,
    note: str,
) -> None:
    for activity in uow.activities.on_targets([target]):
        duplicates.repoint(activity, caller.actor, at, "target_id", survivor_id, note)
        uow.activities.save(activity)
        keep_history(uow, activity)
        message = event_messages.activity_updated(activity, ["target_id"])
        publish(uow, "activity_updated", message, activity, caller)


def merge_accounts(
    deps: Dependencies,
    caller: Caller,
    survivor_id: str,
    duplicate_id: str,
    *,
    expected_version: int = 0,
) -> Account:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        survivor, duplicate = _both(
            access,
            uow.accounts.get(survivor_id),
            uow.accounts.get(duplicate_id),
            "account",
            survivor_id,
            duplicate_id,
        )
        check_version(survivor, expected_version)
        at = deps.clock.now()
        note = f"account {duplicate.id} merged into {survivor.id}"
        duplicates.merge(survivor, duplicate, caller.actor, at)
        moved_deals, moved_contacts = [], []
        for deal in uow.opportunities.for_account(duplicate.id):
            duplicates.repoint(deal, caller.actor, at, "account_id", survivor.id, note)
            _moved_deal(uow, caller, deal, "account_id", note)
            moved_deals.append(deal.id)
        for contact in uow.contacts.for_account(duplicate.id):
            duplicates.repoint(contact, caller.actor, at, "account_id", survivor.id, note)
            uow.contacts.save(contact)
            keep_history(uow, contact)
            publish_contact_updated(uow, contact, caller, ["account_id"])
            moved_contacts.append(contact.id)
        _move_activities(uow, caller, ("account", duplicate.id), survivor.id, at, note)
        for child in uow.accounts.children(duplicate.id):
            if child.id == survivor.id:
                continue
            duplicates.repoint(child, caller.actor, at, "parent_account_id", survivor.id, note)
            uow.accounts.save(child)
            keep_history(uow, child)
            publish_account_updated(uow, child, caller, ["parent_account_id"])
        if survivor.parent_account_id == duplicate.id:  # it was under the duplicate: now top
            duplicates.repoint(survivor, caller.actor, at, "parent_account_id", "", note)
        for record in (survivor, duplicate):
            uow.accounts.save(record)
            keep_history(uow, record)
        publish(
            uow,
            "account_merged",
            event_messages.account_merged(survivor, duplicate, moved_deals, moved_contacts),
            survivor,
            caller,
        )
        uow.commit()
    return survivor


def merge_contacts(
    deps: Dependencies,
    caller: Caller,
    survivor_id: str,
    duplicate_id: str,
    *,
    expected_version: int = 0,
) -> Contact:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        survivor, duplicate = _both(
            access,
            uow.contacts.get(survivor_id),
            uow.contacts.get(duplicate_id),
            "contact",
            survivor_id,
            duplicate_id,
        )
        check_version(survivor, expected_version)
        at = deps.clock.now()
        note = f"contact {duplicate.id} merged into {survivor.id}"
        duplicates.merge(survivor, duplicate, caller.actor, at)
        moved_deals = []
        for deal in uow.opportunities.for_account(duplicate.account_id):
            if deal.primary_contact_id == duplicate.id:
                duplicates.repoint(deal, caller.actor, at, "primary_contact_id", survivor.id, note)
                _moved_deal(uow, caller, deal, "primary_contact_id", note)
                moved_deals.append(deal.id)
        _move_activities(uow, caller, ("contact", duplicate.id), survivor.id, at, note)
        for consent in uow.consents.for_contact(duplicate.id):  # copied: both keep theirs
            uow.consents.add(
                ConsentRecord(
                    contact_id=survivor.id,
                    channel=consent.channel,
                    granted=consent.granted,
                    source=consent.source,
                    recorded_at=consent.recorded_at,
                    recorded_by=consent.recorded_by,
                )
            )
        for record in (survivor, duplicate):
            uow.contacts.save(record)
            keep_history(uow, record)
        publish(
            uow,
            "contact_merged",
            event_messages.contact_merged(survivor, duplicate, moved_deals),
            survivor,
            caller,
        )
        uow.commit()
    return survivor
