"""Entrypoints of deals: the process mains and what wires adapters to use cases — ``api``
(the gRPC server), ``worker`` (the nameko service: event handlers and timers), ``wiring``
(dependencies from settings) and ``settings``."""
