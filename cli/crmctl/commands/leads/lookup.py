"""What other services' commands take from leads: the tasks on unconverted leads that
``crmctl tasks list`` (deals' command) shows beside deals' own."""

from __future__ import annotations

import click
import grpc

from crm.leads.v1 import interactions_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.output import message_to_dict
from crmctl.paging import pages
from crmctl.session import Session


def lead_tasks(
    session: Session, *, team_id: str, user_id: str, bucket: str, time_zone: str, limit: int
) -> list[dict]:
    """The open tasks on unconverted leads (leads' ListMyLeadTasks, the filters of deals'
    ListMyTasks) as task rows: leads keeps them until a conversion hands them to deals. A
    leads service that does not answer leaves them out with a warning rather than failing the
    list."""
    request = interactions_pb2.ListMyLeadTasksRequest(
        team_id=team_id, user_id=user_id, bucket=bucket, time_zone=time_zone
    )
    rows = []
    try:
        for due in pages(
            session, Stubs(session).interactions.ListMyLeadTasks, request, limit=limit
        ):
            data = message_to_dict(due.task)
            data["bucket"] = due.bucket
            data["target"] = f"lead:{due.task.lead_id}"
            rows.append(data)
    except grpc.RpcError as exc:
        if exc.code() not in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNIMPLEMENTED):
            raise
        click.echo(
            f"warning: leads did not answer ({exc.code().name}): tasks on leads are not shown",
            err=True,
        )
        return []
    return rows
