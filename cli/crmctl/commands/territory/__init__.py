"""territory's commands: the sales organisation (``org``, ``teams``, ``members``), sales
``lines`` and their targets, ``territories`` with their routing rules, ``routing`` (preview,
decisions, the unassigned queue) and ``access``."""

from crmctl.commands.territory.access import access
from crmctl.commands.territory.lines import lines
from crmctl.commands.territory.members import members
from crmctl.commands.territory.org import org
from crmctl.commands.territory.routing import routing
from crmctl.commands.territory.teams import teams
from crmctl.commands.territory.territories import territories

COMMANDS = [org, teams, members, lines, territories, routing, access]
