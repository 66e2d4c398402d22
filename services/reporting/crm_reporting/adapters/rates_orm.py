"""reporting's copy of catalog's exchange rates (migration 0005_exchange_rates): one row per
pair and effective date, derived from the pair's stored ``exchange_rate_set`` events. The rate
is exact decimal text, never a float."""

from __future__ import annotations

from sqlalchemy import Column, String, Table

from crm_reporting.adapters.orm import metadata

exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("base", String(3), primary_key=True),
    Column("quote", String(3), primary_key=True),
    Column("effective_on", String(10), primary_key=True),  # ISO date
    Column("rate", String(40), nullable=False),
    Column("source", String(200), nullable=False),
)

RATE_TABLES = (exchange_rates,)
