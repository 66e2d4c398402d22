"""Adapters of deals: the SQLAlchemy repositories and unit of work (``repositories*.py``,
``unit_of_work.py``), the invoice number sequence (a row-locked counter per year), the gRPC
servicers (``grpc_<area>.py``) and their translation (``grpc_mapping.py``), the clients of
territory (handover strategy, sales lines) and catalog (PriceQuote), deals' scope replica as
ScopeReader and TeamDirectory, and the senders of automation deliveries (SMTP, webhooks)."""
