"""Revocation across the real platform: identity, territory, leads and deals, each as its api,
worker and relay processes on PostgreSQL and RabbitMQ (crm_devrun.bed.PlatformBed).

- move: territory's MoveMember returns (its transaction committed) -> the moved person's next
  GetLead / GetDeal on a record of the old team answers NOT_FOUND in leads / deals. Path:
  territory outbox -> relay -> RabbitMQ -> each service's worker stores the snapshot in its
  replica -> the api's remembered scopes (<= 0.25 s) expire.
- deactivation: identity's DeactivateUser returns -> the person's GetLead answers NOT_FOUND or
  UNAUTHENTICATED. Two hops: identity -> territory (user_deactivated) -> leads
  (user_access_changed).
Each person polls every 5 ms, as a busy client would. Target: every revocation within 1 s.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import grpc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "e2e"))

from e2e_platform import (
    As,
    Stubs,
    converted_lead,
    create_person,
    create_pipeline,
    german_line,
    small_company,
    visible_lead,
    web_form_lead,
)

from crm.deals.v1 import deals_pb2
from crm.identity.v1 import users_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import teams_pb2
from crm_devrun.bed import PlatformBed

ROUNDS = 8
DENIED = (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.UNAUTHENTICATED)


def _denied(person: As, method, request) -> bool:
    try:
        person(method, request, timeout=5)
        return False
    except grpc.RpcError as error:
        if error.code() in DENIED:
            return True
        raise


def _wait_denied(checks: dict, started: float, timeout: float = 10.0) -> dict[str, float]:
    """Poll every check until each is denied; seconds from ``started`` per check."""
    seen: dict[str, float] = {}
    deadline = started + timeout
    while len(seen) < len(checks):
        for name, check in checks.items():
            if name not in seen and check():
                seen[name] = time.monotonic() - started
        if time.monotonic() > deadline:
            raise AssertionError(f"not revoked within {timeout}s: {set(checks) - set(seen)}")
        time.sleep(0.005)
    return seen


def _member(bed, stubs, admin, company, lead_id, deal_id, name):
    person = create_person(bed, stubs, admin, name)
    admin(
        stubs.members.AddMember,
        teams_pb2.AddMemberRequest(
            team_id=company["berlin"].id, user_id=person.user_id, role=teams_pb2.TEAM_ROLE_EXPERT
        ),
    )
    bed.wait_for(lambda: visible_lead(stubs, person, lead_id), 30, "new member sees no lead")
    bed.wait_for(
        lambda: not _denied(person, stubs.deals.GetDeal, deals_pb2.GetDealRequest(id=deal_id)),
        30,
        "new member sees no deal",
    )
    return person


def _percentiles(values: list[float]) -> tuple[float, float]:
    return statistics.median(values) * 1000, max(values) * 1000


def run() -> dict:
    moves: dict[str, list[float]] = {"leads": [], "deals": []}
    deactivations: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="crm-bench-") as workdir,
        PlatformBed(["identity", "territory", "leads", "deals"], Path(workdir)) as bed,
    ):
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        sue = company["people"]["sue"]
        lead_id = admin(stubs.leads.CreateLead, web_form_lead(line.id)).lead.id
        bed.wait_for(lambda: visible_lead(stubs, sue, lead_id), 60, "lead not routed")
        deal_id = converted_lead(bed, stubs, sue, lead_id).conversion.opportunity_id
        for round_number in range(ROUNDS):
            person = _member(bed, stubs, admin, company, lead_id, deal_id, f"mover{round_number}")
            admin(
                stubs.members.MoveMember,
                teams_pb2.MoveMemberRequest(
                    user_id=person.user_id,
                    from_team_id=company["berlin"].id,
                    to_team_id=company["munich"].id,
                    role=teams_pb2.TEAM_ROLE_EXPERT,
                ),
            )
            started = time.monotonic()
            seen = _wait_denied(
                {
                    "leads": lambda: _denied(
                        person,  # noqa: B023
                        stubs.leads.GetLead,
                        ls.GetLeadRequest(lead_id=lead_id),
                    ),
                    "deals": lambda: _denied(
                        person,  # noqa: B023
                        stubs.deals.GetDeal,
                        deals_pb2.GetDealRequest(id=deal_id),
                    ),
                },
                started,
            )
            for service, seconds in seen.items():
                moves[service].append(seconds)
            person = _member(bed, stubs, admin, company, lead_id, deal_id, f"leaver{round_number}")
            admin(
                stubs.users.DeactivateUser,
                users_pb2.DeactivateUserRequest(id=person.user_id, reason="left the company"),
            )
            started = time.monotonic()
            deactivations.append(
                _wait_denied(
                    {
                        "leads": lambda: _denied(
                            person,  # noqa: B023
                            stubs.leads.GetLead,
                            ls.GetLeadRequest(lead_id=lead_id),
                        )
                    },
                    started,
                )["leads"]
            )
    rows, worst = [], 0.0
    for label, values, note in (
        ("move -> denied in leads", moves["leads"], "MoveMember returned -> GetLead NOT_FOUND"),
        ("move -> denied in deals", moves["deals"], "MoveMember returned -> GetDeal NOT_FOUND"),
        (
            "deactivation -> denied in leads",
            deactivations,
            "DeactivateUser returned -> GetLead refused (identity -> territory -> leads)",
        ),
    ):
        p50, most = _percentiles(values)
        worst = max(worst, most)
        rows += [
            (f"{label}, p50", round(p50, 1), "ms", f"{len(values)} revocations; {note}"),
            (f"{label}, max", round(most, 1), "ms", ""),
        ]
    return {
        "title": "Revocation across the running platform (identity, territory, leads, deals)",
        "rows": rows,
        "checks": [("every revocation effective in every service within 1 s", worst <= 1000)],
    }
