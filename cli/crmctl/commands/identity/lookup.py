"""A USER argument is an id or an e-mail; an e-mail is looked up with ListUsers (query) and must
match exactly (case-insensitive)."""

from __future__ import annotations

from crm.common.v1 import pagination_pb2
from crm.identity.v1 import users_pb2
from crmctl.commands.identity.stubs import Stubs
from crmctl.session import CliError, Session


def user_id(session: Session, user: str) -> str:
    """The id of USER given as an id or as an e-mail."""
    if "@" not in user:
        return user
    wanted = user.strip().lower()
    request = users_pb2.ListUsersRequest(
        query=wanted, page=pagination_pb2.PageRequest(page_size=50)
    )
    response = session.call(Stubs(session).users.ListUsers, request)
    for candidate in response.users:
        if candidate.email.lower() == wanted:
            return candidate.id
    raise CliError(f"no user with e-mail {user}")
