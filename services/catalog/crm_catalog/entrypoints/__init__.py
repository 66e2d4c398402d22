"""Entrypoints (next session): the `api` process main (grpcio server, health, reflection,
metrics) and the wiring of settings, engine, unit of work and clock into the servicers."""
