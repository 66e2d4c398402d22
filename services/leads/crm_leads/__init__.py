"""Leads service: capture, import, scoring, routing, search, qualification and
conversion of leads."""
