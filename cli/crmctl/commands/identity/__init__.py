"""identity's commands: the session (``login``, ``logout``, ``whoami``), ``users``,
``departments``, ``service-accounts`` and the token-signing ``keys``."""

from crmctl.commands.identity.auth import login, logout, whoami
from crmctl.commands.identity.departments import departments
from crmctl.commands.identity.keys import keys
from crmctl.commands.identity.service_accounts import service_accounts
from crmctl.commands.identity.users import users

COMMANDS = [login, logout, whoami, users, departments, service_accounts, keys]
