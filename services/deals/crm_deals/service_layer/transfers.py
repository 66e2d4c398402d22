"""Transfers of deals between teams, and the handover of a leaving member's open deals.

A transfer moves the deal and what belongs to it: its activities, quotes, orders and invoices
always; its account (with the account's contacts and their activities) when asked, or by default
when the account has no other deal left in the source team. History is keyed by record, so it
moves intact; visibility follows ``team_id``, so the old team loses access in the same commit.

Who: the caller must see the deal (a member of its team or a manager above it; otherwise the
answer is NOT_FOUND, word for word that of an unknown id) and be a manager above its team or in
the management department. The moved deal is returned only to a caller who may still see it in
its new team; a caller who moved it out of their sight learns that the transfer was done and
nothing else (:class:`Transferred` without ``deal``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_chassis.errors import FailedPrecondition, InvalidArgument, Unavailable
from crm_deals.domain import notifications
from crm_deals.domain.opportunities import Opportunity
from crm_deals.domain.text import clean_text, require_id
from crm_deals.service_layer import event_messages
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.accounts import publish_account_updated, publish_contact_updated
from crm_deals.service_layer.deals import publish_deal_updated, tell_new_owner
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import keep_history, publish, referenced, require_team_member
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass(frozen=True)
class Transferred:
    """What the caller of a transfer learns: the deal in its new team, or only its id and new
    team when they may not see that team (``deal`` is None)."""

    deal_id: str
    to_team_id: str
    deal: Opportunity | None = None


def transfer_deal(
    deps: Dependencies,
    caller: Caller,
    deal_id: str,
    *,
    to_team_id: str,
    reason: str,
    new_owner_user_id: str = "",
    move_account: bool | None = None,
) -> Transferred:
    access = Access.of(caller, deps.scopes)
    deal_id = require_id(deal_id, "deal_id")
    to_team_id = require_id(to_team_id, "to_team_id")
    reason = clean_text(reason, "reason", max_length=1000, required=True)
    if new_owner_user_id:
        new_owner_user_id = require_id(new_owner_user_id, "new_owner_user_id")
    now, actor = deps.clock.now(), caller.actor
    with deps.uow() as uow:
        deal = access.visible(uow.opportunities.get(deal_id), "deal", deal_id)
        access.require_transfer(deal.team_id)
        from_team = deal.team_id
        if to_team_id == from_team:
            raise FailedPrecondition("the deal already belongs to that team", field="to_team_id")
        members = [m.user_id for m in deps.teams.members(to_team_id)]
        if not members:
            raise FailedPrecondition(
                f"team {to_team_id!r} has no members to own the deal", field="to_team_id"
            )
        if new_owner_user_id:
            owner = require_team_member(deps, to_team_id, new_owner_user_id, "new_owner_user_id")
        else:
            plan = deps.handover.assign(
                to_team_id, [deal], members, uow.opportunities.open_count_by_owner(to_team_id)
            )
            owner = plan.get(deal.id, "")
            if owner not in members:
                raise Unavailable(
                    f"team {to_team_id!r}'s strategy chose no member as owner; "
                    "name the new owner explicitly",
                    field="new_owner_user_id",
                )
        deal.transfer(actor, now, to_team_id, owner, reason)
        uow.opportunities.save(deal)
        keep_history(uow, deal)
        moved = _move_related(
            uow, caller, now, deal, from_team, to_team_id, owner, reason, move_account
        )
        message = event_messages.deal_transferred(
            deal,
            from_team_id=from_team,
            reason=reason,
            moved_account_id=moved.account_id,
            moved_contact_ids=moved.contact_ids,
            moved_activity_ids=moved.activity_ids,
            moved_quote_ids=moved.quote_ids,
        )
        publish(uow, "deal_transferred", message, deal, caller)
        tell_new_owner(uow, caller, deal, notifications.TRANSFERRED, reason)
        uow.commit()
    return Transferred(deal.id, to_team_id, deal if access.can_see(to_team_id) else None)


@dataclass
class _Moved:
    account_id: str = ""
    contact_ids: list[str] = field(default_factory=list)
    activity_ids: list[str] = field(default_factory=list)
    quote_ids: list[str] = field(default_factory=list)


def _move_related(
    uow: DealsUnitOfWork,
    caller: Caller,
    now: dt.datetime,
    deal: Opportunity,
    from_team: str,
    to_team: str,
    owner: str,
    reason: str,
    move_account: bool | None,
) -> _Moved:
    actor, moved = caller.actor, _Moved()
    account = referenced(uow.accounts.get(deal.account_id), "account", deal.account_id)
    if move_account is None:
        others = [
            d
            for d in uow.opportunities.for_account(account.id)
            if d.id != deal.id and d.team_id == from_team
        ]
        move_account = account.team_id == from_team and not others
    targets = [("opportunity", deal.id)]
    if move_account and account.team_id == from_team:
        account.transfer(actor, now, to_team, owner, reason)
        uow.accounts.save(account)
        keep_history(uow, account)
        publish_account_updated(uow, account, caller, ["team_id", "owner_user_id"])
        moved.account_id = account.id
        targets.append(("account", account.id))
        for contact in uow.contacts.for_account(account.id):
            if contact.team_id != from_team:
                continue
            contact.transfer(actor, now, to_team, owner, reason)
            uow.contacts.save(contact)
            keep_history(uow, contact)
            publish_contact_updated(uow, contact, caller, ["team_id", "owner_user_id"])
            moved.contact_ids.append(contact.id)
            targets.append(("contact", contact.id))
    for activity in uow.activities.on_targets(targets):
        if activity.team_id == from_team:
            activity.transfer(actor, now, to_team)
            uow.activities.save(activity)
            keep_history(uow, activity)
            publish(
                uow,
                "activity_updated",
                event_messages.activity_updated(activity, ["team_id"]),
                activity,
                caller,
            )
            moved.activity_ids.append(activity.id)
    for quote in uow.quotes.for_opportunity(deal.id):
        quote.transfer(actor, now, to_team)
        uow.quotes.save(quote)
        keep_history(uow, quote)
        publish(
            uow, "quote_updated", event_messages.quote_updated(quote, ["team_id"]), quote, caller
        )
        moved.quote_ids.append(quote.id)
    for order in uow.orders.for_opportunity(deal.id):
        if order.transfer(actor, now, to_team):
            uow.orders.save(order)
            keep_history(uow, order)
            publish(
                uow,
                "order_updated",
                event_messages.order_updated(order, ["team_id"]),
                order,
                caller,
            )
    for invoice in uow.invoices.for_opportunity(deal.id):
        if invoice.transfer(actor, now, to_team):
            uow.invoices.save(invoice)
            keep_history(uow, invoice)
            publish(
                uow,
                "invoice_updated",
                event_messages.invoice_updated(invoice, ["team_id"]),
                invoice,
                caller,
            )
    return moved


@dataclass
class HandoverResult:
    assignments: dict[str, str] = field(default_factory=dict)
    unassigned: list[str] = field(default_factory=list)


def hand_over_open_deals(
    deps: Dependencies, caller: Caller, *, team_id: str, leaving_user_id: str, reason: str = ""
) -> HandoverResult:
    """On membership_changed (a member left the team): give their open deals in that team to
    the remaining members by the team's strategy (port). With nobody left, the deals stay and are
    reported as unassigned. Idempotent: a second run finds no open deal of the leaver."""
    if not leaving_user_id:
        raise InvalidArgument("leaving_user_id is required", field="leaving_user_id")
    reason = reason or f"handover: {leaving_user_id} left team {team_id}"
    result = HandoverResult()
    with deps.uow() as uow:
        deals = uow.opportunities.open_owned_by(team_id, leaving_user_id)
        remaining = sorted(
            m.user_id for m in deps.teams.members(team_id) if m.user_id != leaving_user_id
        )
        if not deals:
            return result
        counts = uow.opportunities.open_count_by_owner(team_id)
        plan = deps.handover.assign(team_id, deals, remaining, counts) if remaining else {}
        now = deps.clock.now()
        for deal in deals:
            owner = plan.get(deal.id)
            if owner not in remaining:
                result.unassigned.append(deal.id)
                continue
            deal.reassign(caller.actor, now, owner, reason)
            uow.opportunities.save(deal)
            keep_history(uow, deal)
            publish_deal_updated(uow, deal, caller, ["owner_user_id"], reason)
            tell_new_owner(uow, caller, deal, notifications.HANDED_OVER, reason)
            result.assignments[deal.id] = owner
        uow.commit()
    return result
