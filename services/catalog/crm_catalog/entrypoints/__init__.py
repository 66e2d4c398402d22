"""Entrypoints: the api process (its servicer table, entrypoints/api.py), its settings, and the
wiring of settings into the use cases' dependencies (entrypoints/wiring.py)."""
