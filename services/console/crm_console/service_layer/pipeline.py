"""The pipeline board's use cases: each call goes to deals with the caller's own token, so the
board shows what deals lets this person see and every move is deals' to allow or refuse."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from crm_console.domain.deals import Board, Deal, LostReason, PipelineRef
from crm_console.domain.errors import T_, ConsoleError
from crm_console.domain.session import Session
from crm_console.service_layer.dependencies import Dependencies


def pipelines(deps: Dependencies, caller: Session) -> tuple[PipelineRef, ...]:
    return deps.deals.pipelines(caller.tokens.access_token)


def board(deps: Dependencies, caller: Session, *, sales_line_id: str) -> Board:
    return deps.deals.board(caller.tokens.access_token, sales_line_id)


def move(
    deps: Dependencies, caller: Session, *, deal_id: str, stage_key: str, version: int = 0
) -> Deal:
    """Move to ``stage_key``; a stale ``version`` (someone moved it meanwhile) is refused."""
    if not stage_key:
        raise ConsoleError(T_("choose the stage to move the deal to"), field="stage_key")
    return deps.deals.move(caller.tokens.access_token, deal_id, stage_key, version)


def close_won(
    deps: Dependencies, caller: Session, *, deal_id: str, revenue: str, currency: str, day: str
) -> Deal:
    amount = _amount(revenue)
    if not day:
        raise ConsoleError(T_("enter the day the deal was won"), field="actual_close_date")
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        raise ConsoleError(T_("enter the day as YYYY-MM-DD"), field="actual_close_date") from None
    return deps.deals.close_won(caller.tokens.access_token, deal_id, amount, currency, day)


def close_lost(
    deps: Dependencies, caller: Session, *, deal_id: str, reason: str, competitor: str, note: str
) -> Deal:
    if not reason:
        raise ConsoleError(T_("choose why the deal was lost"), field="reason")
    return deps.deals.close_lost(
        caller.tokens.access_token, deal_id, reason, competitor.strip(), note.strip()
    )


def reopen(deps: Dependencies, caller: Session, *, deal_id: str, reason: str) -> Deal:
    if not reason.strip():
        raise ConsoleError(T_("say why the deal is reopened"), field="reason")
    return deps.deals.reopen(caller.tokens.access_token, deal_id, reason.strip())


def lost_reasons(deps: Dependencies, caller: Session) -> tuple[LostReason, ...]:
    return deps.deals.lost_reasons(caller.tokens.access_token)


def _amount(text: str) -> Decimal:
    try:
        amount = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ConsoleError(
            T_("enter the revenue as a number, e.g. 12500.00"), field="actual_revenue"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise ConsoleError(T_("the actual revenue must be more than zero"), field="actual_revenue")
    return amount
