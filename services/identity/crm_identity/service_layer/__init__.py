"""identity's use cases: each runs in one unit of work and emits its events through it."""
