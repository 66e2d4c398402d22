"""Adapters (next session): SQLAlchemy repositories with revision tables for "as of" reads, the
SqlAlchemyUnitOfWork subclass wiring them to the outbox, and the gRPC servicers that translate
protos to service-layer calls and CrmError to status codes. No domain logic lives here."""
