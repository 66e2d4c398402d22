"""The command groups of crmctl.

A service adds its group (``crmctl leads ...``) in one of two ways:

* inside this package: a module exposing ``COMMANDS`` (a list of click commands/groups); every
  module of the package that has ``COMMANDS`` is loaded, in name order (no list to edit);
* from its own package: an entry point in the group ``crmctl.commands`` naming a click command,
  e.g. in its pyproject.toml ``[project.entry-points."crmctl.commands"] leads =
  "crm_leads.cli:leads"``.

Commands reach the session (addresses, tokens, output format) with ``@pass_session`` and accept
``--output`` locally with ``@output_option``.
"""
from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

import click

# Login and the session come first in --help; the rest follow by module name.
_FIRST = ["crmctl.commands.auth"]


def _builtin_modules() -> list[str]:
    names = sorted(f"{__name__}.{info.name}" for info in pkgutil.iter_modules(__path__)
                   if not info.name.startswith("_"))
    return _FIRST + [name for name in names if name not in _FIRST]


BUILTIN_MODULES = _builtin_modules()

ENTRY_POINT_GROUP = "crmctl.commands"


def load_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for name in BUILTIN_MODULES:
        commands.extend(getattr(importlib.import_module(name), "COMMANDS", ()))
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(f"entry point {entry.name} = {entry.value} in group "
                            f"{ENTRY_POINT_GROUP} is not a click command")
        commands.append(command)
    return commands
