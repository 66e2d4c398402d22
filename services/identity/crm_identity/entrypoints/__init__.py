"""Process mains and wiring: api (gRPC), worker (nameko timers)."""
