"""leads' commands: ``leads`` (capture, import, search, work, convert), ``campaigns`` and the
``scoring`` models of the sales lines."""

from crmctl.commands.leads.campaigns import campaigns
from crmctl.commands.leads.leads import leads
from crmctl.commands.leads.scoring import scoring

COMMANDS = [leads, campaigns, scoring]
