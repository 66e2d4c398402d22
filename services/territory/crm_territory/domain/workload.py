"""Workload: the open leads and deals each member owns, which load-balanced routing compares.

Territory keeps its own copy of every item (lead or deal) it hears about — owning team and
person, open or not — built from the events leads and deals publish. A member's
``open_items`` in a team's ledger is the number of tracked items that are open and owned by
them in that team; every change of an item moves at most one count from the old owner to the
new one (:func:`count_moves`), so the figure never drifts and never goes below zero.

**Newer wins, per field.** An event tells what it knows as of the item's version (the record's
``version``, equal to the event's ``meta.aggregate_version``). Events do not all carry the
same fields: leads' ``lead_assigned`` carries team and owner but no status,
``lead_status_changed`` the status but no owner. Each of the two facts therefore keeps the
version it was last set at, and an event sets a fact only if it is strictly newer than that
version. An older event arriving late changes nothing, a duplicate (same version) neither, and
an owner change arriving after a later status change still applies.

**Routing's own assignment.** When territory routes a lead it counts the lead for the chosen
owner at once (a bulk import must see the counts grow), as an assignment *as of the lead's
version it routed*. The version is not advanced: leads' ``lead_assigned`` that reports the
same owner is newer and so applies, but moves nothing — the lead is counted once. If a person
assigned the lead before the router's decision arrived, that newer assignment wins and the
router's is ignored, exactly as leads ignores it.

An item first heard of through an event without a status (e.g. ``lead_assigned`` for a lead
created before territory tracked workload) is taken as open until a status says otherwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace


class ItemKind(enum.Enum):
    LEAD = "lead"
    DEAL = "deal"


@dataclass(frozen=True)
class TrackedItem:
    kind: ItemKind
    item_id: str
    team_id: str = ""
    owner_user_id: str = ""
    open: bool = True
    owner_version: int = 0  # version of the item whose event set team and owner
    open_version: int = 0  # version of the item whose event set ``open``

    @property
    def counted_for(self) -> tuple[str, str] | None:
        """(team, member) whose open items include this item, or None."""
        if self.open and self.team_id and self.owner_user_id:
            return self.team_id, self.owner_user_id
        return None


@dataclass(frozen=True)
class ItemFact:
    """What one event says about an item as of ``version``: its team and owner (``owner`` is
    ``(team_id, owner_user_id)``, either may be empty) and/or whether it is open; None where
    the event does not say."""

    kind: ItemKind
    item_id: str
    version: int
    owner: tuple[str, str] | None = None
    open: bool | None = None

    @property
    def key(self) -> tuple[ItemKind, str]:
        return self.kind, self.item_id


def apply_fact(item: TrackedItem | None, fact: ItemFact) -> TrackedItem | None:
    """The item after ``fact``, or None when the fact changes nothing (each part it carries is
    no newer than what is known)."""
    current = item or TrackedItem(fact.kind, fact.item_id)
    changed = current
    if fact.owner is not None and fact.version > current.owner_version:
        team_id, owner_user_id = fact.owner
        changed = replace(
            changed, team_id=team_id, owner_user_id=owner_user_id, owner_version=fact.version
        )
    if fact.open is not None and fact.version > current.open_version:
        changed = replace(changed, open=fact.open, open_version=fact.version)
    return None if changed is current else changed


def assign_by_router(
    item: TrackedItem | None,
    kind: ItemKind,
    item_id: str,
    team_id: str,
    owner_user_id: str,
    based_on_version: int | None,
) -> TrackedItem | None:
    """The item after territory itself gave it to ``owner_user_id`` in ``team_id``, deciding on
    the item as of ``based_on_version`` (None: on what is known now, e.g. a retry from the
    queue). None when a newer assignment is known already (the decision came too late)."""
    current = item or TrackedItem(
        kind, item_id, owner_version=based_on_version or 0, open_version=based_on_version or 0
    )
    if based_on_version is not None and current.owner_version > based_on_version:
        return None
    # Versions stay: the owning service's event reporting this assignment is newer.
    return replace(current, team_id=team_id, owner_user_id=owner_user_id)


def count_moves(
    before: TrackedItem | None, after: TrackedItem
) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """(the (team, member) losing one open item, the one gaining one); (None, None) when the
    change moves nothing."""
    old = before.counted_for if before is not None else None
    new = after.counted_for
    if old == new:
        return None, None
    return old, new
