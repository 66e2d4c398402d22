"""The CRM platform's shared service chassis.

Every service builds on these modules instead of writing plumbing again:

- ``settings``  — typed settings from environment variables, with documented defaults
- ``errors``    — domain/application error types, mapped to gRPC status codes at the edge
- ``db``        — SQLAlchemy engine and session factory per service (SQLite or PostgreSQL)
- ``uow``       — unit-of-work base class; events are written to the outbox in the same transaction
- ``outbox``    — the outbox table, the event envelope and the relay that publishes it
- ``messaging`` — broker topology, nameko wire format, idempotent inbox for event handlers
- ``grpc``      — gRPC server bootstrap: health, reflection, auth, metrics, logging, errors
- ``auth``      — JWT verification against identity's published keys; the caller's principal
- ``metrics``   — Prometheus registry helpers and the /metrics HTTP endpoint
- ``logging``   — structured JSON logs with request and trace ids
- ``manifest``  — a service's declaration of its processes and subscriptions (services/*/service.toml)
"""
