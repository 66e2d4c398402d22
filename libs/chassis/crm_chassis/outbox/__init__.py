"""Transactional outbox: events written with the state change, published later by the relay."""

from crm_chassis.outbox.tables import inbox_table, messaging_tables, outbox_table  # noqa: F401
from crm_chassis.outbox.writer import OutboxWriter  # noqa: F401
