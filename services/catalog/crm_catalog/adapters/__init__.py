"""Adapters: the SQLAlchemy repositories with revision tables for "as of" reads, the unit of
work wiring them to the outbox, the revision clock and caches, and the gRPC servicers with their
request and response mapping (grpc_mapping*.py). No domain logic lives here."""
