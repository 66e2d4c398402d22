"""The command groups of crmctl.

A service adds its group (``crmctl leads ...``) in one of two ways:

* inside this package: a module exposing ``COMMANDS`` (a list of click commands/groups), listed
  in :data:`BUILTIN_MODULES`;
* from its own package: an entry point in the group ``crmctl.commands`` naming a click command,
  e.g. in its pyproject.toml ``[project.entry-points."crmctl.commands"] leads =
  "crm_leads.cli:leads"``.

Commands reach the session (addresses, tokens, output format) with ``@pass_session`` and accept
``--output`` locally with ``@output_option``.
"""
from __future__ import annotations

import importlib
from importlib.metadata import entry_points

import click

BUILTIN_MODULES = [
    "crmctl.commands.auth",
    "crmctl.commands.users",
    "crmctl.commands.departments",
    "crmctl.commands.service_accounts",
]

ENTRY_POINT_GROUP = "crmctl.commands"


def load_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for name in BUILTIN_MODULES:
        commands.extend(importlib.import_module(name).COMMANDS)
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(f"entry point {entry.name} = {entry.value} in group "
                            f"{ENTRY_POINT_GROUP} is not a click command")
        commands.append(command)
    return commands
