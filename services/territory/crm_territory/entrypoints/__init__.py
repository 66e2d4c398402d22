"""Entrypoints: the process mains and their wiring — ``api`` (the gRPC server), ``worker`` (the
nameko service with the event handlers), ``republish_access``; settings in ``settings``."""
