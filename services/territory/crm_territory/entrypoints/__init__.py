"""Entrypoints (next session): process mains and wiring — `api` (grpcio server), `worker`
(nameko service with the event handlers), configuration via crm_chassis.settings."""
