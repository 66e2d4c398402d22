"""CampaignService servicer: proto in, use case, proto out."""

from __future__ import annotations

from crm.leads.v1 import campaign_pb2, campaign_pb2_grpc
from crm_leads.adapters import grpc_mapping, grpc_mapping_campaigns
from crm_leads.service_layer import campaigns
from crm_leads.service_layer.dependencies import Dependencies


class CampaignServicer(campaign_pb2_grpc.CampaignServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateCampaign(self, request, context):
        return grpc_mapping_campaigns.campaign(
            campaigns.create_campaign(
                self.deps,
                grpc_mapping.caller(),
                grpc_mapping_campaigns.campaign_values(request.campaign),
            )
        )

    def GetCampaign(self, request, context):
        return grpc_mapping_campaigns.campaign(
            campaigns.get_campaign(self.deps, grpc_mapping.caller(), request.campaign_id)
        )

    def UpdateCampaign(self, request, context):
        return grpc_mapping_campaigns.campaign(
            campaigns.update_campaign(
                self.deps,
                grpc_mapping.caller(),
                request.campaign_id,
                grpc_mapping_campaigns.campaign_values(request.campaign, request.update_mask.paths),
                expected_version=request.expected_version,
            )
        )

    def ListCampaigns(self, request, context):
        page = campaigns.list_campaigns(
            self.deps,
            grpc_mapping.caller(),
            page_size=request.page.page_size,
            cursor=request.page.cursor,
            channel=grpc_mapping_campaigns.channel(request.channel),
        )
        return campaign_pb2.ListCampaignsResponse(
            campaigns=[grpc_mapping_campaigns.campaign(c) for c in page.items],
            page_info=grpc_mapping.page_info(page),
        )
