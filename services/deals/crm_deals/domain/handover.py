"""Who takes over a leaving member's open deals: the default, load-balanced strategy.

Deals are handed out one by one, biggest estimated revenue first, each to the remaining member
with the fewest open deals at that moment (ties: the user id, so the result is reproducible).
A team with a round-robin strategy gets the same fairness over the handed-over deals.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def least_loaded(
    deals: list[Any], remaining_user_ids: list[str], open_deals_by_user: Mapping[str, int]
) -> dict[str, str]:
    if not remaining_user_ids:
        return {}
    load = {user: open_deals_by_user.get(user, 0) for user in remaining_user_ids}
    ordered = sorted(
        deals, key=lambda d: (-(d.estimated_revenue.amount if d.estimated_revenue else 0), d.id)
    )
    result = {}
    for deal in ordered:
        user = min(load, key=lambda u: (load[u], u))
        result[deal.id] = user
        load[user] += 1
    return result
