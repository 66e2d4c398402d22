"""Entrypoints (next session): the process mains wiring adapters to use cases, `api` (grpcio
server) and `worker` (nameko service with event handlers and the stalled-deal timer)."""
