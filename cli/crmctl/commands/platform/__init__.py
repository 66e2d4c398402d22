"""The platform's operations commands, which belong to no one service: ``dlq`` (the
dead-letter queues of every service's event consumers)."""

from crmctl.commands.platform.dlq import dlq_group

COMMANDS = [dlq_group]
