"""PrivacyService servicer: consents, a person's export, erasure requests."""

from __future__ import annotations

import datetime as dt

from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import privacy_pb2 as common
from crm.deals.v1 import privacy_pb2 as pb
from crm.deals.v1 import privacy_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.domain.privacy import ConsentRecord, PrivacyRequest
from crm_deals.service_layer import privacy


def _ts(moment: dt.datetime | None) -> Timestamp | None:
    if moment is None:
        return None
    value = Timestamp()
    value.FromDatetime(moment)
    return value


def consent(r: ConsentRecord) -> pb.Consent:
    return pb.Consent(
        contact_id=r.contact_id,
        channel=r.channel,
        granted=r.granted,
        source=r.source,
        recorded_at=_ts(r.recorded_at),
        recorded_by=r.recorded_by,
    )


def request_message(r: PrivacyRequest) -> pb.PrivacyRequest:
    return pb.PrivacyRequest(
        id=r.id,
        kind=r.kind,
        subject=r.subject,
        requested_by=r.requested_by,
        reason=r.reason,
        requested_at=_ts(r.requested_at),
        state=r.state,
        completed_at=_ts(r.completed_at),
        confirmations=[
            pb.ServiceConfirmation(
                service=c.service,
                state=c.state,
                erased=c.erased,
                note=c.note,
                confirmed_at=_ts(c.confirmed_at),
            )
            for c in r.confirmations
        ],
    )


class PrivacyServicer(grpc_mapping.UseCases, privacy_pb2_grpc.PrivacyServiceServicer):
    def RecordConsent(self, request, context):
        return consent(
            self.run(
                privacy.record_consent,
                contact_id=request.contact_id,
                channel=request.channel,
                granted=request.granted,
                source=request.source,
            )
        )

    def ListConsents(self, request, context):
        found = self.run(privacy.list_consents, request.contact_id)
        return pb.ListConsentsResponse(consents=[consent(r) for r in found])

    def ExportPersonalData(self, request, context):
        email, document = self.run(privacy.export_person, request.email)
        return common.PersonalDataExport(
            service=privacy.SERVICE,
            email=email,
            records=sum(len(items) for items in document.values()),
            document_json=privacy.document_json(document),
        )

    def RequestErasure(self, request, context):
        return request_message(
            self.run(privacy.request_erasure, email=request.email, reason=request.reason)
        )

    def GetPrivacyRequest(self, request, context):
        return request_message(self.run(privacy.get_request, request.id))

    def ListPrivacyRequests(self, request, context):
        found = self.run(privacy.list_requests, request.limit)
        return pb.ListPrivacyRequestsResponse(requests=[request_message(r) for r in found])
