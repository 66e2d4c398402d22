"""OrgService: organisation settings, units and unit managers (proto -> use case -> proto)."""

from __future__ import annotations

from crm.territory.v1 import org_pb2, org_pb2_grpc
from crm_territory.adapters import grpc_mapping
from crm_territory.adapters.grpc_servicer import Servicer, caller, listed, paged
from crm_territory.service_layer import org


class OrgServicer(Servicer, org_pb2_grpc.OrgServiceServicer):
    def _unit(self, unit) -> org_pb2.OrgUnit:
        # Level names are organisation state: read them with the unit they label.
        return grpc_mapping.unit(unit, org.get_settings(self.deps, caller()).level_names)

    def GetOrgSettings(self, request, context):
        caller()
        return org_pb2.GetOrgSettingsResponse(
            settings=grpc_mapping.settings(org.get_settings(self.deps, caller()))
        )

    def SetLevelNames(self, request, context):
        settings = org.set_level_names(self.deps, caller(), names=list(request.level_names))
        return org_pb2.SetLevelNamesResponse(settings=grpc_mapping.settings(settings))

    def SetUnassignedQueue(self, request, context):
        settings = org.set_unassigned_queue(self.deps, caller(), team_id=request.team_id)
        return org_pb2.SetUnassignedQueueResponse(settings=grpc_mapping.settings(settings))

    def CreateOrgUnit(self, request, context):
        unit = org.create_unit(
            self.deps,
            caller(),
            name=request.name,
            parent_id=request.parent_id,
            department=request.department,
        )
        return org_pb2.CreateOrgUnitResponse(unit=self._unit(unit))

    def GetOrgUnit(self, request, context):
        return org_pb2.GetOrgUnitResponse(
            unit=self._unit(org.get_unit(self.deps, caller(), unit_id=request.id))
        )

    def ListOrgUnits(self, request, context):
        page = org.list_units(
            self.deps,
            caller(),
            parent_id=request.parent_id,
            department=request.department,
            include_inactive=request.include_inactive,
            **paged(request),
        )
        names = org.get_settings(self.deps, caller()).level_names
        return listed(
            org_pb2.ListOrgUnitsResponse, "units", page, lambda u: grpc_mapping.unit(u, names)
        )

    def RenameOrgUnit(self, request, context):
        unit = org.rename_unit(
            self.deps,
            caller(),
            unit_id=request.id,
            name=request.name,
            expected_version=request.expected_version,
        )
        return org_pb2.RenameOrgUnitResponse(unit=self._unit(unit))

    def MoveOrgUnit(self, request, context):
        unit = org.move_unit(
            self.deps,
            caller(),
            unit_id=request.id,
            new_parent_id=request.new_parent_id,
            expected_version=request.expected_version,
        )
        return org_pb2.MoveOrgUnitResponse(unit=self._unit(unit))

    def DeactivateOrgUnit(self, request, context):
        unit = org.deactivate_unit(self.deps, caller(), unit_id=request.id)
        return org_pb2.DeactivateOrgUnitResponse(unit=self._unit(unit))

    def DeleteOrgUnit(self, request, context):
        org.delete_unit(self.deps, caller(), unit_id=request.id)
        return org_pb2.DeleteOrgUnitResponse()

    def AssignUnitManager(self, request, context):
        unit = org.assign_unit_manager(
            self.deps, caller(), unit_id=request.unit_id, user_id=request.user_id
        )
        return org_pb2.AssignUnitManagerResponse(unit=self._unit(unit))

    def RemoveUnitManager(self, request, context):
        unit = org.remove_unit_manager(
            self.deps, caller(), unit_id=request.unit_id, user_id=request.user_id
        )
        return org_pb2.RemoveUnitManagerResponse(unit=self._unit(unit))
