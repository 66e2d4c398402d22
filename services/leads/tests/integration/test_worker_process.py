"""The real worker process (chassis worker_main, eventlet, nameko) over RabbitMQ: a published
lead_routed is applied exactly once although delivered twice; deals' answers move the
conversion saga; an unanswered conversion times out visibly (the dispatcher timer) and a late
answer still completes it.

The worker consumes the real leads queues on the shared broker. Queues it declares that did not
exist before are deleted afterwards; events of other test runs that reach it meanwhile name
leads this database does not have and change nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import urllib.request
from pathlib import Path

import pytest

from crm.deals.v1 import events_pb2 as deals_events
from crm.territory.v1 import events_pb2 as territory_events
from crm_chassis import manifest as manifests
from crm_chassis.caller import Caller
from crm_chassis.events import stamp
from crm_chassis.messaging.topology import dead_letter_queue
from crm_leads.domain.assignment import RoutingDecision
from crm_leads.domain.conversion import ConversionState, RetryPolicy
from crm_leads.domain.lead import LeadStatus
from crm_leads.entrypoints.worker import ROUTING
from crm_leads.service_layer import assignment, conversion
from crm_leads.service_layer import leads as lead_cases
from crm_testkit import AMQP_URL, amqp_channel, free_port, wait_until
from crm_testkit.messaging import consumer_count as consumers_of
from crm_testkit.messaging import existing_queues as existing
from crm_testkit.messaging import publish_as, service_worker

pytestmark = pytest.mark.integration
MANIFEST = manifests.load(Path(__file__).resolve().parents[2] / "service.toml")
QUEUES = [sub.queue for sub in MANIFEST.subscriptions]


def existing_queues() -> set[str]:
    return existing(QUEUES + [dead_letter_queue(q) for q in QUEUES])


def publish(
    message,
    producer: str,
    event_type: str,
    aggregate_id: str,
    *,
    times: int = 1,
    occurred_at: dt.datetime | None = None,
):
    """Publish an event as the producer's relay would; ``times`` > 1 is a redelivery (same
    event id)."""
    if not message.meta.event_id:
        stamp(
            message,
            producer=producer,
            event_type=event_type,
            aggregate_type="x",
            aggregate_id=aggregate_id,
            aggregate_version=1,
            occurred_at=occurred_at,
        )
    publish_as(producer, event_type, message, times=times)
    return message


@pytest.fixture(scope="module")
def worker(database_url, tmp_path_factory):
    before = existing_queues()
    metrics_port = free_port()
    log_path = tmp_path_factory.mktemp("leads-worker") / "worker.log"
    env = dict(
        CRM_LEADS_DATABASE_URL=database_url,
        CRM_LEADS_AMQP_URL=AMQP_URL,
        CRM_LEADS_METRICS_PORT=str(metrics_port),
        CRM_LEADS_LOG_LEVEL="WARNING",
        # an attempt unanswered for 1 s times out; checked every 0.2 s
        CRM_LEADS_CONVERSION_REPLY_TIMEOUT_SECONDS="1",
        CRM_LEADS_CONVERSION_DISPATCH_SECONDS="0.2",
        CRM_LEADS_CONVERSION_FIRST_BACKOFF_SECONDS="600",
        CRM_LEADS_CONVERSION_MAX_BACKOFF_SECONDS="600",
    )
    try:
        with service_worker("leads", env, log_path):
            wait_until(
                lambda: all(consumers_of(queue) for queue in QUEUES),
                timeout=60,
                interval=0.2,
                message="the worker never consumed its queues:\n"
                + (log_path.read_text() if log_path.exists() else ""),
            )
            others = {queue: consumers_of(queue) for queue in QUEUES if consumers_of(queue) != 1}
            assert not others, (
                f"other consumers on the leads queues {others}: another leads "
                "worker (make run, an e2e test) would take part of the events"
            )
            yield metrics_port
    finally:
        connection, channel = amqp_channel()
        try:
            for queue in QUEUES + [dead_letter_queue(q) for q in QUEUES]:
                if queue not in before:
                    channel.queue_delete(queue=queue)
        finally:
            connection.close()


def metric(port: int, name: str, consumer: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(name + "{") and f'consumer="{consumer}"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def team(grant_scopes, h):
    team_id, ann = h.unique("team"), h.unique("ann")
    grant_scopes(ann, {team_id: "expert"})
    return team_id, Caller(ann, departments=frozenset({"sales"}))


def test_a_redelivered_lead_routed_is_applied_exactly_once(worker, deps, team, h):
    team_id, ann = team
    lead = h.capture(deps).lead
    publish(
        territory_events.LeadRouted(
            lead_id=lead.id,
            sales_line_id="line-int",
            team_id=team_id,
            owner_user_id=ann.subject_id,
            explanation={"summary": "rule DACH"},
        ),
        "territory",
        "lead_routed",
        lead.id,
        times=2,
    )
    consumer = "leads.on_lead_routed"
    wait_until(
        lambda: metric(worker, "inbox_duplicates_skipped_total", consumer) >= 1,
        timeout=30,
        message="the second delivery was never skipped",
    )
    read = lead_cases.get_lead(deps, ann, lead.id)
    assert read.assignment.team_id == team_id and read.assignment.explanation == "rule DACH"
    with deps.uow() as uow:
        entries = uow.history.for_leads([lead.id], 0, 100)
    assert [entry.action for entry in entries].count("assigned") == 1


# The api's settings match the worker's: an attempt waits 1 s for deals' answer.
FAST_RETRY = RetryPolicy(
    reply_timeout=dt.timedelta(seconds=1),
    first_backoff=dt.timedelta(seconds=600),
    max_backoff=dt.timedelta(seconds=600),
)


def converting_lead(deps, team, h):
    team_id, ann = team
    lead = h.capture(deps).lead
    assignment.apply_routing(
        deps,
        ROUTING,
        RoutingDecision(
            h.unique("d"),
            lead.id,
            dt.datetime.now(dt.UTC),
            "line-int",
            team_id,
            ann.subject_id,
            "test",
        ),
    )
    return conversion.convert_lead(
        dataclasses.replace(deps, conversion_retry=FAST_RETRY), ann, lead.id
    )


def conversion_of(deps, conversion_id):
    with deps.uow() as uow:
        return uow.leads.by_conversion(conversion_id)


def test_deals_answers_and_a_timeout_move_the_conversion_saga(worker, deps, team, h):
    completed = converting_lead(deps, team, h).conversion.conversion_id
    publish(
        deals_events.LeadConversionCompleted(
            conversion_id=completed, account_id="acc", contact_id="con", opportunity_id="opp"
        ),
        "deals",
        "lead_conversion_completed",
        completed,
    )
    wait_until(
        lambda: conversion_of(deps, completed).status is LeadStatus.CONVERTED,
        timeout=30,
        message="lead_conversion_completed was not applied",
    )

    # No answer: after the 1 s reply timeout the dispatcher marks it for a retry, visibly.
    silent = converting_lead(deps, team, h).conversion.conversion_id
    wait_until(
        lambda: conversion_of(deps, silent).conversion.state is ConversionState.FAILED_RETRYING,
        timeout=30,
        message="the unanswered conversion never timed out",
    )
    waiting = conversion_of(deps, silent)
    assert "did not answer" in waiting.conversion.last_error
    assert waiting.status is LeadStatus.CONVERTING and waiting.conversion.next_attempt_at

    # Deals refuses for good: the lead is back to QUALIFIED with the reason.
    publish(
        deals_events.LeadConversionRejected(
            conversion_id=silent, reason="account is blocked", retryable=False
        ),
        "deals",
        "lead_conversion_rejected",
        silent,
    )
    wait_until(
        lambda: conversion_of(deps, silent).conversion.state is ConversionState.FAILED,
        timeout=30,
        message="lead_conversion_rejected was not applied",
    )
    assert conversion_of(deps, silent).status is LeadStatus.QUALIFIED
