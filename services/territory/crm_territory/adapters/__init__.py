"""Adapters (next session): SQLAlchemy tables, repositories and the unit of work over them; the
gRPC servicers translating protos to use-case calls; the nameko event handlers consuming
identity's user events and leads' lead_created; the identity directory client. No domain logic."""
