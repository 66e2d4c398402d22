"""The CRM platform's shared service chassis.

Every service builds on these modules instead of writing plumbing again: the use-case
convention (``use_cases``, ``unit_of_work``, ``caller``, ``clock``, ``ids``), the wire
conventions (``paging``, ``wire``), the entrypoint kit (``entrypoints``), settings, errors,
database and unit of work, outbox and relay, event handlers, gRPC server and client, auth,
logs, metrics, manifests, and the test kit (``testing``). docs/chassis.md lists every module
with one line each.
"""
