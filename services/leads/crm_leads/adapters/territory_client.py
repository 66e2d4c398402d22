"""HandoverStrategy through territory's RoutingService.ChooseOwners (service token over gRPC).

Territory answers each subject "once and for all" (idempotent per subject id), so a handover
repeated after a crash or a redelivered membership_changed gets the same owners again.
"""

from __future__ import annotations

import grpc

from crm.territory.v1 import routing_pb2, routing_pb2_grpc
from crm_chassis.errors import Unavailable

MAX_SUBJECTS = 1000  # ChooseOwners' limit per call


def subject_id(lead_id: str) -> str:
    return f"lead:{lead_id}"


class TerritoryHandoverStrategy:
    def __init__(self, channel: grpc.Channel, timeout_seconds: float = 5.0):
        self._stub = routing_pb2_grpc.RoutingServiceStub(channel)
        self._timeout = timeout_seconds

    def distribute(
        self,
        team_id: str,
        leaving_user_id: str,
        lead_ids: list[str],
        remaining_member_ids: list[str],
    ) -> dict[str, str]:
        remaining = set(remaining_member_ids)
        owners: dict[str, str] = {}
        for start in range(0, len(lead_ids), MAX_SUBJECTS):
            chunk = lead_ids[start : start + MAX_SUBJECTS]
            try:
                answer = self._stub.ChooseOwners(
                    routing_pb2.ChooseOwnersRequest(
                        team_id=team_id,
                        subject_ids=[subject_id(lead) for lead in chunk],
                        exclude_user_ids=[leaving_user_id],
                    ),
                    timeout=self._timeout,
                )
            except grpc.RpcError as exc:
                # The worker's handler fails and the event is redelivered: nothing half-done,
                # since the handover's transaction commits only after every answer is in.
                raise Unavailable(
                    f"territory's ChooseOwners failed for team {team_id}: "
                    f"{exc.code().name} {exc.details()}"
                ) from exc
            by_subject = {owner.subject_id: owner.choice.owner_user_id for owner in answer.owners}
            for lead_id in chunk:
                owner = by_subject.get(subject_id(lead_id), "")
                # An owner outside the remaining members (e.g. joined a moment ago and not yet
                # in our replica) is left out: the lead stays unowned in the team.
                if owner and owner in remaining:
                    owners[lead_id] = owner
        return owners
