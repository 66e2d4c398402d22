"""Owner selection strategies on the domain objects: fairness, no burst, skips, load."""

import collections
import datetime as dt

from crm_territory.domain.assignment import Candidate, SkipReason, TeamLedger, choose_owner
from crm_territory.domain.teams import RoutingStrategy

RR = RoutingStrategy.ROUND_ROBIN
LB = RoutingStrategy.LOAD_BALANCED
DAY = dt.date(2026, 3, 2)


def team(*ids, capacity=None):
    ledger = TeamLedger("t")
    for uid in ids:
        ledger.enrol(uid, joining=True)
    return ledger, [Candidate(uid, capacity) for uid in ids]


def assign(ledger, candidates, n, strategy=RR, day=DAY):
    got = []
    for _ in range(n):
        choice = choose_owner(strategy, candidates, ledger, day)
        assert choice.owner_user_id, choice.reason
        ledger.record_assignment(choice.owner_user_id, day)
        ledger.item_opened(choice.owner_user_id)  # as routing counts the routed lead
        got.append(choice.owner_user_id)
    return got


def test_round_robin_cycles_in_joining_order():
    ledger, cands = team("ann", "bob", "cid")
    assert assign(ledger, cands, 6) == ["ann", "bob", "cid"] * 2


def test_fairness_over_10000_leads_equal_capacities():
    members = [f"rep{i:02d}" for i in range(7)]
    ledger, cands = team(*members, capacity=5000)
    counts = collections.Counter(assign(ledger, cands, 10_000))
    fair = 10_000 / len(members)
    assert set(counts) == set(members)
    assert all(abs(n - fair) <= 1 for n in counts.values()), counts


def test_fairness_holds_at_every_prefix():
    ledger, cands = team("a", "b", "c")
    counts = collections.Counter()
    for owner in assign(ledger, cands, 1000):
        counts[owner] += 1
        assert max(counts.values()) - min(counts[m] for m in "abc") <= 1


def test_new_member_gets_no_burst_and_waits_less_than_a_round():
    ledger, cands = team("a", "b", "c")
    assign(ledger, cands, 301)  # a got the last one of 301
    ledger.enrol("new", joining=True)
    cands = cands + [Candidate("new", None)]
    nxt = assign(ledger, cands, 8)
    assert nxt.count("new") == 2  # exactly its share, never a burst
    assert nxt[:4].count("new") == 1  # and it joins within the first round
    assert all(nxt[i] != nxt[i + 1] for i in range(len(nxt) - 1))


def test_member_back_from_leave_gets_one_then_rejoins_rotation():
    ledger, _ = team("a", "b", "c")
    everyone = [Candidate(u, None) for u in "abc"]
    without_c = [Candidate("a", None), Candidate("b", None), Candidate("c", None, on_leave=True)]
    assign(ledger, without_c, 20)
    nxt = assign(ledger, everyone, 6)
    assert nxt[0] == "c" and nxt.count("c") == 2  # one now, then its normal turn


def test_skips_are_explained():
    ledger, _ = team("a", "b", "c", "d", "e", "f")
    cands = [
        Candidate("a", None, paused=True),
        Candidate("b", None, on_leave=True),
        Candidate("c", 1),
        Candidate("d", None, deactivated=True),
        Candidate("e", None, takes_leads=False),
        Candidate("f", None),
    ]
    ledger.record_assignment("c", DAY)  # c is at its capacity of 1 today
    choice = choose_owner(RR, cands, ledger, DAY)
    assert choice.owner_user_id == "f"
    reasons = {n.user_id: n.skip_reason for n in choice.skipped}
    assert reasons == {
        "a": SkipReason.PAUSED,
        "b": SkipReason.ON_LEAVE,
        "c": SkipReason.AT_CAPACITY,
        "d": SkipReason.DEACTIVATED,
        "e": SkipReason.NOT_TAKING_LEADS,
    }
    assert "round robin" in choice.reason


def test_daily_capacity_resets_on_the_next_day():
    ledger, cands = team("a", "b", capacity=2)
    assign(ledger, cands, 4)
    full = choose_owner(RR, cands, ledger, DAY)
    assert full.owner_user_id == "" and "reached the daily capacity" in full.reason
    assert choose_owner(RR, cands, ledger, DAY + dt.timedelta(days=1)).owner_user_id == "a"


def test_capacity_limits_a_member_while_others_continue():
    ledger, _ = team("small", "big")
    cands = [Candidate("small", 2), Candidate("big", None)]
    got = collections.Counter(assign(ledger, cands, 10))
    assert got == {"small": 2, "big": 8}


def test_load_balanced_prefers_fewest_open_items_and_ties_by_round_robin():
    ledger, cands = team("a", "b", "c")
    for uid, n in (("a", 5), ("b", 1), ("c", 1)):
        for _ in range(n):
            ledger.item_opened(uid)
    got = assign(ledger, cands, 5, LB)
    # b and c alternate (ties broken by round robin) while a carries more load
    assert got == ["b", "c", "b", "c", "b"]
    assert [ledger.members[u].open_items for u in "abc"] == [5, 4, 3]
    choice = choose_owner(LB, cands, ledger, DAY)
    assert "fewest open items" in choice.reason


def test_open_items_never_go_below_zero_and_assigning_does_not_count_them():
    ledger, _ = team("a")
    ledger.record_assignment("a", DAY)
    assert ledger.members["a"].open_items == 0  # the item's tracking counts it
    ledger.item_opened("a")
    ledger.item_closed("a")
    ledger.item_closed("a")
    ledger.item_closed("stranger")  # not in the ledger: nothing to take
    assert ledger.members["a"].open_items == 0 and "stranger" not in ledger.members
    ledger.item_opened("owner-not-yet-member")  # counted, ready for when they join
    assert ledger.members["owner-not-yet-member"].open_items == 1


def test_planned_items_of_a_batch_count_for_load_balancing():
    ledger, cands = team("a", "b")
    ledger.item_opened("b")
    assert choose_owner(LB, cands, ledger, DAY).owner_user_id == "a"
    choice = choose_owner(LB, cands, ledger, DAY, planned={"a": 2})
    assert choice.owner_user_id == "b"
    assert {n.user_id: n.open_items for n in choice.notes} == {"a": 2, "b": 1}


def test_nobody_eligible_or_empty_team():
    ledger = TeamLedger("t")
    assert choose_owner(RR, [], ledger, DAY).reason == "no member in the team"
    paused = choose_owner(RR, [Candidate("a", None, paused=True)], ledger, DAY)
    assert paused.owner_user_id == "" and "a paused" in paused.reason


def test_exclusion_for_hand_over():
    ledger, cands = team("leaver", "b")
    choice = choose_owner(RR, cands, ledger, DAY, exclude=frozenset({"leaver"}))
    assert choice.owner_user_id == "b"
    assert choice.skipped[0].skip_reason is SkipReason.EXCLUDED
