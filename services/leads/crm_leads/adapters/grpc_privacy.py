"""LeadPrivacyService servicer: leads' part of a person's export."""

from __future__ import annotations

from crm.common.v1 import privacy_pb2 as common
from crm.leads.v1 import privacy_pb2_grpc
from crm_leads.adapters import grpc_mapping
from crm_leads.service_layer import privacy


class LeadPrivacyServicer(privacy_pb2_grpc.LeadPrivacyServiceServicer):
    def __init__(self, deps):
        self.deps = deps

    def ExportPersonalData(self, request, context):
        email, document = privacy.export_person(self.deps, grpc_mapping.caller(), request.email)
        return common.PersonalDataExport(
            service=privacy.SERVICE,
            email=email,
            records=sum(len(items) for items in document.values()),
            document_json=privacy.document_json(document),
        )
