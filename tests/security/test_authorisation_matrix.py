"""Every RPC of the platform (read from the proto descriptors) called by every class of caller on
team A's records, over the real api processes; the expected status class of each cell is the
one table ``security_matrix.MATRIX``, and no caller outside team A's circle may receive team A's
data in any answer. A new RPC fails here until its row is declared."""

from __future__ import annotations

import pytest
from security_checks import call_as, problems, request_for
from security_matrix import CALLERS, MATRIX
from security_rpcs import all_rpcs

pytestmark = pytest.mark.integration
RPCS = {rpc.name: rpc for rpc in all_rpcs()}


def test_every_rpc_has_exactly_one_declared_expectation():
    missing = sorted(set(RPCS) - set(MATRIX))
    stale = sorted(set(MATRIX) - set(RPCS))
    assert not missing, (
        "RPCs without a row in tests/security/security_matrix.py MATRIX "
        f"(declare what every caller gets): {missing}"
    )
    assert not stale, f"MATRIX rows for RPCs the protos no longer declare: {stale}"
    for name, entry in MATRIX.items():
        assert set(entry.cells) == set(CALLERS), f"{name}: a cell per caller"


@pytest.mark.parametrize("rpc_name,caller", [(name, caller) for name in RPCS for caller in CALLERS])
def test_cell(org, rpc_name, caller):
    rpc = RPCS[rpc_name]
    entry = MATRIX.get(rpc_name)
    if entry is None:
        pytest.fail(f"{rpc_name}: no declared expectation in security_matrix.MATRIX")
    who = org.callers[caller]
    if who.problem:
        pytest.fail(f"{rpc_name} as {caller}: the caller could not be set up: {who.problem}")
    outcome = call_as(org, rpc, caller, request_for(org, rpc, entry))
    found = problems(org, rpc, caller, entry.cells[caller], outcome)
    assert not found, "\n".join(found)
