"""Benchmarks of the platform (`make bench`). Speed targets are checked here, never in tests."""
