"""reporting's use cases: ``use_case(deps, caller, *, arguments)``, each opening its own unit of
work."""
