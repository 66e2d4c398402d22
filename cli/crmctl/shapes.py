"""The command shape many services' commands take, written once: ``<group> <action> ID
[--reason]``, one call on one record, then the record shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from crmctl.options import output_option, pass_session
from crmctl.session import Session


def id_command(
    group: click.Group,
    name: str,
    stubs: Callable[[Session], Any],
    rpc: str,
    request_type,
    show: Callable[[Session, Any], None],
    doc: str,
    *,
    with_reason: bool = False,
) -> None:
    """Add ``group name ID [--reason]``: ``rpc`` (``"<stub>.<Method>"`` on ``stubs(session)``)
    called with the record's id (and the reason), then its reply shown by ``show``. The
    argument is named after the group (``quotes`` -> ``QUOTE_ID``), as hand-written commands
    name theirs."""
    noun = (group.name or "").removesuffix("s").upper()
    stub, method = rpc.split(".")

    @click.argument("record_id", metavar=f"{noun}_ID")
    @output_option
    @pass_session
    def command(session, record_id, reason=None):
        fields = {"reason": reason} if with_reason else {}
        call = getattr(getattr(stubs(session), stub), method)
        show(session, session.call(call, request_type(id=record_id, **fields)))

    command.__doc__ = doc
    if with_reason:
        command = click.option("--reason", required=True, help="Why.")(command)
    group.command(name)(command)
