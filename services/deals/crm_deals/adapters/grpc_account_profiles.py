"""AccountProfileService servicer: an account's addresses, social profiles and hierarchy."""

from __future__ import annotations

from crm.deals.v1 import account_profiles_pb2, account_profiles_pb2_grpc, resources_pb2
from crm_deals.adapters import grpc_mapping
from crm_deals.domain.account_profiles import PostalAddress, SocialProfile
from crm_deals.service_layer import account_hierarchy


def _addresses(messages) -> list[PostalAddress]:
    return [
        PostalAddress(
            kind=grpc_mapping.enum_value(resources_pb2.AddressKind, m.kind, f"addresses[{i}].kind"),
            street=m.street,
            city=m.city,
            postal_code=m.postal_code,
            region=m.region,
            country=m.country,
        )
        for i, m in enumerate(messages)
    ]


class AccountProfileServicer(
    grpc_mapping.UseCases, account_profiles_pb2_grpc.AccountProfileServiceServicer
):
    def SetAccountAddresses(self, request, context):
        return grpc_mapping.account(
            self.run(
                account_hierarchy.set_addresses, request.account_id, _addresses(request.addresses)
            )
        )

    def SetSocialProfiles(self, request, context):
        profiles = [SocialProfile(p.network, p.url) for p in request.social_profiles]
        return grpc_mapping.account(
            self.run(account_hierarchy.set_social_profiles, request.account_id, profiles)
        )

    def SetParentAccount(self, request, context):
        return grpc_mapping.account(
            self.run(account_hierarchy.set_parent, request.account_id, request.parent_account_id)
        )

    def GetAccountRollup(self, request, context):
        r = self.run(account_hierarchy.rollup, request.account_id)
        return account_profiles_pb2.AccountRollup(
            account_id=r.account_id,
            account_ids=r.account_ids,
            open_deals=r.open_deals,
            won_deals=r.won_deals,
            open_value=grpc_mapping.money_list(r.open_value),
            won_value=grpc_mapping.money_list(r.won_value),
        )
