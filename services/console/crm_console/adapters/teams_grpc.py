"""The Team pages' gateway: territory's teams, memberships, absences, scopes and unassigned
queue; leads' AssignLead and open leads of a team; deals' ReassignDeal, TransferDeal and open
deals of a team; territory's names of the people the person may see. Every call carries the signed-in person's token,
so territory, leads and deals decide what a supervisor or manager may see and do."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import pagination_pb2
from crm.deals.v1 import deals_pb2, deals_pb2_grpc, resources_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.leads.v1 import lead_service_pb2_grpc
from crm.territory.v1 import (
    access_pb2,
    access_pb2_grpc,
    routing_pb2,
    routing_pb2_grpc,
    teams_pb2,
    teams_pb2_grpc,
)
from crm_chassis.wire import enums
from crm_console.adapters import grpc_mapping as lead_mapping
from crm_console.adapters import grpc_mapping_deals as deal_mapping
from crm_console.adapters.grpc_errors import refusals
from crm_console.adapters.organisation_grpc import membership, people_names, team
from crm_console.domain.deals import Deal
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import OPEN_STATUSES, Lead
from crm_console.domain.team import Absence, Membership, QueuedLead, Scope, Team

# The most rows one page of any of these lists may hold (crm.common.v1.PageRequest): a team's
# open items and its members are read in one call each.
MOST = 500


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


def _page() -> pagination_pb2.PageRequest:
    return pagination_pb2.PageRequest(page_size=MOST)


def _stamp(moment: dt.datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(dt.UTC))
    return stamp


def _when(parent: Any, name: str) -> dt.datetime | None:
    return (parent.HasField(name) and getattr(parent, name).ToDatetime(tzinfo=dt.UTC)) or None


def _absence(a: teams_pb2.Absence) -> Absence:
    return Absence(
        id=a.id,
        user_id=a.user_id,
        starts_at=a.starts_at.ToDatetime(tzinfo=dt.UTC),
        ends_at=a.ends_at.ToDatetime(tzinfo=dt.UTC),
        reason=a.reason,
        cancelled=a.cancelled,
    )


def _queued(d: routing_pb2.RoutingDecision) -> QueuedLead:
    return QueuedLead(
        lead_id=d.lead_id,
        queue_team_id=d.team_id,
        country=d.lead.country,
        region=d.lead.region,
        sales_line_id=d.sales_line_id,
        why=enums.word_of(routing_pb2.UnroutableReason, d.unroutable_reason, "reason"),
        summary=d.explanation.summary,
        decided_at=_when(d, "decided_at"),
    )


class TeamsGateway:
    def __init__(
        self,
        *,
        territory: grpc.Channel,
        leads: grpc.Channel,
        deals: grpc.Channel,
        timeout: float,
    ) -> None:
        self._stubs: dict[str, Any] = {
            "access": access_pb2_grpc.AccessServiceStub(territory),
            "teams": teams_pb2_grpc.TeamServiceStub(territory),
            "memberships": teams_pb2_grpc.MembershipServiceStub(territory),
            "routing": routing_pb2_grpc.RoutingServiceStub(territory),
            "leads": lead_service_pb2_grpc.LeadServiceStub(leads),
            "deals": deals_pb2_grpc.DealServiceStub(deals),
        }
        self._timeout = timeout

    def _call(self, service: str, method: str, request: object, token: str) -> Any:
        with refusals():
            return getattr(self._stubs[service], method)(
                request, timeout=self._timeout, metadata=_auth(token)
            )

    # ------------------------------------------------------------ territory
    def scopes(self, token: str, user_id: str) -> tuple[Scope, ...]:
        answer = self._call(
            "access", "ListScopes", access_pb2.ListScopesRequest(user_id=user_id), token
        )
        return tuple(
            Scope(
                team_id=s.team_id,
                role=enums.word_of(teams_pb2.TeamRole, s.role, "role"),
                through_unit=s.source == access_pb2.SCOPE_SOURCE_UNIT_MANAGER,
            )
            for s in answer.user_scopes.scopes
        )

    def all_teams(self, token: str) -> tuple[Team, ...]:
        answer = self._call("teams", "ListTeams", teams_pb2.ListTeamsRequest(page=_page()), token)
        return tuple(team(t) for t in answer.teams)

    def memberships(self, token: str, team_id: str) -> tuple[Membership, ...]:
        request = teams_pb2.ListMembershipsRequest(team_id=team_id, page=_page())
        answer = self._call("memberships", "ListMemberships", request, token)
        return tuple(membership(m) for m in answer.memberships)

    def absences(self, token: str, user_id: str) -> tuple[Absence, ...]:
        request = teams_pb2.ListAbsencesRequest(user_id=user_id)
        answer = self._call("memberships", "ListAbsences", request, token)
        return tuple(_absence(a) for a in answer.absences)

    def unassigned(self, token: str) -> tuple[QueuedLead, ...]:
        request = routing_pb2.ListUnassignedLeadsRequest(page=_page())
        answer = self._call("routing", "ListUnassignedLeads", request, token)
        return tuple(_queued(d) for d in answer.decisions)

    def retry_routing(self, token: str, lead_id: str) -> QueuedLead | None:
        request = routing_pb2.RetryRoutingRequest(lead_id=lead_id)
        decision = self._call("routing", "RetryRouting", request, token).decision
        return _queued(decision) if decision.in_queue else None

    def move_member(self, token: str, user_id: str, from_team_id: str, to_team_id: str) -> None:
        request = teams_pb2.MoveMemberRequest(
            user_id=user_id, from_team_id=from_team_id, to_team_id=to_team_id
        )
        self._call("memberships", "MoveMember", request, token)

    def record_absence(
        self, token: str, user_id: str, starts_at: dt.datetime, ends_at: dt.datetime, reason: str
    ) -> Absence:
        request = teams_pb2.RecordAbsenceRequest(
            user_id=user_id, starts_at=_stamp(starts_at), ends_at=_stamp(ends_at), reason=reason
        )
        return _absence(self._call("memberships", "RecordAbsence", request, token).absence)

    def cancel_absence(self, token: str, absence_id: str) -> Absence:
        request = teams_pb2.CancelAbsenceRequest(absence_id=absence_id)
        return _absence(self._call("memberships", "CancelAbsence", request, token).absence)

    def names(self, token: str, user_ids: tuple[str, ...]) -> Mapping[str, str]:
        """Names of the people among ``user_ids`` territory lets the caller see (one call)."""
        request = teams_pb2.ListPeopleNamesRequest(user_ids=list(user_ids))
        return people_names(self._call("memberships", "ListPeopleNames", request, token))

    # ------------------------------------------------------------ leads and deals
    def open_leads(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Lead, ...]:
        query = LeadQuery(
            statuses=OPEN_STATUSES,
            team_ids=(team_id,),
            owner_user_ids=(owner_user_id,) if owner_user_id else (),
            page_size=MOST,
        )
        answer = self._call("leads", "SearchLeads", lead_mapping.search_request(query), token)
        return tuple(lead_mapping.lead(m) for m in answer.leads)

    def open_deals(self, token: str, team_id: str, owner_user_id: str = "") -> tuple[Deal, ...]:
        request = deals_pb2.ListDealsRequest(
            team_id=team_id,
            owner_user_id=owner_user_id,
            status=resources_pb2.DEAL_STATUS_OPEN,
            page=_page(),
        )
        answer = self._call("deals", "ListDeals", request, token)
        return tuple(deal_mapping.deal(d) for d in answer.deals)

    def assign_lead(self, token: str, lead_id: str, team_id: str, owner_user_id: str) -> Lead:
        request = ls.AssignLeadRequest(
            lead_id=lead_id, team_id=team_id, owner_user_id=owner_user_id
        )
        return lead_mapping.lead(self._call("leads", "AssignLead", request, token))

    def reassign_deal(self, token: str, deal_id: str, owner_user_id: str, reason: str) -> Deal:
        request = deals_pb2.ReassignDealRequest(
            id=deal_id, owner_user_id=owner_user_id, reason=reason
        )
        return deal_mapping.deal(self._call("deals", "ReassignDeal", request, token))

    def transfer_deal(self, token: str, deal_id: str, to_team_id: str, reason: str) -> Deal:
        request = deals_pb2.TransferDealRequest(id=deal_id, to_team_id=to_team_id, reason=reason)
        return deal_mapping.deal(self._call("deals", "TransferDeal", request, token))
