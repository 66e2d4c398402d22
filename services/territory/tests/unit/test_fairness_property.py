"""Property: with a constant set of eligible members, round robin never lets any member get
two items more than another — whatever happened before (joins, leave, returns)."""

import collections
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from crm_territory.domain.assignment import Candidate, TeamLedger, choose_owner
from crm_territory.domain.teams import RoutingStrategy

DAY = dt.date(2026, 3, 2)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("assign"), st.integers(1, 40)),
        st.tuples(st.just("join"), st.just(0)),
        st.tuples(st.just("leave"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(start=st.integers(1, 6), ops=operations)
def test_round_robin_window_fairness(start, ops):
    ledger = TeamLedger("t")
    members = [f"m{i}" for i in range(start)]
    for m in members:
        ledger.enrol(m, joining=True)
    away: set[str] = set()
    window = collections.Counter()
    for op, arg in ops:
        if op == "join":
            members.append(f"m{len(members)}")
            ledger.enrol(members[-1], joining=True)
            window.clear()
        elif op == "leave":
            who = members[arg % len(members)]
            away ^= {who}  # goes on leave, or comes back
            window.clear()
        else:
            cands = [Candidate(m, None, on_leave=m in away) for m in members]
            eligible = [m for m in members if m not in away]
            for _ in range(arg):
                owner = choose_owner(RoutingStrategy.ROUND_ROBIN, cands, ledger, DAY).owner_user_id
                if not eligible:
                    assert owner == ""
                    break
                assert owner in eligible
                ledger.record_assignment(owner, DAY)
                window[owner] += 1
                counts = [window[m] for m in eligible]
                assert max(counts) - min(counts) <= 1, (window, eligible)
