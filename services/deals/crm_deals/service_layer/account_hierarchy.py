"""Use cases of an account's addresses, social profiles and hierarchy (parent account, and the
roll-up of open and won deal value over an account and the accounts below it).

The roll-up counts only the accounts the caller may see (a team's records are visible to that
team and the managers above it): a subsidiary kept by another team is left out, as if it were
not in the tree, rather than disclosed through a sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from crm_deals.domain.account_profiles import (
    MAX_DEPTH,
    PostalAddress,
    SocialProfile,
    check_addresses,
    check_parent,
    check_social_profiles,
)
from crm_deals.domain.accounts import Account
from crm_deals.domain.closing import OPEN, WON
from crm_deals.domain.duplicates import require_not_merged
from crm_deals.domain.money import Money
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_account_updated
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


def _change(
    deps: Dependencies,
    caller: Caller,
    account_id: str,
    checked: Callable[[DealsUnitOfWork, Access, Account], dict[str, Any]],
) -> Account:
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        account = access.visible(uow.accounts.get(account_id), "account", account_id)
        require_not_merged(account)
        access.require_edit(account, "change this account")
        changed = account.change_profile(
            caller.actor, deps.clock.now(), **checked(uow, access, account)
        )
        if changed:
            uow.accounts.save(account)
            keep_history(uow, account)
            publish_account_updated(uow, account, caller, changed)
            uow.commit()
    return account


def set_addresses(
    deps: Dependencies, caller: Caller, account_id: str, addresses: list[PostalAddress]
) -> Account:
    """Replace the account's postal addresses (at most one billing and one shipping). Checked
    once the account is known visible: another team's account answers NOT_FOUND whatever the
    request holds."""
    return _change(deps, caller, account_id, lambda *_: {"addresses": check_addresses(addresses)})


def set_social_profiles(
    deps: Dependencies, caller: Caller, account_id: str, profiles: list[SocialProfile]
) -> Account:
    return _change(
        deps, caller, account_id, lambda *_: {"social_profiles": check_social_profiles(profiles)}
    )


def set_parent(
    deps: Dependencies, caller: Caller, account_id: str, parent_account_id: str
) -> Account:
    """Place the account under ``parent_account_id`` (one the caller can see), or at the top
    level (empty). A parent below the account itself is refused: hierarchies never loop."""

    def checked(uow: DealsUnitOfWork, access: Access, account: Account) -> dict[str, Any]:
        parent_id = (parent_account_id or "").strip()
        if parent_id:
            parent = access.visible(uow.accounts.get(parent_id), "parent_account", parent_id)
            require_not_merged(parent)
            check_parent(account.id, account.name, _chain(uow, parent))
        return {"parent_account_id": parent_id}

    return _change(deps, caller, account_id, checked)


def _chain(uow: DealsUnitOfWork, start: Account) -> list[tuple[str, str]]:
    """``start`` and its ancestors, nearest first (stops one past MAX_DEPTH)."""
    chain: list[tuple[str, str]] = []
    current: Account | None = start
    while current is not None and len(chain) <= MAX_DEPTH:
        chain.append((current.id, current.name))
        parent_id = current.parent_account_id
        current = uow.accounts.get(parent_id) if parent_id else None
    return chain


@dataclass
class Rollup:
    """Deal value of an account and the accounts below it that the caller can see."""

    account_id: str
    account_ids: list[str] = field(default_factory=list)
    open_deals: int = 0
    won_deals: int = 0
    open_value: dict[str, Money] = field(default_factory=dict)  # by currency
    won_value: dict[str, Money] = field(default_factory=dict)


def _add(sums: dict[str, Money], amount: Money | None) -> None:
    if amount is not None:
        sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount


def rollup(deps: Dependencies, caller: Caller, account_id: str) -> Rollup:
    """Open value: the estimated revenue of open deals; won value: the actual revenue of won
    deals; summed exactly per currency (no conversion) over the account's visible subtree."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        top = access.visible(uow.accounts.get(account_id), "account", account_id)
        result = Rollup(account_id=top.id)
        pending, seen = [top], {top.id}
        while pending:
            account = pending.pop(0)
            if access.can_see(account.team_id):
                result.account_ids.append(account.id)
                for deal in uow.opportunities.for_account(account.id):
                    if deal.status == OPEN:
                        result.open_deals += 1
                        _add(result.open_value, deal.estimated_revenue)
                    elif deal.status == WON:
                        result.won_deals += 1
                        _add(result.won_value, deal.actual_revenue)
            for child in uow.accounts.children(account.id):
                if child.id not in seen:  # a tree by construction; guarded all the same
                    seen.add(child.id)
                    pending.append(child)
        return result
