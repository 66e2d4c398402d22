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


def test_one_grammar_crmctl_noun_action():
    """Every top-level command is a noun grouping its actions, except the session's own
    login, logout and whoami; catalog's groups are nouns of their own, and routing's preview
    is one of routing's actions."""
    from crmctl.main import cli

    groups = {
        name: command for name, command in cli.commands.items() if isinstance(command, click.Group)
    }
    assert set(cli.commands) - set(groups) == {"login", "logout", "whoami"}
    assert {"unit-groups", "products", "price-lists", "discount-lists", "pricing"} <= set(groups)
    assert "catalog" not in groups and "route-preview" not in cli.commands
    assert "preview" in groups["routing"].commands
    for name in groups:
        assert name == name.lower() and "_" not in name, name
