"""DuplicateService servicer (duplicate accounts and contacts, merges): proto in, use case,
proto out."""

from __future__ import annotations

from crm.deals.v1 import duplicates_pb2, duplicates_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import duplicates


def _found(matches: list[duplicates.Match]) -> duplicates_pb2.FindDuplicatesResponse:
    return duplicates_pb2.FindDuplicatesResponse(
        matches=[
            duplicates_pb2.DuplicateMatch(id=m.id, name=m.name, matched_keys=list(m.keys))
            for m in matches
        ]
    )


class DuplicateServicer(grpc_mapping.UseCases, duplicates_pb2_grpc.DuplicateServiceServicer):
    def FindAccountDuplicates(self, request, context):
        return _found(
            self.run(
                duplicates.find_account_duplicates,
                account_id=request.account_id,
                team_id=request.team_id,
                name=request.name,
                website=request.website,
                phone=request.phone,
            )
        )

    def FindContactDuplicates(self, request, context):
        return _found(
            self.run(
                duplicates.find_contact_duplicates,
                contact_id=request.contact_id,
                account_id=request.account_id,
                first_name=request.first_name,
                last_name=request.last_name,
                email=request.email,
                phone=request.phone,
            )
        )

    def MergeAccounts(self, request, context):
        return grpc_mapping.account(
            self.run(
                duplicates.merge_accounts,
                request.survivor_id,
                request.duplicate_id,
                expected_version=request.expected_version,
            )
        )

    def MergeContacts(self, request, context):
        return grpc_mapping.contact(
            self.run(
                duplicates.merge_contacts,
                request.survivor_id,
                request.duplicate_id,
                expected_version=request.expected_version,
            )
        )
