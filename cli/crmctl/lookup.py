"""The one way a name a person types becomes the id a service wants (:func:`resolve_name`):
an id is taken as it is, a name is looked up in the list call of its records."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from crmctl.paging import pages
from crmctl.session import CliError, Session

ID = re.compile(r"^[0-9a-f]{32}$")


def looks_like_id(value: str) -> bool:
    """The platform's ids are 32 lowercase hex digits (``uuid4().hex``)."""
    return bool(ID.match(value))


def resolve_name(
    session: Session, value: str, what: str, method, request, *, listed_by: str
) -> str:
    """The id of the record ``value`` names: an id as it is, else the one record of the list
    call whose id or name (case-insensitive) it is. A name nobody has, or several records
    share, is a CliError saying what to give instead and which command (``listed_by``) lists
    them."""
    if looks_like_id(value):
        return value
    wanted = value.strip().casefold()
    matches = []
    for item in pages(session, method, request):
        if item.id == value.strip():
            return item.id
        if item.name.casefold() == wanted:
            matches.append(item.id)
    if not matches:
        raise CliError(
            f"no {what} named {value!r} (give its id or exact name; `{listed_by}` shows them)"
        )
    if len(matches) > 1:
        raise CliError(
            f"{len(matches)} {what}s are named {value!r}: give the id ({', '.join(matches)})"
        )
    return matches[0]


def name_resolver(
    what: str,
    method_of: Callable[[Session], Any],
    request_of: Callable[[str], Any],
    *,
    listed_by: str,
) -> Callable[[Session, str], str]:
    """:func:`resolve_name` for one kind of record: ``method_of(session)`` is its list call,
    ``request_of(value)`` the request that lists the candidates for ``value``."""

    def resolve(session: Session, value: str) -> str:
        return resolve_name(
            session, value, what, method_of(session), request_of(value), listed_by=listed_by
        )

    return resolve
