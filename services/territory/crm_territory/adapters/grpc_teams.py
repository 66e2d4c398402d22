"""TeamService: teams under the units (proto -> use case -> proto)."""
from __future__ import annotations

from crm.territory.v1 import teams_pb2 as pb, teams_pb2_grpc

from crm_territory.adapters.grpc_common import Servicer, caller, page_info
from crm_territory.service_layer import inbound, mappers, teams


class TeamServicer(Servicer, teams_pb2_grpc.TeamServiceServicer):
    def CreateTeam(self, request, context):
        team = teams.create_team(self.uow, caller(), self.clock, name=request.name,
                                 unit_id=request.unit_id,
                                 strategy=inbound.strategy(request.strategy),
                                 time_zone=request.time_zone)
        return pb.CreateTeamResponse(team=mappers.team(team))

    def GetTeam(self, request, context):
        caller()
        return pb.GetTeamResponse(team=mappers.team(teams.get_team(self.uow, request.id)))

    def ListTeams(self, request, context):
        caller()
        page = teams.list_teams(self.uow, unit_id=request.unit_id,
                                include_inactive=request.include_inactive,
                                page_size=request.page.page_size, cursor=request.page.cursor)
        return pb.ListTeamsResponse(teams=[mappers.team(t) for t in page.items],
                                    page=page_info(page.next_cursor))

    def RenameTeam(self, request, context):
        team = teams.rename_team(self.uow, caller(), request.id, request.name,
                                 request.expected_version)
        return pb.RenameTeamResponse(team=mappers.team(team))

    def MoveTeam(self, request, context):
        team = teams.move_team(self.uow, caller(), self.clock, request.id, request.new_unit_id,
                               request.expected_version)
        return pb.MoveTeamResponse(team=mappers.team(team))

    def SetTeamRouting(self, request, context):
        team = teams.set_team_routing(self.uow, caller(), request.id,
                                      strategy=inbound.strategy(request.strategy),
                                      time_zone=request.time_zone)
        return pb.SetTeamRoutingResponse(team=mappers.team(team))

    def DeactivateTeam(self, request, context):
        team = teams.deactivate_team(self.uow, caller(), self.clock, request.id)
        return pb.DeactivateTeamResponse(team=mappers.team(team))

    def DeleteTeam(self, request, context):
        teams.delete_team(self.uow, caller(), self.clock, request.id)
        return pb.DeleteTeamResponse()
