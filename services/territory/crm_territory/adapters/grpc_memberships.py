"""MembershipService: dated memberships, moves, pause/resume and leave."""
from __future__ import annotations

from crm.territory.v1 import teams_pb2 as pb, teams_pb2_grpc

from crm_territory.adapters.grpc_common import Servicer, caller, page_info, when
from crm_territory.service_layer import absences, inbound, mappers, memberships


def _membership_changes(request) -> dict:
    """The update_mask's fields with their new values, as update_membership takes them."""
    given = request.membership
    values = {"role": lambda: inbound.role(given.role),
              "daily_capacity": lambda: given.daily_capacity,
              "takes_leads": lambda: given.takes_leads}
    # Unknown paths go through as None: the use case refuses them, naming the allowed ones.
    return {path: values[path]() if path in values else None
            for path in request.update_mask.paths}


class MembershipServicer(Servicer, teams_pb2_grpc.MembershipServiceServicer):
    def AddMember(self, request, context):
        membership = memberships.add_member(
            self.uow, caller(), self.clock, self.deps.directory, team_id=request.team_id,
            user_id=request.user_id, role=inbound.role(request.role),
            starts_at=when(request, "starts_at"), daily_capacity=request.daily_capacity,
            takes_leads=request.takes_leads if request.HasField("takes_leads") else None)
        return pb.AddMemberResponse(membership=mappers.membership(membership))

    def EndMembership(self, request, context):
        membership = memberships.end_membership(self.uow, caller(), self.clock,
                                                request.membership_id, when(request, "ends_at"),
                                                request.reason)
        return pb.EndMembershipResponse(membership=mappers.membership(membership))

    def MoveMember(self, request, context):
        ended, started = memberships.move_member(
            self.uow, caller(), self.clock, self.deps.directory, user_id=request.user_id,
            from_team_id=request.from_team_id, to_team_id=request.to_team_id,
            role=inbound.role(request.role, required=False),
            daily_capacity=request.daily_capacity)
        return pb.MoveMemberResponse(ended=mappers.membership(ended),
                                     started=mappers.membership(started))

    def UpdateMembership(self, request, context):
        membership = memberships.update_membership(self.uow, caller(), self.clock,
                                                   request.membership_id,
                                                   _membership_changes(request),
                                                   request.expected_version)
        return pb.UpdateMembershipResponse(membership=mappers.membership(membership))

    def PauseMember(self, request, context):
        membership = memberships.set_paused(self.uow, caller(), self.clock,
                                            request.membership_id, True)
        return pb.PauseMemberResponse(membership=mappers.membership(membership))

    def ResumeMember(self, request, context):
        membership = memberships.set_paused(self.uow, caller(), self.clock,
                                            request.membership_id, False)
        return pb.ResumeMemberResponse(membership=mappers.membership(membership))

    def ListMemberships(self, request, context):
        caller()
        page = memberships.list_memberships(self.uow, self.clock, team_id=request.team_id,
                                            user_id=request.user_id,
                                            include_ended=request.include_ended,
                                            page_size=request.page.page_size,
                                            cursor=request.page.cursor)
        return pb.ListMembershipsResponse(
            memberships=[mappers.membership(m) for m in page.items],
            page=page_info(page.next_cursor))

    def RecordAbsence(self, request, context):
        absence = absences.record_absence(self.uow, caller(), self.clock, user_id=request.user_id,
                                          starts_at=when(request, "starts_at"),
                                          ends_at=when(request, "ends_at"),
                                          reason=request.reason)
        return pb.RecordAbsenceResponse(absence=mappers.absence(absence))

    def CancelAbsence(self, request, context):
        absence = absences.cancel_absence(self.uow, caller(), self.clock, request.absence_id)
        return pb.CancelAbsenceResponse(absence=mappers.absence(absence))

    def ListAbsences(self, request, context):
        caller()
        rows = absences.list_absences(self.uow, self.clock, request.user_id,
                                      when(request, "since"))
        return pb.ListAbsencesResponse(absences=[mappers.absence(a) for a in rows])
