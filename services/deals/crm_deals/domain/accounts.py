"""Accounts (organisations) and contacts (people), both living in a team's territory.

Relationship of an account:
- ``prospect``: no deal won yet (the state at creation).
- ``customer``: at least one deal won. The first won deal makes a prospect a customer; a won deal
  also wins back a churned account (``customer`` again, ``customer_since`` kept from the first).
- ``churned``: was a customer and is no longer, either marked so by a person (with a reason) or by
  the churn rule below. A prospect cannot churn: it never was a customer.

Churn rule (documented for reporting's churn rate): a customer churns automatically when its
last won deal closed more than ``CHURN_AFTER_DAYS`` (365) days ago and it has no open deal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from crm_chassis.context import Actor
from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.domain.account_profiles import PostalAddress, SocialProfile
from crm_deals.domain.customer_emails import clean_language
from crm_deals.domain.history import Recorded, diff
from crm_deals.domain.text import clean_email, clean_phone, clean_text, optional_id, require_id

PROSPECT = "prospect"
CUSTOMER = "customer"
CHURNED = "churned"
RELATIONSHIPS = (PROSPECT, CUSTOMER, CHURNED)

CHURN_AFTER_DAYS = 365
CHURN_RULE_REASON = f"churn rule: no deal won in the last {CHURN_AFTER_DAYS} days and no open deal"


@dataclass
class Account(Recorded):
    RECORD_TYPE = "account"

    id: str
    team_id: str
    name: str
    owner_user_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    relationship: str = PROSPECT
    industry: str = ""
    website: str = ""
    phone: str = ""
    customer_since: dt.datetime | None = None
    last_won_at: dt.datetime | None = None
    churned_at: dt.datetime | None = None
    churn_reason: str = ""
    # Postal addresses, social profiles, parent account: domain/account_profiles.py.
    addresses: tuple[PostalAddress, ...] = ()
    social_profiles: tuple[SocialProfile, ...] = ()
    parent_account_id: str = ""
    version: int = 0
    # Merges (domain/duplicates.py): the survivor this one was merged into (then read-only), and
    # the records merged into this one (their history is read with its own).
    merged_into_id: str = ""
    merged_ids: tuple[str, ...] = ()

    @classmethod
    def create(
        cls,
        *,
        id: str,
        team_id: str,
        name: str,
        owner_user_id: str,
        actor: Actor,
        at: dt.datetime,
        industry: str = "",
        website: str = "",
        phone: str = "",
    ) -> Account:
        account = cls(
            id=id,
            team_id=require_id(team_id, "team_id"),
            name=clean_text(name, "name", max_length=200, required=True),
            owner_user_id=require_id(owner_user_id, "owner_user_id"),
            industry=clean_text(industry, "industry", max_length=100),
            website=clean_text(website, "website", max_length=300),
            phone=clean_phone(phone),
            created_at=at,
            updated_at=at,
        )
        account._record(actor, at, "created")
        return account

    def update(
        self,
        actor: Actor,
        at: dt.datetime,
        *,
        name: str | None = None,
        industry: str | None = None,
        website: str | None = None,
        phone: str | None = None,
        owner_user_id: str | None = None,
    ) -> list[str]:
        """Change the given fields; returns the names of those that changed."""
        updates: dict[str, Any] = {}
        if name is not None:
            updates["name"] = clean_text(name, "name", max_length=200, required=True)
        if industry is not None:
            updates["industry"] = clean_text(industry, "industry", max_length=100)
        if website is not None:
            updates["website"] = clean_text(website, "website", max_length=300)
        if phone is not None:
            updates["phone"] = clean_phone(phone)
        if owner_user_id is not None:
            updates["owner_user_id"] = require_id(owner_user_id, "owner_user_id")
        changes = diff(self, updates)
        if changes:
            for name_, (_, new) in changes.items():
                setattr(self, name_, new)
            self._record(actor, at, "updated", changes)
        return list(changes)

    def change_profile(self, actor: Actor, at: dt.datetime, **checked: Any) -> list[str]:
        """Set addresses, social profiles or the parent account (values already checked by
        domain/account_profiles.py); returns the names of the fields that changed."""
        changes = diff(self, checked)
        for name_, (_, new) in changes.items():
            setattr(self, name_, new)
        if changes:
            self._record(actor, at, "updated", changes)
        return list(changes)

    def record_won_deal(self, actor: Actor, at: dt.datetime) -> bool:
        """A deal of this account was won; True if the relationship changed."""
        before = self.relationship
        self.last_won_at = at if self.last_won_at is None else max(self.last_won_at, at)
        if before == CUSTOMER:
            return False
        self.relationship = CUSTOMER
        self.customer_since = self.customer_since or at
        self.churned_at, self.churn_reason = None, ""
        self._record(
            actor,
            at,
            "became_customer",
            {"relationship": (before, CUSTOMER)},
            note="won back" if before == CHURNED else "first won deal",
        )
        return True

    def mark_churned(self, actor: Actor, at: dt.datetime, reason: str) -> None:
        reason = clean_text(reason, "reason", max_length=500, required=True)
        if self.relationship == PROSPECT:
            raise FailedPrecondition(
                f"account {self.name!r} is a prospect: only a customer can churn",
                field="relationship",
            )
        if self.relationship == CHURNED:
            raise FailedPrecondition(
                f"account {self.name!r} is already churned ({self.churn_reason})",
                field="relationship",
            )
        self.relationship, self.churned_at, self.churn_reason = CHURNED, at, reason
        self._record(actor, at, "churned", {"relationship": (CUSTOMER, CHURNED)}, note=reason)

    def churn_rule_applies(self, now: dt.datetime, open_deal_count: int) -> bool:
        return (
            self.relationship == CUSTOMER
            and open_deal_count == 0
            and self.last_won_at is not None
            and now - self.last_won_at > dt.timedelta(days=CHURN_AFTER_DAYS)
        )

    def transfer(
        self, actor: Actor, at: dt.datetime, to_team_id: str, owner_user_id: str, reason: str
    ) -> None:
        changes = diff(self, {"team_id": to_team_id, "owner_user_id": owner_user_id})
        if changes:
            self.team_id, self.owner_user_id = to_team_id, owner_user_id
            self._record(actor, at, "transferred", changes, note=reason)


@dataclass
class Contact(Recorded):
    RECORD_TYPE = "contact"

    id: str
    team_id: str
    account_id: str
    first_name: str
    last_name: str
    owner_user_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    email: str = ""
    phone: str = ""
    job_title: str = ""
    version: int = 0
    # Consent to customer e-mails (domain/customer_emails.py) and the language they are in.
    email_consent: bool = False
    language: str = ""
    # Merges, as of an account (domain/duplicates.py).
    merged_into_id: str = ""
    merged_ids: tuple[str, ...] = ()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @classmethod
    def create(
        cls,
        *,
        id: str,
        team_id: str,
        account_id: str,
        first_name: str,
        last_name: str,
        owner_user_id: str,
        actor: Actor,
        at: dt.datetime,
        email: str = "",
        phone: str = "",
        job_title: str = "",
        email_consent: bool = False,
        language: str = "",
    ) -> Contact:
        contact = cls(
            id=id,
            team_id=require_id(team_id, "team_id"),
            account_id=optional_id(account_id, "account_id"),
            first_name=clean_text(first_name, "first_name", max_length=100),
            last_name=clean_text(last_name, "last_name", max_length=100, required=True),
            owner_user_id=require_id(owner_user_id, "owner_user_id"),
            email=clean_email(email),
            phone=clean_phone(phone),
            job_title=clean_text(job_title, "job_title", max_length=150),
            email_consent=bool(email_consent),
            language=clean_language(language),
            created_at=at,
            updated_at=at,
        )
        if not contact.account_id:
            raise InvalidArgument(
                "account_id is required: a contact belongs to an account", field="account_id"
            )
        contact._record(actor, at, "created")
        return contact

    def update(self, actor: Actor, at: dt.datetime, **fields: Any) -> list[str]:
        cleaners: dict[str, Callable[[Any], Any]] = {
            "email_consent": bool,
            "language": clean_language,
            "first_name": lambda v: clean_text(v, "first_name", max_length=100),
            "last_name": lambda v: clean_text(v, "last_name", max_length=100, required=True),
            "email": clean_email,
            "phone": clean_phone,
            "job_title": lambda v: clean_text(v, "job_title", max_length=150),
            "owner_user_id": lambda v: require_id(v, "owner_user_id"),
        }
        unknown = sorted(set(fields) - cleaners.keys())
        if unknown:
            raise InvalidArgument(
                f"contact field(s) {', '.join(unknown)} cannot be changed; "
                f"changeable: {', '.join(sorted(cleaners))}"
            )
        updates = {
            name: cleaners[name](value) for name, value in fields.items() if value is not None
        }
        changes = diff(self, updates)
        if changes:
            for name, (_, new) in changes.items():
                setattr(self, name, new)
            self._record(actor, at, "updated", changes)
        return list(changes)

    def transfer(
        self, actor: Actor, at: dt.datetime, to_team_id: str, owner_user_id: str, reason: str
    ) -> None:
        changes = diff(self, {"team_id": to_team_id, "owner_user_id": owner_user_id})
        if changes:
            self.team_id, self.owner_user_id = to_team_id, owner_user_id
            self._record(actor, at, "transferred", changes, note=reason)
