"""deals' own Prometheus metrics (the chassis adds gRPC, event and outbox metrics)."""

from __future__ import annotations

from prometheus_client import Counter

AUTOMATION_DELIVERIES = Counter(
    "crm_deals_automation_delivery_attempts_total",
    "Attempts to deliver automation commands, by kind (email, webhook, notify) and outcome "
    "(sent; pending = will be retried; failed = retries exhausted).",
    ["kind", "outcome"],
)
CUSTOMER_EMAIL_BOUNCES = Counter(
    "crm_deals_customer_email_bounces_total",
    "Failed recipients of delivery status notifications read by IngestBounce, by severity "
    "(hard, soft) and outcome (recorded, already recorded, no matching e-mail, not sent).",
    ["severity", "outcome"],
)
HANDED_OVER = Counter(
    "crm_deals_deals_handed_over_total",
    "Open deals of a leaving member handed over (outcome owner) or left without one (unassigned).",
    ["outcome"],
)
CONVERSIONS = Counter(
    "crm_deals_lead_conversions_total",
    "Lead conversion requests handled, by outcome (completed, rejected).",
    ["outcome"],
)
