"""Names beside ids, for people: ``Ann Lee (3f2a…)`` where a result only holds a user, team or
sales line id. One cache per invocation; an id crmctl cannot name (unknown, or not readable by
the caller, or its service unreachable: names are a help, the result stands without them) is
shown as it is."""

from __future__ import annotations

import grpc

from crm.deals.v1 import pipelines_pb2, pipelines_pb2_grpc
from crm.identity.v1 import users_pb2, users_pb2_grpc
from crm.territory.v1 import sales_lines_pb2, sales_lines_pb2_grpc, teams_pb2, teams_pb2_grpc
from crmctl.session import Session

_UNNAMED = (
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.INVALID_ARGUMENT,
)
_UNREACHABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


class Names:
    def __init__(self, session: Session):
        self._session = session
        self._known: dict[tuple[str, str], str] = {}
        self._unreachable: set[str] = set()

    def _name(self, kind: str, record_id: str, fetch) -> str:
        if not record_id:
            return ""
        key = (kind, record_id)
        if key not in self._known and kind not in self._unreachable:
            try:
                self._known[key] = fetch(record_id)
            except grpc.RpcError as exc:
                if exc.code() in _UNREACHABLE:
                    self._unreachable.add(kind)  # ask no more: one wait per invocation
                elif exc.code() not in _UNNAMED:
                    raise
                self._known[key] = ""
        name = self._known.get(key, "")
        return f"{name} ({record_id})" if name else record_id

    def user(self, user_id: str) -> str:
        def fetch(i):
            stub = users_pb2_grpc.UserServiceStub(self._session.channel("identity"))
            return self._session.call(stub.GetUser, users_pb2.GetUserRequest(id=i)).display_name

        return self._name("user", user_id, fetch)

    def team(self, team_id: str) -> str:
        def fetch(i):
            stub = teams_pb2_grpc.TeamServiceStub(self._session.channel("territory"))
            return self._session.call(stub.GetTeam, teams_pb2.GetTeamRequest(id=i)).team.name

        return self._name("team", team_id, fetch)

    def line(self, line_id: str) -> str:
        def fetch(i):
            stub = sales_lines_pb2_grpc.SalesLineServiceStub(self._session.channel("territory"))
            return self._session.call(
                stub.GetSalesLine, sales_lines_pb2.GetSalesLineRequest(id=i)
            ).sales_line.name

        return self._name("line", line_id, fetch)

    def pipeline_of_line(self, line_id: str) -> str:
        """The name of the pipeline deals holds for the line, "(none: crmctl pipelines create
        --line …)" when it has none; "" when deals cannot be asked."""
        if "pipelines" not in self._unreachable and ("pipelines", "") not in self._known:
            try:
                stub = pipelines_pb2_grpc.PipelineServiceStub(self._session.channel("deals"))
                found = self._session.call(
                    stub.ListPipelines, pipelines_pb2.ListPipelinesRequest()
                ).pipelines
                # A line's default pipeline wins over the others territories may name.
                ordered = sorted(found, key=lambda p: p.line_default)
                self._known.update({("pipelines", p.sales_line_id): p.name for p in ordered})
                self._known[("pipelines", "")] = ""
            except grpc.RpcError as exc:
                if exc.code() not in (*_UNREACHABLE, *_UNNAMED):
                    raise
                self._unreachable.add("pipelines")
        if "pipelines" in self._unreachable:
            return ""
        return self._known.get(("pipelines", line_id), "(none: `crmctl pipelines create`)")


def names(session: Session) -> Names:
    """The invocation's name cache."""
    found = getattr(session, "_names", None)
    if found is None:
        found = session._names = Names(session)
    return found
