"""The deals domain: plain Python rules, no I/O. Errors are crm_chassis.errors types."""
