"""``crm-dev demo``'s seeding at a small scale (200 leads, 2 months of history) over the real
processes of identity, territory, leads, deals and reporting: every step reads its effect back
through the API (a step that does not do what it says raises StepFailed, failing the test), and
the company it leaves behind answers as the demo's sign-ins promise."""

from __future__ import annotations

import grpc
import pytest

from crm.leads.v1 import lead_service_pb2
from crm.reporting.v1 import reports_pb2 as pb
from crm_devrun.bed import PlatformBed
from crm_devrun.demo import verify
from crm_devrun.demo.calls import Stubs
from crm_devrun.demo.run import already_seeded, seed_company

pytestmark = pytest.mark.integration

SERVICES = ["identity", "territory", "leads", "deals", "reporting"]


def test_the_demo_company_is_seeded_and_checked_through_the_apis(tmp_path):
    lines: list[str] = []
    with PlatformBed(SERVICES, tmp_path) as bed:
        stubs = Stubs(bed.address)
        try:
            admin_token = bed.admin_token()
            seeding = seed_company(
                stubs,
                admin_token,
                lambda text, *, transient=False: lines.append(text),
                lead_count=200,
                months=2,
            )
            want = verify.expected(seeding)
            assert want["won"] > 0 and want["lost"] > 0 and want["open"] > 0
            # each step said what it did, ending with reporting caught up
            steps = {line.split(":")[0] for line in lines}
            for step in (
                "people",
                "organisation",
                "sales lines",
                "targets",
                "campaigns",
                "leads import",
                "deal history",
                "tasks",
                "lead routing",
                "reporting",
            ):
                assert step in steps, lines
            assert already_seeded(stubs, seeding.admin)
            # the sign-ins: a rep sees their own leads, the supervisor the team's figures, the
            # administrator (in no team) nothing
            team = seeding.company.teams[0]
            rep = seeding.people[team.reps[0]]
            mine = rep(
                stubs.leads.SearchLeads,
                lead_service_pb2.SearchLeadsRequest(
                    filter=lead_service_pb2.LeadFilter(owner_user_ids=[rep.user_id])
                ),
            ).leads
            assert mine and all(lead.assignment.owner_user_id == rep.user_id for lead in mine)
            scope = pb.Scope(kind=pb.SCOPE_KIND_TEAM, id=seeding.ids[f"team:{team.key}"])
            year = pb.Period(kind=pb.PERIOD_KIND_YEAR, date=seeding.today.isoformat())
            supervisor = seeding.people[team.supervisor]
            supervisor(stubs.reports.Dashboard, pb.DashboardRequest(scope=scope, period=year))
            with pytest.raises(grpc.RpcError) as refused:
                seeding.admin(stubs.reports.WinRate, pb.WinRateRequest(scope=scope, period=year))
            assert refused.value.code() in (
                grpc.StatusCode.PERMISSION_DENIED,
                grpc.StatusCode.NOT_FOUND,
            )
        finally:
            stubs.close()
