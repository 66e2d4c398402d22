"""The commands of crmctl: one package per service, one grammar.

Grammar: ``crmctl <noun> [<sub-noun>] <action> [ARGUMENTS] [--options]``. The noun is the kind
of record as the platform names it, in the plural (``products``, ``price-lists``, ``teams``,
``deals``), or the area a group of actions works on (``org``, ``routing``, ``access``,
``pricing``, ``scoring``, ``dlq``); a sub-noun is a part of the noun's record (``lines
targets``, ``territories rules``, ``users departments``). The action is a verb (``create``,
``list``, ``show``, ``update``, ``move``, ``win``) or, for a read-only view, what it shows
(``board``, ``history``, ``tree``, ``timeline``). ``login``, ``logout`` and ``whoami`` are the
session's own commands. Arguments that name a record take its id or the name a person uses
(``--team Berlin``, a user's e-mail, a product's SKU).

Layout: ``crmctl/commands/<service>/`` holds the commands of one service, a module per noun
(``territory/teams.py``), and the same helper modules wherever the service needs them:

* ``stubs.py`` — the service's default address and its gRPC stubs on the session's channel;
* ``lookup.py`` — what a person types (a name, an e-mail, a SKU) as the id the service wants;
* ``rows.py`` — the service's records as rows to print (enum words, money as "12.00 EUR");
* ``arguments.py`` — option texts as request parts (``SKU:QUANTITY[:UNIT]`` lines, rules
  files, ``TYPE:ID`` record references).

The package's ``__init__`` lists its top-level groups in ``COMMANDS``; every package of this
folder that has ``COMMANDS`` is loaded (no list to edit). What every service's commands share
lives beside this folder: the session, ``options`` (``@pass_session``, ``@output_option``,
passwords, ``--limit``, ``--expected-version``), ``shapes`` (``<group> <action> ID``
commands made from a table), ``paging``, ``lookup`` (a name as an id), ``names`` (names
beside ids), ``wire`` (enums, money, instants) and ``output``.

Another package may add a group with an entry point in the group ``crmctl.commands`` naming a
click command, e.g. in its pyproject.toml ``[project.entry-points."crmctl.commands"] leads =
"crm_leads.cli:leads"``.
"""

from __future__ import annotations

import importlib
import pkgutil
from importlib.metadata import entry_points

import click


def _service_packages() -> list[str]:
    return sorted(
        f"{__name__}.{info.name}"
        for info in pkgutil.iter_modules(__path__)
        if info.ispkg and not info.name.startswith("_")
    )


SERVICE_PACKAGES = _service_packages()

ENTRY_POINT_GROUP = "crmctl.commands"


def load_commands() -> list[click.Command]:
    commands: list[click.Command] = []
    for name in SERVICE_PACKAGES:
        commands.extend(getattr(importlib.import_module(name), "COMMANDS", ()))
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        command = entry.load()
        if not isinstance(command, click.Command):
            raise TypeError(
                f"entry point {entry.name} = {entry.value} in group "
                f"{ENTRY_POINT_GROUP} is not a click command"
            )
        commands.append(command)
    return commands
