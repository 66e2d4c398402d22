"""Command groups from other packages join crmctl through the `crmctl.commands` entry points."""
from importlib.metadata import EntryPoint

import click
import pytest

import crmctl.commands as commands


@click.group()
def leads():
    """Leads (a plugin)."""


def test_entry_point_groups_are_added(monkeypatch):
    point = EntryPoint(name="leads", value=f"{__name__}:leads", group=commands.ENTRY_POINT_GROUP)
    monkeypatch.setattr(commands, "entry_points", lambda group: [point])

    names = [c.name for c in commands.load_commands()]

    assert names[-1] == "leads"
    assert {"login", "logout", "whoami", "users", "departments", "service-accounts"} <= set(names)


def test_an_entry_point_that_is_not_a_command_is_refused(monkeypatch):
    point = EntryPoint(name="bad", value="os:getcwd", group=commands.ENTRY_POINT_GROUP)
    monkeypatch.setattr(commands, "entry_points", lambda group: [point])

    with pytest.raises(TypeError, match="bad = os:getcwd .* is not a click command"):
        commands.load_commands()
