"""Event consumption on the broker: topology (exchanges, quorum queues, dead letters), the
idempotent nameko event handler, its unit-of-work dependency and the worker process main."""
