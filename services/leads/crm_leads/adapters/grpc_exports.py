"""LeadExportService servicer: leads streamed as CSV or JSON Lines.

The export walks SearchLeads of the LeadService servicer page after page as the calling
person, so it holds exactly the leads that search gives them (the visibility rule is the search
use case's). Formatting and formula neutralisation are the chassis' (``crm_chassis.wire.export``).
"""

from __future__ import annotations

from crm.leads.v1 import exports_pb2_grpc, lead_service_pb2
from crm_chassis.paging import MAX_PAGE_SIZE
from crm_chassis.wire import export
from crm_leads.adapters.grpc_leads import LeadServicer

#: Leads asked for per page of the walked search (the platform's maximum).
PAGE_SIZE = MAX_PAGE_SIZE
LEAD = lead_service_pb2.SearchLeadsResponse.DESCRIPTOR.fields_by_name["leads"].message_type


class LeadExportServicer(exports_pb2_grpc.LeadExportServiceServicer):
    def __init__(self, deps):
        self.deps = deps
        self.leads = LeadServicer(deps)

    def ExportLeads(self, request, context):
        format = export.check_format(request.format)

        def fetch(cursor: str):
            search = lead_service_pb2.SearchLeadsRequest()
            search.CopyFrom(request.search)
            search.page.page_size, search.page.cursor = PAGE_SIZE, cursor
            found = self.leads.SearchLeads(search, context)
            return list(found.leads), found.page_info.next_cursor

        yield from export.export_chunks(export.walk_pages(fetch), LEAD, format)
