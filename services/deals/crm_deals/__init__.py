"""The deals service: accounts, contacts, pipelines, opportunities, activities, transfers,
automations, quotes, orders and invoices (see docs/services/deals.md)."""
