"""Use cases of the deals service over an abstract unit of work and ports."""
