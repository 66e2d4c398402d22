"""OrgService: organisation settings, units and unit managers (proto -> use case -> proto)."""
from __future__ import annotations

from crm.territory.v1 import org_pb2 as pb, org_pb2_grpc

from crm_territory.adapters.grpc_common import Servicer, caller, page_info
from crm_territory.service_layer import mappers, org


class OrgServicer(Servicer, org_pb2_grpc.OrgServiceServicer):
    def _unit(self, unit) -> pb.OrgUnit:
        # Level names are organisation state: read them with the unit they label.
        return mappers.unit(unit, org.get_settings(self.uow).level_names)

    def GetOrgSettings(self, request, context):
        caller()
        return pb.GetOrgSettingsResponse(settings=mappers.settings(org.get_settings(self.uow)))

    def SetLevelNames(self, request, context):
        settings = org.set_level_names(self.uow, caller(), list(request.level_names))
        return pb.SetLevelNamesResponse(settings=mappers.settings(settings))

    def SetUnassignedQueue(self, request, context):
        settings = org.set_unassigned_queue(self.uow, caller(), request.team_id)
        return pb.SetUnassignedQueueResponse(settings=mappers.settings(settings))

    def CreateOrgUnit(self, request, context):
        unit = org.create_unit(self.uow, caller(), self.clock, name=request.name,
                               parent_id=request.parent_id, department=request.department)
        return pb.CreateOrgUnitResponse(unit=self._unit(unit))

    def GetOrgUnit(self, request, context):
        caller()
        return pb.GetOrgUnitResponse(unit=self._unit(org.get_unit(self.uow, request.id)))

    def ListOrgUnits(self, request, context):
        caller()
        page = org.list_units(self.uow, parent_id=request.parent_id,
                              department=request.department,
                              include_inactive=request.include_inactive,
                              page_size=request.page.page_size, cursor=request.page.cursor)
        names = org.get_settings(self.uow).level_names
        return pb.ListOrgUnitsResponse(units=[mappers.unit(u, names) for u in page.items],
                                       page=page_info(page.next_cursor))

    def RenameOrgUnit(self, request, context):
        unit = org.rename_unit(self.uow, caller(), request.id, request.name,
                               request.expected_version)
        return pb.RenameOrgUnitResponse(unit=self._unit(unit))

    def MoveOrgUnit(self, request, context):
        unit = org.move_unit(self.uow, caller(), self.clock, request.id, request.new_parent_id,
                             request.expected_version)
        return pb.MoveOrgUnitResponse(unit=self._unit(unit))

    def DeactivateOrgUnit(self, request, context):
        unit = org.deactivate_unit(self.uow, caller(), self.clock, request.id)
        return pb.DeactivateOrgUnitResponse(unit=self._unit(unit))

    def DeleteOrgUnit(self, request, context):
        org.delete_unit(self.uow, caller(), self.clock, request.id)
        return pb.DeleteOrgUnitResponse()

    def AssignUnitManager(self, request, context):
        unit = org.assign_unit_manager(self.uow, caller(), self.clock, self.deps.directory,
                                       request.unit_id, request.user_id)
        return pb.AssignUnitManagerResponse(unit=self._unit(unit))

    def RemoveUnitManager(self, request, context):
        unit = org.remove_unit_manager(self.uow, caller(), self.clock, request.unit_id,
                                       request.user_id)
        return pb.RemoveUnitManagerResponse(unit=self._unit(unit))
