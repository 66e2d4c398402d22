"""Use cases of the catalog: authorization, validation, changes and their events, price quotes."""
