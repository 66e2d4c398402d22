"""Prometheus metrics of routing (implements service_layer.ports.RoutingMetrics) and the size
of the unassigned queue."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from crm_territory.service_layer.ports import RoutingMetrics

DECISIONS = Counter(
    "territory_routing_decisions_total",
    "Leads decided, by outcome (routed / unroutable) and strategy or reason.",
    ["outcome", "detail"],
)
ROUTED_BY_TEAM = Counter(
    "territory_leads_routed_total", "Leads routed to an owner, by team.", ["team_id"]
)
DUPLICATES = Counter(
    "territory_routing_duplicates_total",
    "Leads asked to be routed again (redelivery, twice in a batch, or decided "
    "by a concurrent worker first): kept their first decision.",
)
UNASSIGNED = Gauge(
    "territory_unassigned_leads",
    "Leads waiting in the unassigned queue (set from the database by the worker).",
)


class PrometheusRoutingMetrics(RoutingMetrics):
    def lead_routed(self, team_id: str, strategy: str) -> None:
        DECISIONS.labels("routed", strategy).inc()
        ROUTED_BY_TEAM.labels(team_id).inc()

    def lead_unroutable(self, reason: str) -> None:
        DECISIONS.labels("unroutable", reason).inc()

    def duplicate_ignored(self) -> None:
        DUPLICATES.inc()

    @staticmethod
    def set_unassigned(count: int) -> None:
        UNASSIGNED.set(count)
