"""reporting's commands: ``report`` (the sales, marketing and customer KPIs)."""

from crmctl.commands.reporting import marketing  # noqa: F401 - adds sources, campaigns, churn
from crmctl.commands.reporting.report import report

COMMANDS = [report]
