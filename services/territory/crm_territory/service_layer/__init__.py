"""Use cases of the territory service: authorisation, transactions (unit of work), events."""
