"""AccountService and ContactService servicers: proto in, use case, proto out."""

from __future__ import annotations

from crm.deals.v1 import accounts_pb2, accounts_pb2_grpc
from crm_deals.adapters import grpc_mapping
from crm_deals.service_layer import accounts, duplicates
from crm_deals.service_layer.repositories import AccountFilter


def _with_duplicates(servicer, to_message, find, id_field, record):
    """The created record, with the visible records that look like it (the duplicate flag)."""
    message = to_message(record)
    matches = servicer.run(find, **{id_field: record.id})
    message.possible_duplicate_ids.extend(m.id for m in matches)
    return message


class AccountServicer(grpc_mapping.UseCases, accounts_pb2_grpc.AccountServiceServicer):
    def CreateAccount(self, request, context):
        return _with_duplicates(
            self,
            grpc_mapping.account,
            duplicates.find_account_duplicates,
            "account_id",
            self.run(
                accounts.create_account,
                team_id=request.team_id,
                name=request.name,
                owner_user_id=request.owner_user_id,
                industry=request.industry,
                website=request.website,
                phone=request.phone,
            ),
        )

    def GetAccount(self, request, context):
        return grpc_mapping.account(self.run(accounts.get_account, request.id))

    def ListAccounts(self, request, context):
        filter = AccountFilter(
            relationship=grpc_mapping.enum_value(
                grpc_mapping.RELATIONSHIP, request.relationship, "relationship"
            ),
            query=request.query.strip(),
            owner_user_id=request.owner_user_id,
        )
        page = self.run(accounts.list_accounts, filter, grpc_mapping.page_query(request.page))
        return accounts_pb2.ListAccountsResponse(
            accounts=[grpc_mapping.account(a) for a in page.items],
            page=grpc_mapping.page_info(page),
        )

    def UpdateAccount(self, request, context):
        fields = grpc_mapping.masked_fields(request.update_mask, request.account)
        return grpc_mapping.account(
            self.run(
                accounts.update_account,
                request.id,
                expected_version=request.expected_version,
                **fields,
            )
        )

    def MarkAccountChurned(self, request, context):
        return grpc_mapping.account(
            self.run(accounts.mark_account_churned, request.id, request.reason)
        )


class ContactServicer(grpc_mapping.UseCases, accounts_pb2_grpc.ContactServiceServicer):
    def CreateContact(self, request, context):
        return _with_duplicates(
            self,
            grpc_mapping.contact,
            duplicates.find_contact_duplicates,
            "contact_id",
            self.run(
                accounts.create_contact,
                account_id=request.account_id,
                last_name=request.last_name,
                first_name=request.first_name,
                email=request.email,
                phone=request.phone,
                job_title=request.job_title,
                owner_user_id=request.owner_user_id,
                email_consent=request.email_consent,
                language=request.language,
            ),
        )

    def GetContact(self, request, context):
        return grpc_mapping.contact(self.run(accounts.get_contact, request.id))

    def ListContacts(self, request, context):
        page = self.run(
            accounts.list_contacts,
            account_id=request.account_id,
            query=request.query.strip(),
            page=grpc_mapping.page_query(request.page),
        )
        return accounts_pb2.ListContactsResponse(
            contacts=[grpc_mapping.contact(c) for c in page.items],
            page=grpc_mapping.page_info(page),
        )

    def UpdateContact(self, request, context):
        fields = grpc_mapping.masked_fields(request.update_mask, request.contact)
        return grpc_mapping.contact(
            self.run(
                accounts.update_contact,
                request.id,
                expected_version=request.expected_version,
                **fields,
            )
        )
