"""Capturing a duplicate of a lead one may not see: the answer says a duplicate exists and
nothing more — no id, no data — and the hidden lead is not changed (MERGE outside the caller's
scope must not be a way to write into, or learn about, another team's lead)."""

from __future__ import annotations

import grpc
import pytest
from security_platform import unique

pytestmark = pytest.mark.integration
OUTSIDERS = ("other_team", "sibling_manager", "management", "admin", "service_with_role")


@pytest.fixture(scope="module")
def hidden_lead(org):
    """A fresh lead of team A (the matrix may have converted the shared one)."""
    from crm.leads.v1 import lead_pb2, lead_service_pb2_grpc
    from crm.leads.v1 import lead_service_pb2 as ls

    leads = lead_service_pb2_grpc.LeadServiceStub(org.channel("leads"))
    data = lead_pb2.LeadInput(
        person=lead_pb2.Person(
            first_name="Hidden",
            last_name=unique("Person"),
            email=f"{unique('hidden.lead')}@hidden.example",
        ),
        company=lead_pb2.Company(name=unique("Hidden Company"), industry="Mining"),
        location=lead_pb2.Location(country="DE", city="Berlin"),
        source=lead_pb2.Source(channel=lead_pb2.CHANNEL_WEB_FORM),
        sales_line_id=org.ids["sales_line"],
    )
    lead_id = org.call(
        "member",
        leads.CreateLead,
        ls.CreateLeadRequest(idempotency_key=unique("hidden"), lead=data),
    ).lead.id

    def routed():
        try:
            lead = org.call("member", leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:  # not routed to team A yet
                return None
            raise
        return lead if lead.assignment.team_id == org.ids["team_a"] else None

    org.bed.wait_for(routed, 90, "the lead was not routed to team A")
    return lead_id, data


@pytest.mark.parametrize("policy", ("DUPLICATE_POLICY_MERGE", "DUPLICATE_POLICY_REJECT"))
@pytest.mark.parametrize("caller", OUTSIDERS)
def test_a_duplicate_outside_the_scope_names_nothing_and_changes_nothing(
    org, hidden_lead, caller, policy
):
    from crm.leads.v1 import lead_pb2, lead_service_pb2_grpc
    from crm.leads.v1 import lead_service_pb2 as ls

    if org.callers[caller].problem:
        pytest.fail(
            f"leads.LeadService/CreateLead as {caller}: the caller could not be set up: "
            f"{org.callers[caller].problem}"
        )
    leads = lead_service_pb2_grpc.LeadServiceStub(org.channel("leads"))
    lead_id, data = hidden_lead
    before = org.call("member", leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    duplicate = lead_pb2.LeadInput()
    duplicate.CopyFrom(data)
    duplicate.person.phone = "+49 30 123456"
    duplicate.company.industry = "written by an outsider"
    request = ls.CreateLeadRequest(
        idempotency_key=unique("duplicate"), on_duplicate=getattr(ls, policy), lead=duplicate
    )
    try:
        response = org.call(caller, leads.CreateLead, request)
        answer, code = (
            str(response) + response.SerializeToString().decode("utf-8", "replace"),
            grpc.StatusCode.OK,
        )
    except grpc.RpcError as error:
        answer, code = error.details() or "", error.code()
    where = f"leads.LeadService/CreateLead ({policy}) as {caller}"
    assert code in (grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.PERMISSION_DENIED), (
        f"{where}: expected ALREADY_EXISTS (or PERMISSION_DENIED for a caller who may not "
        f"capture), got {code.name}: {answer[:300]}"
    )
    assert lead_id not in answer, f"{where}: the answer names the hidden lead's id: {answer}"
    after = org.call("member", leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    assert (after.version, after.data.company.industry, after.data.person.phone) == (
        before.version,
        before.data.company.industry,
        before.data.person.phone,
    ), f"{where}: the hidden lead was changed (version {before.version} → {after.version})"
