"""Entrypoints (next session): the api process main (grpcio server wiring) and the worker module
(nameko service with the event handlers and the rescoring/conversion-retry timers)."""
