"""Use cases of accounts and contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from crm_chassis.errors import InvalidArgument
from crm_deals.domain.accounts import (
    CHURN_AFTER_DAYS,
    CHURN_RULE_REASON,
    RELATIONSHIPS,
    Account,
    Contact,
)
from crm_deals.domain.duplicates import require_not_merged
from crm_deals.domain.text import require_id
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.ports import SUPERVISOR
from crm_deals.service_layer.recording import (
    check_fields,
    check_version,
    keep_history,
    publish,
    require_team_member,
)
from crm_deals.service_layer.repositories import FIRST_PAGE, AccountFilter, Page, PageQuery
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def publish_relationship(
    uow: DealsUnitOfWork, account: Account, caller: Caller, previous: str, reason: str
) -> None:
    publish(
        uow,
        "account_relationship_changed",
        event_messages.account_relationship_changed(account, previous, reason),
        account,
        caller,
    )


def publish_account_updated(
    uow: DealsUnitOfWork, account: Account, caller: Caller, changed: list[str]
) -> None:
    publish(
        uow, "account_updated", event_messages.account_updated(account, changed), account, caller
    )


def publish_contact_updated(
    uow: DealsUnitOfWork, contact: Contact, caller: Caller, changed: list[str]
) -> None:
    publish(
        uow, "contact_updated", event_messages.contact_updated(contact, changed), contact, caller
    )


def create_account(
    deps: Dependencies,
    caller: Caller,
    *,
    team_id: str,
    name: str,
    owner_user_id: str = "",
    industry: str = "",
    website: str = "",
    phone: str = "",
) -> Account:
    access = Access.of(caller, deps.scopes)
    team_id = require_id(team_id, "team_id")
    access.require_member(team_id, "create accounts in it")
    owner = require_team_member(deps, team_id, owner_user_id or caller.subject_id, "owner_user_id")
    with deps.uow() as uow:
        account = Account.create(
            id=deps.ids.new_id(),
            team_id=team_id,
            name=name,
            owner_user_id=owner,
            industry=industry,
            website=website,
            phone=phone,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.accounts.add(account)
        keep_history(uow, account)
        publish(uow, "account_created", event_messages.account_created(account), account, caller)
        uow.commit()
    return account


def get_account(deps: Dependencies, caller: Caller, account_id: str) -> Account:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.accounts.get(account_id), "account", account_id)


def list_accounts(
    deps: Dependencies, caller: Caller, filter: AccountFilter, page: PageQuery
) -> Page[Account]:
    if filter.relationship and filter.relationship not in RELATIONSHIPS:
        raise InvalidArgument(
            f"relationship must be one of {', '.join(RELATIONSHIPS)}", field="relationship"
        )
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return uow.accounts.list(access.visible_team_ids, filter, page)


def update_account(
    deps: Dependencies, caller: Caller, account_id: str, *, expected_version: int = 0, **fields: Any
) -> Account:
    check_fields(fields, ("name", "industry", "website", "phone", "owner_user_id"), "account")
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        account = access.visible(uow.accounts.get(account_id), "account", account_id)
        require_not_merged(account)
        access.require_edit(account, "change this account")
        check_version(account, expected_version)
        if fields.get("owner_user_id"):
            require_team_member(deps, account.team_id, fields["owner_user_id"], "owner_user_id")
        changed = account.update(caller.actor, deps.clock.now(), **fields)
        if changed:
            uow.accounts.save(account)
            keep_history(uow, account)
            publish_account_updated(uow, account, caller, changed)
            uow.commit()
    return account


def mark_account_churned(
    deps: Dependencies, caller: Caller, account_id: str, reason: str
) -> Account:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        account = access.visible(uow.accounts.get(account_id), "account", account_id)
        require_not_merged(account)
        access.require_role(account.team_id, SUPERVISOR, "mark an account churned")
        previous = account.relationship
        account.mark_churned(caller.actor, deps.clock.now(), reason)
        uow.accounts.save(account)
        keep_history(uow, account)
        publish_relationship(uow, account, caller, previous, account.churn_reason)
        uow.commit()
    return account


def apply_churn_rule(deps: Dependencies, caller: Caller, *, batch_size: int = 200) -> list[str]:
    """The documented churn rule, run by the worker's daily timer: customers without a won deal
    in CHURN_AFTER_DAYS days and without an open deal become churned. Returns their ids."""
    now = deps.clock.now()
    churned = []
    with deps.uow() as uow:
        cutoff = now - dt.timedelta(days=CHURN_AFTER_DAYS)
        for account in uow.accounts.customers_last_won_before(cutoff, batch_size):
            open_deals = sum(1 for d in uow.opportunities.for_account(account.id) if d.is_open)
            if not account.churn_rule_applies(now, open_deals):
                continue
            account.mark_churned(caller.actor, now, CHURN_RULE_REASON)
            uow.accounts.save(account)
            keep_history(uow, account)
            publish_relationship(uow, account, caller, "customer", CHURN_RULE_REASON)
            churned.append(account.id)
        uow.commit()
    return churned


def create_contact(
    deps: Dependencies,
    caller: Caller,
    *,
    account_id: str,
    last_name: str,
    first_name: str = "",
    email: str = "",
    phone: str = "",
    job_title: str = "",
    owner_user_id: str = "",
    email_consent: bool = False,
    language: str = "",
) -> Contact:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        if not (account_id or "").strip():
            raise InvalidArgument(
                "account_id is required: a contact belongs to an account", field="account_id"
            )
        account = access.visible(uow.accounts.get(account_id), "account", account_id)
        require_not_merged(account)
        access.require_member(account.team_id, "add contacts to its accounts")
        owner = require_team_member(
            deps, account.team_id, owner_user_id or caller.subject_id, "owner_user_id"
        )
        contact = Contact.create(
            id=deps.ids.new_id(),
            team_id=account.team_id,
            account_id=account.id,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            job_title=job_title,
            owner_user_id=owner,
            email_consent=email_consent,
            language=language,
            actor=caller.actor,
            at=deps.clock.now(),
        )
        uow.contacts.add(contact)
        keep_history(uow, contact)
        publish(uow, "contact_created", event_messages.contact_created(contact), contact, caller)
        uow.commit()
    return contact


def get_contact(deps: Dependencies, caller: Caller, contact_id: str) -> Contact:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return access.visible(uow.contacts.get(contact_id), "contact", contact_id)


def list_contacts(
    deps: Dependencies,
    caller: Caller,
    *,
    account_id: str = "",
    query: str = "",
    page: PageQuery = FIRST_PAGE,
) -> Page[Contact]:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        return uow.contacts.list(access.visible_team_ids, account_id, query, page)


def update_contact(
    deps: Dependencies, caller: Caller, contact_id: str, *, expected_version: int = 0, **fields: Any
) -> Contact:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        contact = access.visible(uow.contacts.get(contact_id), "contact", contact_id)
        require_not_merged(contact)
        access.require_edit(contact, "change this contact")
        check_version(contact, expected_version)
        if fields.get("owner_user_id"):
            require_team_member(deps, contact.team_id, fields["owner_user_id"], "owner_user_id")
        changed = contact.update(caller.actor, deps.clock.now(), **fields)
        if changed:
            uow.contacts.save(contact)
            keep_history(uow, contact)
            publish_contact_updated(uow, contact, caller, changed)
            uow.commit()
    return contact
