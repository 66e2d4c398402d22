"""leads' LeadService for the console, called with the signed-in person's token."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

import grpc

from crm.common.v1 import pagination_pb2
from crm.leads.v1 import interactions_pb2, interactions_pb2_grpc, lead_pb2, lead_service_pb2_grpc
from crm.leads.v1 import lead_service_pb2 as ls
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums
from crm_console.adapters import grpc_mapping as mapping
from crm_console.adapters.grpc_errors import refusals
from crm_console.domain.deals import Activity, DueTask
from crm_console.domain.errors import Refused
from crm_console.domain.lead_query import LeadQuery
from crm_console.domain.leads import HistoryEntry, Lead, LeadActivity, Page

TRANSITIONS = {
    "work": ("StartWorkingLead", ls.StartWorkingLeadRequest),
    "qualify": ("QualifyLead", ls.QualifyLeadRequest),
    "disqualify": ("DisqualifyLead", ls.DisqualifyLeadRequest),
    "reactivate": ("ReactivateLead", ls.ReactivateLeadRequest),
}


def _auth(token: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {token}"),)


class LeadsGateway:
    def __init__(self, channel: grpc.Channel, timeout: float) -> None:
        self._stub = lead_service_pb2_grpc.LeadServiceStub(channel)
        self._interactions = interactions_pb2_grpc.LeadInteractionServiceStub(channel)
        self._timeout = timeout

    def _call(self, method: str, request: object, token: str) -> object:
        with refusals():
            return getattr(self._stub, method)(
                request, timeout=self._timeout, metadata=_auth(token)
            )

    def my_tasks(self, token: str, time_zone: str) -> tuple[DueTask, ...]:
        """The caller's open tasks on unconverted leads due by the end of this week in
        ``time_zone``, by due time (one call, as deals' ListMyTasks for its own)."""
        request = interactions_pb2.ListMyLeadTasksRequest(
            time_zone=time_zone, page=pagination_pb2.PageRequest(page_size=100)
        )
        with refusals():
            answer = self._interactions.ListMyLeadTasks(
                request, timeout=self._timeout, metadata=_auth(token)
            )
        return tuple(
            DueTask(
                task=Activity(
                    id=d.task.id,
                    kind="task",
                    subject=d.task.subject,
                    body=d.task.body,
                    logged_by=d.task.logged_by,
                    owner_user_id=d.task.owner_user_id,
                    occurred_at=mapping.when(d.task.occurred_at),
                    due_at=mapping.when(d.task.due_at),
                ),
                bucket=d.bucket,
                record_type="lead",
                record_id=d.task.lead_id,
            )
            for d in answer.tasks
        )

    def search(self, token: str, query: LeadQuery) -> Page:
        try:
            request = mapping.search_request(query)
        except InvalidArgument as error:
            raise Refused(error.message, field=error.field or "") from None
        response = self._call("SearchLeads", request, token)
        return Page(
            leads=tuple(mapping.lead(m) for m in response.leads),  # type: ignore[attr-defined]
            next_cursor=response.page_info.next_cursor,  # type: ignore[attr-defined]
        )

    def get(self, token: str, lead_id: str) -> Lead:
        return mapping.lead(self._call("GetLead", ls.GetLeadRequest(lead_id=lead_id), token))  # type: ignore[arg-type]

    def history(self, token: str, lead_id: str) -> tuple[HistoryEntry, ...]:
        request = ls.GetLeadHistoryRequest(
            lead_id=lead_id, page=pagination_pb2.PageRequest(page_size=100)
        )
        response = self._call("GetLeadHistory", request, token)
        return tuple(mapping.history_entry(e) for e in response.entries)  # type: ignore[attr-defined]

    def activities(self, token: str, lead_id: str) -> tuple[LeadActivity, ...]:
        request = ls.ListLeadActivitiesRequest(
            lead_id=lead_id, page=pagination_pb2.PageRequest(page_size=100)
        )
        response = self._call("ListLeadActivities", request, token)
        return tuple(mapping.activity(a) for a in response.activities)  # type: ignore[attr-defined]

    def create(self, token: str, idempotency_key: str, values: Mapping[str, str]) -> Lead:
        try:
            data = mapping.lead_input(values)
        except InvalidArgument as error:
            raise Refused(error.message, field=error.field or "") from None
        request = ls.CreateLeadRequest(idempotency_key=idempotency_key, lead=data)
        response = self._call("CreateLead", request, token)
        return mapping.lead(response.lead)  # type: ignore[attr-defined]

    def transition(
        self, token: str, lead_id: str, action: str, *, note: str = "", reason: str = ""
    ) -> Lead:
        method, request_type = TRANSITIONS[action]
        request = request_type(lead_id=lead_id, note=note)
        if action == "disqualify":
            request.reason = enums.number_of(lead_pb2.DisqualificationReason, reason, "reason")
        return mapping.lead(self._call(method, request, token))  # type: ignore[arg-type]

    def convert(self, token: str, lead_id: str, *, opportunity_name: str = "") -> Lead:
        request = ls.ConvertLeadRequest(lead_id=lead_id, opportunity_name=opportunity_name)
        return mapping.lead(self._call("ConvertLead", request, token))  # type: ignore[arg-type]

    def merge(self, token: str, survivor_id: str, duplicate_id: str) -> Lead:
        request = ls.MergeLeadsRequest(survivor_lead_id=survivor_id, duplicate_lead_id=duplicate_id)
        return mapping.lead(self._call("MergeLeads", request, token))  # type: ignore[arg-type]

    def import_rows(
        self,
        token: str,
        import_id: str,
        columns: list[str],
        rows: Iterable[Mapping[str, str]],
        progress: Callable[[int, int, int], None],
    ) -> Iterator[tuple[int, str, str]]:
        def requests() -> Iterator[ls.ImportLeadsRequest]:
            yield ls.ImportLeadsRequest(
                header=ls.ImportHeader(import_id=import_id, columns=columns)
            )
            for number, row in enumerate(rows, start=1):
                yield ls.ImportLeadsRequest(row=ls.ImportRow(row_number=number, values=dict(row)))

        with refusals():
            for answer in self._stub.ImportLeads(requests(), metadata=_auth(token)):
                progress(answer.rows_read, answer.rows_accepted, answer.rows_rejected)
                for problem in answer.problems:
                    yield problem.row_number, problem.field, problem.reason
