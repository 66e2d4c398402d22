"""Use cases the worker runs around each automation command, and the read of their state.

Exactly once per committed change: the command's idempotency key names one delivery; once it is
sent, a redelivered command finds it and does nothing. The sending itself (SMTP, HTTP) is the
worker's adapter; it asks :func:`begin` whether to send, then reports with :func:`record_result`
in a transaction of its own.
"""

from __future__ import annotations

from crm_deals.domain.deliveries import FAILED, Delivery
from crm_deals.service_layer.access import Access, Caller
from crm_deals.service_layer.automations import readable_rule
from crm_deals.service_layer.dependencies import Dependencies
from crm_deals.service_layer.recording import referenced


def begin(
    deps: Dependencies,
    caller: Caller,
    *,
    idempotency_key: str,
    rule_id: str,
    deal_id: str,
    kind: str,
    message_id: str = "",
) -> Delivery | None:
    """The delivery to attempt now, or None when it was sent, failed for good, or waits for its
    next retry time."""
    now = deps.clock.now()
    with deps.uow() as uow:
        delivery = uow.deliveries.get(idempotency_key)
        if delivery is None:
            delivery = Delivery(
                idempotency_key=idempotency_key,
                rule_id=rule_id,
                deal_id=deal_id,
                kind=kind,
                created_at=now,
                message_id=message_id,
            )
            uow.deliveries.add(delivery)
            uow.commit()
        return delivery if delivery.due(now) else None


def record_result(
    deps: Dependencies, caller: Caller, idempotency_key: str, *, ok: bool, error: str = ""
) -> Delivery:
    with deps.uow() as uow:
        delivery = referenced(uow.deliveries.get(idempotency_key), "delivery", idempotency_key)
        delivery.record_attempt(deps.clock.now(), ok=ok, error=error)
        uow.deliveries.save(delivery)
        uow.commit()
    return delivery


def withhold(deps: Dependencies, caller: Caller, idempotency_key: str, reason: str) -> Delivery:
    """End a pending delivery unsent, saying why (a customer e-mail without consent)."""
    with deps.uow() as uow:
        delivery = referenced(uow.deliveries.get(idempotency_key), "delivery", idempotency_key)
        delivery.withhold(reason)
        uow.deliveries.save(delivery)
        uow.commit()
    return delivery


def due_retries(deps: Dependencies, caller: Caller, limit: int = 100) -> list[Delivery]:
    """Pending deliveries whose retry time has come (the worker's retry timer)."""
    with deps.uow() as uow:
        return uow.deliveries.due(deps.clock.now(), limit)


def list_deliveries(
    deps: Dependencies, caller: Caller, rule_id: str, failed_only: bool = False
) -> list[Delivery]:
    """Deliveries of a rule the caller may read (NOT_FOUND otherwise, as for an unknown rule),
    only those for deals the caller may see now (a deal transferred away drops out)."""
    access = Access.of(caller, deps.scopes)
    with deps.uow() as uow:
        readable_rule(uow, access, rule_id)
        items = [
            d for d in uow.deliveries.for_rule(rule_id) if not failed_only or d.state == FAILED
        ]
        teams = {
            deal_id: getattr(uow.opportunities.get(deal_id), "team_id", "")
            for deal_id in {d.deal_id for d in items}
        }
    return [d for d in items if access.can_see(teams[d.deal_id])]
