"""Every RPC (from the descriptors) fuzzed by a caller the matrix authorises: whatever the
request, the answer is a clear status — never INTERNAL or UNKNOWN — no caller outside team A
gets team A's data, and every process of the platform stays alive. Examples per RPC are bounded
by the hypothesis profile (``CRM_SECURITY_FUZZ_PROFILE=thorough`` for a long run)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from security_checks import NEVER, call_as
from security_fuzz import FUZZ_PROFILE, message
from security_matrix import CIRCLE, MATRIX
from security_rpcs import UNKNOWN_ID, RequestBuilder, all_rpcs, entity_of, named_ids

pytestmark = pytest.mark.integration
RPCS = {rpc.name: rpc for rpc in all_rpcs()}
# Who fuzzes an RPC: the first of these the matrix lets through (catalog: its manager).
PREFERENCE = (
    "member",
    "manager",
    "teammate",
    "admin",
    "management",
    "service_with_role",
    "other_team",
)
REFUSALS = {"denied", "hidden", "unauth", "refused"}


def fuzzing_caller(org, rpc_name: str) -> str:
    if rpc_name.startswith("catalog."):
        return "catalog_manager"
    cells = MATRIX[rpc_name].cells
    for caller in PREFERENCE:
        if cells[caller] not in REFUSALS and not org.callers[caller].problem:
            return caller
    return "member"


class RealIds:
    """The fixture's ids an RPC's row aims at, by field name (None when it has none)."""

    def __init__(self, org, rpc):
        entry = MATRIX[rpc.name]
        self._builder = RequestBuilder(named_ids(org), spare=entry.spare, fill=entry.fill)
        self._entity = entity_of(rpc)

    def get(self, field_name: str):
        value = self._builder.id_for(field_name, self._entity)
        return value if value and value != UNKNOWN_ID else None


@pytest.mark.parametrize("rpc_name", sorted(RPCS))
def test_fuzzed_requests_get_a_clear_answer(org, rpc_name):
    rpc = RPCS[rpc_name]
    if rpc_name not in MATRIX:
        pytest.fail(f"{rpc_name}: no declared expectation in security_matrix.MATRIX")
    caller = fuzzing_caller(org, rpc_name)

    @settings(settings.get_profile(FUZZ_PROFILE))
    @given(message(rpc.method.input_type, RealIds(org, rpc)))
    def answer_is_clear(request):
        outcome = call_as(org, rpc, caller, request)
        assert outcome.code not in NEVER, (
            f"{rpc_name} as {caller}: answered {outcome.code.name}: {outcome.details[:500]}\n"
            f"request: {str(request)[:1500]}"
        )
        if caller not in CIRCLE:
            leaked = [m for m in org.markers if m in outcome.text]
            assert not leaked, f"{rpc_name} as {caller}: team A's data in the answer: {leaked}"

    answer_is_clear()
    org.bed.check_alive()
