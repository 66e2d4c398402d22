"""Waiting for what leads does after a command answers: routing (territory assigns a team and
an owner through events) and conversion (deals creates the deal through events). Both take a
moment; ``--wait`` polls the lead until it has arrived, then shows where it went."""

from __future__ import annotations

import time

import grpc

from crm.leads.v1 import lead_pb2, lead_service_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.names import names
from crmctl.output import print_rows
from crmctl.session import CliError, Session
from crmctl.wire import enum_word

WAIT_SECONDS = 60.0
POLL_SECONDS = 0.25
FINAL = (lead_pb2.CONVERSION_STATE_CONVERTED, lead_pb2.CONVERSION_STATE_FAILED)


def _visible(session: Session, lead_id: str) -> lead_pb2.Lead | None:
    """The lead as the caller sees it; None while no team of theirs has it."""
    try:
        return session.call(
            Stubs(session).leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead_id)
        )
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise


def _routed(lead: lead_pb2.Lead | None) -> bool:
    return lead is not None and bool(lead.assignment.team_id or lead.assignment.queue_team_id)


def wait_routed(
    session: Session, accepted: list[tuple[int, str]], seconds: float | None = None
) -> None:
    """Poll the accepted leads until each is routed to a team of the caller; print row, lead,
    team and owner. CliError (exit 1) naming the rest when they do not arrive in time."""
    seconds = WAIT_SECONDS if seconds is None else seconds
    pending = dict(accepted)
    found: dict[int, lead_pb2.Lead] = {}
    deadline = time.monotonic() + seconds
    while pending:
        for row, lead_id in list(pending.items()):
            lead = _visible(session, lead_id)
            if _routed(lead):
                found[row] = lead
                del pending[row]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    named = names(session)
    rows = [
        {
            "row": row,
            "id": lead.id,
            "name": " ".join(
                filter(None, (lead.data.person.first_name, lead.data.person.last_name))
            ),
            "team": named.team(lead.assignment.team_id)
            or f"(queue of {named.team(lead.assignment.queue_team_id)})",
            "owner": named.user(lead.assignment.owner_user_id) or "(nobody yet)",
        }
        for row, lead in sorted(found.items())
    ]
    if session.output == "table":
        print_rows(
            "table",
            rows,
            [
                ("row", "row"),
                ("id", "lead"),
                ("name", "name"),
                ("team", "routed to team"),
                ("owner", "owner"),
            ],
        )
    if pending:
        raise CliError(
            f"{len(pending)} accepted lead(s) did not reach a team of yours within "
            f"{seconds:.0f} s (rows {', '.join(str(r) for r in sorted(pending))}): "
            "territory may have routed them to another team or found no territory "
            "for them; `crmctl routing preview` shows where such a lead goes"
        )


def wait_converted(
    session: Session, lead: lead_pb2.Lead, seconds: float | None = None
) -> lead_pb2.Lead:
    """Poll a converting lead until deals has answered for good; CliError unless converted."""
    seconds = WAIT_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + seconds
    while lead.conversion.state not in FINAL and time.monotonic() <= deadline:
        time.sleep(POLL_SECONDS)
        lead = session.call(
            Stubs(session).leads.GetLead, lead_service_pb2.GetLeadRequest(lead_id=lead.id)
        )
    if lead.conversion.state == lead_pb2.CONVERSION_STATE_CONVERTED:
        return lead
    state = enum_word(lead_pb2.ConversionState, lead.conversion.state)
    why = f": {lead.conversion.last_error}" if lead.conversion.last_error else ""
    raise CliError(
        f"lead {lead.id} is not converted (conversion {state}{why}); "
        "`crmctl leads show` follows it, `crmctl leads retry-conversion` sends it "
        "again once the cause is fixed"
    )
