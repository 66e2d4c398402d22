"""Decorators and helpers every command module uses, among them the one way a name a person
types becomes the id a service wants (:func:`resolve_name`)."""
from __future__ import annotations

import functools
import os
import re
import sys

import click

from crm.common.v1 import pagination_pb2
from crmctl.output import OUTPUT_CHOICE
from crmctl.session import CliError, Session


def pass_session(func):
    """Pass the invocation's :class:`Session` as first argument."""
    return click.pass_obj(func)


def output_option(func):
    """``--output/-o`` on a single command; overrides the global option when given."""

    @click.option("--output", "-o", "local_output", type=OUTPUT_CHOICE, default=None,
                  help="table (default) or json; overrides the global --output.")
    @functools.wraps(func)
    def wrapper(*args, local_output: str | None = None, **kwargs):
        if local_output:
            click.get_current_context().find_object(Session).output = local_output
        return func(*args, **kwargs)

    return wrapper


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


_ID = re.compile(r"^[0-9a-f]{32}$")


def all_pages(session: Session, method, request):
    """Every item of a paged list call (the response's one repeated field)."""
    request.page.CopyFrom(pagination_pb2.PageRequest(page_size=500))
    while True:
        response = session.call(method, request)
        items = next(f for f in response.DESCRIPTOR.fields if f.name != "page").name
        yield from getattr(response, items)
        if not response.page.next_cursor:
            return
        request.page.cursor = response.page.next_cursor


def resolve_name(session: Session, value: str, what: str, method, request, *,
                 listed_by: str) -> str:
    """The id of the record ``value`` names: an id as it is, else the one record of the list
    call whose id or name (case-insensitive) it is. A name nobody has, or several records
    share, is a CliError saying what to give instead and which command (``listed_by``) lists
    them."""
    if _ID.match(value):
        return value
    wanted = value.strip().casefold()
    matches = []
    for item in all_pages(session, method, request):
        if item.id == value.strip():
            return item.id
        if item.name.casefold() == wanted:
            matches.append(item.id)
    if not matches:
        raise CliError(f"no {what} named {value!r} (give its id or exact name; "
                       f"`{listed_by}` shows them)")
    if len(matches) > 1:
        raise CliError(f"{len(matches)} {what}s are named {value!r}: give the id "
                       f"({', '.join(matches)})")
    return matches[0]
