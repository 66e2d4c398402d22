"""leads' adapters: the SQLAlchemy unit of work and repositories (leads, records, scoring,
search), the grpcio servicers of LeadService, CampaignService and ScoringService with their
request/response mapping, the ports' implementations (territory's ChooseOwners client, the
scope replica readers), rescoring jobs and metrics."""
