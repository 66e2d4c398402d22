"""The reporting service: the sales KPIs, from its own copy of the other services' events."""
