"""Duplicate accounts and contacts, and the merge of two of them into one.

Keys (the chassis' matching rule, the one leads use, ``crm_chassis.matching``):
- an account: its ``name`` (case-, accent- and punctuation-insensitive, legal form dropped,
  Persian/Hebrew/Arabic letters compared as leads compare them), its web ``domain`` (host
  without ``www.``), its ``phone`` (digits);
- a contact: its ``email`` (lower-cased), its ``phone`` (digits), its ``name`` within its
  account (first and last name).
Two records sharing one key are likely duplicates. Merged records take no part.

A merge keeps both histories: the survivor fills its empty fields from the duplicate (its own
values win), takes the addresses and social profiles it lacks, and lists the duplicate in
``merged_ids`` (its history is read with theirs); the duplicate becomes read-only with
``merged_into_id`` pointing at the survivor. What referred to the duplicate (deals, contacts,
activities, child accounts) is re-pointed by the use case, each with its own history entry.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_chassis.matching import company_key, person_key, phone_key, web_domain
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.history import Recorded, diff

ACCOUNT_KEYS = ("name", "domain", "phone")
CONTACT_KEYS = ("email", "phone", "name")
_KEY_WORDS = {"name": "name", "domain": "web domain", "phone": "phone", "email": "e-mail"}

AccountOrContact = Account | Contact


def account_keys(account: Account) -> dict[str, str]:
    return {
        "name": company_key(account.name),
        "domain": web_domain(account.website),
        "phone": phone_key(account.phone),
    }


def contact_keys(contact: Contact) -> dict[str, str]:
    person = person_key(contact.first_name, contact.last_name)
    return {
        "email": contact.email.strip().lower(),
        "phone": phone_key(contact.phone),
        "name": f"{contact.account_id}|{person}" if person else "",
    }


def keys_of(record: AccountOrContact) -> dict[str, str]:
    return account_keys(record) if isinstance(record, Account) else contact_keys(record)


def shared_keys(one: dict[str, str], other: dict[str, str]) -> list[str]:
    """Names of the keys both have set and equal, e.g. ["name", "phone"]."""
    return [name for name, value in one.items() if value and other.get(name) == value]


def describe(keys: list[str]) -> str:
    return " and ".join(_KEY_WORDS[key] for key in keys)


def find_among(
    record: AccountOrContact, candidates: list[Any]
) -> list[tuple[AccountOrContact, list[str]]]:
    """The candidates duplicating ``record`` with the keys they share, oldest first; the record
    itself and merged records left out."""
    keys = keys_of(record)
    found = []
    for candidate in sorted(candidates, key=lambda c: (c.created_at, c.id)):
        if candidate.id == record.id or candidate.merged_into_id:
            continue
        shared = shared_keys(keys, keys_of(candidate))
        if shared:
            found.append((candidate, shared))
    return found


def require_not_merged(record: AccountOrContact, field: str = "id") -> None:
    """A merged-away record takes no change and nothing new attached to it (an activity, a
    contact, a deal, a consent, a place in a hierarchy): the refusal names the survivor."""
    if record.merged_into_id:
        raise FailedPrecondition(
            f"{record.RECORD_TYPE} {record.id} was merged into {record.merged_into_id} and is "
            f"read-only; work on {record.merged_into_id}",
            field=field,
        )


def check_merge(survivor: AccountOrContact, duplicate: AccountOrContact) -> None:
    """Refuses a merge that would lose or move data out of sight (before anything changes)."""
    kind = survivor.RECORD_TYPE
    if survivor.id == duplicate.id:
        raise InvalidArgument(f"a {kind} cannot be merged into itself", field="duplicate_id")
    require_not_merged(survivor)
    require_not_merged(duplicate)
    if survivor.team_id != duplicate.team_id:
        raise FailedPrecondition(
            f"{kind} {duplicate.id} belongs to team {duplicate.team_id}, {survivor.id} to team "
            f"{survivor.team_id}; transfer one to the other's team first (a merge never moves "
            "records between teams)",
            field="duplicate_id",
        )


_FILLED_FROM_DUPLICATE = {
    "account": ("industry", "website", "phone", "parent_account_id"),
    "contact": ("first_name", "email", "phone", "job_title", "language"),
}


def merge(
    survivor: AccountOrContact, duplicate: AccountOrContact, actor: Actor, at: dt.datetime
) -> None:
    """Merges ``duplicate`` into ``survivor`` (both checked by :func:`check_merge`)."""
    kind = survivor.RECORD_TYPE
    updates: dict[str, Any] = {
        name: getattr(duplicate, name)
        for name in _FILLED_FROM_DUPLICATE[kind]
        if not getattr(survivor, name) and getattr(duplicate, name)
    }
    if updates.get("parent_account_id") == survivor.id:
        del updates["parent_account_id"]
    not_taken = [
        f"{name}={getattr(duplicate, name)}"
        for name in _FILLED_FROM_DUPLICATE[kind]
        if getattr(duplicate, name) and name not in updates and getattr(survivor, name)
        if getattr(survivor, name) != getattr(duplicate, name)
    ]
    if isinstance(survivor, Account) and isinstance(duplicate, Account):
        kinds = {a.kind for a in survivor.addresses}
        extra = tuple(a for a in duplicate.addresses if a.kind not in kinds)
        if extra:
            updates["addresses"] = survivor.addresses + extra
        networks = {p.network for p in survivor.social_profiles}
        profiles = tuple(p for p in duplicate.social_profiles if p.network not in networks)
        if profiles:
            updates["social_profiles"] = survivor.social_profiles + profiles
    if isinstance(duplicate, Contact) and "email" in updates:  # the address with its consent
        updates["email_consent"] = duplicate.email_consent
    updates["merged_ids"] = (*survivor.merged_ids, duplicate.id, *duplicate.merged_ids)
    changes = diff(survivor, updates)
    for name, (_, new) in changes.items():
        setattr(survivor, name, new)
    note = f"merged {kind} {duplicate.id} ({duplicate_label(duplicate)}) into this one"
    if not_taken:
        note += "; its values not taken: " + ", ".join(not_taken)
    survivor._record(actor, at, "merged", changes, note=note)
    duplicate.merged_into_id = survivor.id
    duplicate._record(
        actor,
        at,
        "merged_into",
        {"merged_into_id": ("", survivor.id)},
        note=f"merged into {kind} {survivor.id}",
    )


def duplicate_label(record: AccountOrContact) -> str:
    return record.name if isinstance(record, Account) else record.full_name


def repoint(
    record: Recorded, actor: Actor, at: dt.datetime, field: str, survivor_id: str, note: str
) -> bool:
    """Points ``record``'s ``field`` at the survivor of a merge, with its history entry; True
    when it changed."""
    changes = diff(record, {field: survivor_id})
    if not changes:
        return False
    setattr(record, field, survivor_id)
    record._record(actor, at, "updated", changes, note=note)
    return True
