"""MembershipService: dated memberships, moves, pause/resume and leave."""

from __future__ import annotations

from crm.territory.v1 import teams_pb2, teams_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import absences, memberships


def _membership_changes(request) -> dict:
    """The update_mask's fields with their new values, as update_membership takes them."""
    given = request.membership
    values = {
        "role": lambda: grpc_mapping.team_role(given.role),
        "daily_capacity": lambda: given.daily_capacity,
        "takes_leads": lambda: given.takes_leads,
    }
    # Unknown paths go through as None: the use case refuses them, naming the allowed ones.
    return {path: values[path]() if path in values else None for path in request.update_mask.paths}


class MembershipServicer(Servicer, teams_pb2_grpc.MembershipServiceServicer):
    def AddMember(self, request, context):
        membership = memberships.add_member(
            self.deps,
            caller(),
            team_id=request.team_id,
            user_id=request.user_id,
            role=grpc_mapping.team_role(request.role),
            starts_at=grpc_mapping.when(request, "starts_at"),
            daily_capacity=request.daily_capacity,
            takes_leads=request.takes_leads if request.HasField("takes_leads") else None,
        )
        return teams_pb2.AddMemberResponse(membership=grpc_mapping.membership(membership))

    def EndMembership(self, request, context):
        membership = memberships.end_membership(
            self.deps,
            caller(),
            membership_id=request.membership_id,
            ends_at=grpc_mapping.when(request, "ends_at"),
            reason=request.reason,
        )
        return teams_pb2.EndMembershipResponse(membership=grpc_mapping.membership(membership))

    def MoveMember(self, request, context):
        ended, started = memberships.move_member(
            self.deps,
            caller(),
            user_id=request.user_id,
            from_team_id=request.from_team_id,
            to_team_id=request.to_team_id,
            role=grpc_mapping.team_role(request.role, required=False),
            daily_capacity=request.daily_capacity,
        )
        return teams_pb2.MoveMemberResponse(
            ended=grpc_mapping.membership(ended), started=grpc_mapping.membership(started)
        )

    def UpdateMembership(self, request, context):
        membership = memberships.update_membership(
            self.deps,
            caller(),
            membership_id=request.membership_id,
            changes=_membership_changes(request),
            expected_version=request.expected_version,
        )
        return teams_pb2.UpdateMembershipResponse(membership=grpc_mapping.membership(membership))

    def PauseMember(self, request, context):
        membership = memberships.set_paused(
            self.deps, caller(), membership_id=request.membership_id, paused=True
        )
        return teams_pb2.PauseMemberResponse(membership=grpc_mapping.membership(membership))

    def ResumeMember(self, request, context):
        membership = memberships.set_paused(
            self.deps, caller(), membership_id=request.membership_id, paused=False
        )
        return teams_pb2.ResumeMemberResponse(membership=grpc_mapping.membership(membership))

    def ListMemberships(self, request, context):
        page = memberships.list_memberships(
            self.deps,
            caller(),
            team_id=request.team_id,
            user_id=request.user_id,
            include_ended=request.include_ended,
            **paged(request),
        )
        return listed(
            teams_pb2.ListMembershipsResponse, "memberships", page, grpc_mapping.membership
        )

    def RecordAbsence(self, request, context):
        absence = absences.record_absence(
            self.deps,
            caller(),
            user_id=request.user_id,
            starts_at=grpc_mapping.when(request, "starts_at"),
            ends_at=grpc_mapping.when(request, "ends_at"),
            reason=request.reason,
        )
        return teams_pb2.RecordAbsenceResponse(absence=grpc_mapping.absence(absence))

    def CancelAbsence(self, request, context):
        absence = absences.cancel_absence(self.deps, caller(), absence_id=request.absence_id)
        return teams_pb2.CancelAbsenceResponse(absence=grpc_mapping.absence(absence))

    def ListAbsences(self, request, context):
        rows = absences.list_absences(
            self.deps, caller(), user_id=request.user_id, since=grpc_mapping.when(request, "since")
        )
        return teams_pb2.ListAbsencesResponse(absences=[grpc_mapping.absence(a) for a in rows])

    def ListPeopleNames(self, request, context):
        people = memberships.list_people_names(self.deps, caller(), user_ids=list(request.user_ids))
        return teams_pb2.ListPeopleNamesResponse(
            people=[
                teams_pb2.PersonName(user_id=p.user_id, display_name=p.display_name) for p in people
            ]
        )
