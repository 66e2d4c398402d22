"""Adapters: the SQLAlchemy tables, repositories and unit of work over them; the gRPC servicers
translating protos to use-case calls (``grpc_mapping``); the decoding of leads' and deals' events
the worker consumes; the identity directory client; Prometheus metrics. No domain logic."""
