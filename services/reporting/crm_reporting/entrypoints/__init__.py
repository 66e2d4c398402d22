"""reporting's processes: the api (entrypoints/api.py), the worker (entrypoints/worker.py), their
settings and the wiring of settings into the use cases' dependencies."""
