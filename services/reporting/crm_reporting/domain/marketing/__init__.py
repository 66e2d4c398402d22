"""The marketing and customer KPIs (lead sources, campaign ROI, customers): pure functions of
the facts in ``facts.py``, defined in docs/services/reporting.md, "Marketing and customer
figures"."""
