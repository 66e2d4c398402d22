"""Adapters (next session): SQLAlchemy repositories and unit of work, the grpcio servicers of
LeadService/CampaignService/ScoringService, nameko event handlers (territory's lead_routed,
lead_unroutable and membership_changed; deals' conversion answers and won/lost outcomes), and
clients of the ports declared in crm_leads.service_layer.ports."""
