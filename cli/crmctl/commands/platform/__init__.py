"""The platform's operations commands, which belong to no one service: ``dlq`` (the
dead-letter queues of every service's event consumers) and ``privacy`` (personal-data requests
across leads and deals)."""

from crmctl.commands.platform.dlq import dlq_group
from crmctl.commands.platform.privacy import privacy

COMMANDS = [dlq_group, privacy]
