"""Use cases of the deals service, each ``use_case(deps, caller, ...)`` over an abstract unit of
work and ports (see ``dependencies.py``)."""
