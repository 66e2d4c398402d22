"""Decorators every command uses: the invocation's session, a per-command ``--output``, a
list's ``--limit``, a change's ``--expected-version``, and how a password is read."""

from __future__ import annotations

import functools
import os
import sys

import click

from crmctl.output import OUTPUT_CHOICE
from crmctl.session import CliError, Session


def pass_session(func):
    """Pass the invocation's :class:`Session` as first argument."""
    return click.pass_obj(func)


def output_option(func):
    """``--output/-o`` on a single command; overrides the global option when given."""

    @click.option(
        "--output",
        "-o",
        "local_output",
        type=OUTPUT_CHOICE,
        default=None,
        help="table (default), json, or id (only the ids, for a shell variable); "
        "overrides the global --output.",
    )
    @functools.wraps(func)
    def wrapper(*args, local_output: str | None = None, **kwargs):
        if local_output:
            click.get_current_context().find_object(Session).output = local_output
        return func(*args, **kwargs)

    return wrapper


def limit_option(default: int, what: str = ""):
    """``--limit`` of a list that follows every page: at most this many records (0: all)."""
    return click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=default,
        show_default=True,
        help=f"At most this many{' ' + what if what else ''} (0 = all).",
    )


def expected_version_option(help: str):
    """``--expected-version`` of a change: refused when the record is at another version (0:
    whatever version it is at)."""
    return click.option("--expected-version", type=int, default=0, help=help)


PASSWORD_ENV = "CRMCTL_PASSWORD"


def read_secret(*, from_stdin: bool, prompt: str, confirm: bool = False) -> str:
    """A password from stdin (first line, for scripts), from ``$CRMCTL_PASSWORD`` (scripts and
    tests that cannot type), or from a hidden prompt."""
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    elif os.environ.get(PASSWORD_ENV):
        value = os.environ[PASSWORD_ENV]
    else:
        value = click.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    if not value:
        raise CliError("the password is empty")
    return value
