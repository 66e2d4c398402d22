"""Judging one call against the matrix: the status class and the confidentiality of team A."""

from __future__ import annotations

import grpc
from google.protobuf import json_format
from security_matrix import CIRCLE, Row
from security_rpcs import Outcome, RequestBuilder, Rpc, invoke, named_ids

S = grpc.StatusCode
NEVER = {S.INTERNAL, S.UNKNOWN, S.UNIMPLEMENTED, S.DATA_LOSS}
MEANING = {
    "ok": "passes authorisation (OK or a refusal about the request, never UNAUTHENTICATED, "
    "PERMISSION_DENIED or NOT_FOUND)",
    "sees": "sees the record (anything but UNAUTHENTICATED and NOT_FOUND)",
    "reaches": "authorised (anything but UNAUTHENTICATED and PERMISSION_DENIED)",
    "hidden": "NOT_FOUND, as for a record that does not exist",
    "denied": "PERMISSION_DENIED",
    "unauth": "UNAUTHENTICATED",
    "refused": "an error (not OK)",
    "any": "any status",
}


def matches(expected: str, code: grpc.StatusCode) -> bool:
    if expected == "ok":
        return code not in (S.UNAUTHENTICATED, S.PERMISSION_DENIED, S.NOT_FOUND)
    if expected == "sees":
        return code not in (S.UNAUTHENTICATED, S.NOT_FOUND)
    if expected == "reaches":
        return code not in (S.UNAUTHENTICATED, S.PERMISSION_DENIED)
    if expected == "hidden":
        return code == S.NOT_FOUND
    if expected == "denied":
        return code == S.PERMISSION_DENIED
    if expected == "unauth":
        return code == S.UNAUTHENTICATED
    if expected == "refused":
        return code != S.OK
    return expected == "any"


def request_for(org, rpc: Rpc, entry: Row):
    ids = named_ids(org)
    request = RequestBuilder(ids, spare=entry.spare, fill=entry.fill).build(rpc)
    if entry.set:
        for name in entry.set:
            request.ClearField(name)
        json_format.ParseDict(_substitute(entry.set, ids), request)
    return request


def _substitute(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _substitute(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, ids) for v in value]
    return value


def call_as(org, rpc: Rpc, caller: str, request) -> Outcome:
    return invoke(org.channel(rpc.service), rpc, request, org.callers[caller].metadata())


def problems(org, rpc: Rpc, caller: str, expected: str, outcome: Outcome) -> list[str]:
    """What is wrong with ``outcome`` for this cell (empty when the cell holds)."""
    found = []
    got = f"{outcome.code.name}: {outcome.details[:300]}" if outcome.details else outcome.code.name
    if outcome.code in NEVER:
        found.append(f"{rpc.name} as {caller}: answered {got} — a status no call may answer")
    elif not matches(expected, outcome.code):
        found.append(
            f"{rpc.name} as {caller}: expected {expected} ({MEANING[expected]}), got {got}"
        )
    if caller not in CIRCLE:
        leaked = [m for m in org.markers if m in outcome.text]
        if leaked:
            found.append(
                f"{rpc.name} as {caller}: team A's data in the answer "
                f"({outcome.code.name}): {', '.join(leaked)}"
            )
    return found
