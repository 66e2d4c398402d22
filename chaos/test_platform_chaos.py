"""`make chaos`: identity, territory, leads, deals and reporting as processes (api, worker, relay)
on their own PostgreSQL databases and the run's own RabbitMQ vhost, with leads captured through the
public gRPC api by concurrent clients while faults are injected; then the ledger is checked.

1. ``test_pipeline_rides_through_faults``: CRM_CHAOS_LEADS leads (default 20,000) captured, a
   share (CRM_CHAOS_CONVERT_SHARE, 0.1) converted, while every api, worker and relay is SIGKILLed
   and restarted once, the vhost's broker connections are closed and the databases' sessions
   terminated (pg_terminate_backend, which also drops the relays' advisory locks) at seeded
   points; opt-in: RabbitMQ stopped and started (CRM_CHAOS_BROKER_RESTART=1), PostgreSQL
   restarted (CRM_CHAOS_PG_RESTART=1) — both are the machine's, shared with anyone else on it.
2. ``test_workers_killed_mid_handler``: every worker SIGKILLed repeatedly (CRM_CHAOS_WORKER_KILLS
   times each, more than the delivery limit) while it holds deliveries: nothing dead-lettered.
3. ``test_poison_is_isolated``: a lead_created nobody can store is dead-lettered after the
   bounded deliveries while leads behind it keep being routed; an outbox row whose publish breaks
   the connection is quarantined while other aggregates keep flowing.

CRM_CHAOS_SEED (printed at the start) replays a run's schedule and choices.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import time
import uuid
from pathlib import Path

import chaos_checks as checks
import chaos_report as report
import pytest
from chaos_bed import ChaosBed, queues
from chaos_schedule import FaultDriver, schedule
from chaos_workload import Caller, Capture, Converter, Tally, choose
from e2e_platform import PASSWORD, As, Stubs, create_pipeline, german_line, small_company
from sqlalchemy import text

from crm.leads.v1 import events_pb2 as leads_events
from crm_chassis import events
from crm_chassis.messaging.dlq import DeadLetters
from crm_devrun.bed import ADMIN_EMAIL, ADMIN_PASSWORD
from crm_testkit import AMQP_URL
from crm_testkit.messaging import publish_as

pytestmark = [pytest.mark.integration, pytest.mark.platform_chaos]

SERVICES = ["identity", "territory", "leads", "deals", "reporting"]
LEADS = int(os.environ.get("CRM_CHAOS_LEADS", "20000"))
CLIENTS = int(os.environ.get("CRM_CHAOS_CLIENTS", "8"))
SHARE = float(os.environ.get("CRM_CHAOS_CONVERT_SHARE", "0.1"))
WORKER_KILLS = int(os.environ.get("CRM_CHAOS_WORKER_KILLS", "6"))
SEED = int(os.environ.get("CRM_CHAOS_SEED") or random.randrange(1, 10**6))
CONVERGE_TIMEOUT = float(os.environ.get("CRM_CHAOS_CONVERGE_TIMEOUT", "600"))
OUTBOX_MAX_ATTEMPTS = 10  # outbox_max_attempts, as deployed (the chassis default)
ENV = {
    "CRM_OUTBOX_MAX_ATTEMPTS": str(OUTBOX_MAX_ATTEMPTS),
    # Access tokens outlive the run (callers renew on UNAUTHENTICATED anyway).
    "CRM_IDENTITY_ACCESS_TOKEN_TTL_SECONDS": "900",
    # The conversion saga re-sends a request deals has not answered within 10 s (not 120 s):
    # under load and faults it does, and deals must still create each conversion's records
    # once. A re-sent conversion then waits the default backoff (30 s doubling) before the next.
    "CRM_LEADS_CONVERSION_REPLY_TIMEOUT_SECONDS": "10",
    "CRM_LEADS_CONVERSION_DISPATCH_SECONDS": "1",
}
POISON_DLQ = "evt-leads-lead_created--territory.on_lead_created.dlq"


@pytest.fixture(scope="module")
def platform():
    # Not pytest's tmp_path: every pytest run of the machine's user rotates those folders, and
    # the processes' logs are what a failed run is read from. Kept after the run.
    workdir = Path(tempfile.mkdtemp(prefix="crm-chaos-"))
    print(f"\nCRM_CHAOS_SEED={SEED} CRM_CHAOS_LEADS={LEADS} (logs in {workdir})", flush=True)
    report.note(
        f"replay: CRM_CHAOS_SEED={SEED} CRM_CHAOS_LEADS={LEADS} make chaos; "
        f"process logs in {workdir}"
    )
    started = time.monotonic()
    with ChaosBed(SERVICES, workdir, env=ENV) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        report.row(
            "setup", "platform started, organisation created", f"{time.monotonic() - started:.0f} s"
        )
        people = company["people"]
        sue_email = bed.query(
            "identity", "SELECT email FROM users WHERE id = :id", id=people["sue"].user_id
        )[0][0]
        yield dict(
            bed=bed,
            stubs=stubs,
            admin=admin,
            line=line,
            company=company,
            capturer=Caller(bed, ADMIN_EMAIL, ADMIN_PASSWORD, admin.token),
            converter=Caller(bed, sue_email, PASSWORD, people["sue"].token),
            members={people[n].user_id for n in ("ann", "bob", "sue")},
            rng=random.Random(SEED),
            leads={},
            conversions={},
            next_index=0,
            ignore_events=set(),
            quarantined=set(),
            dead_letters={},
        )


def _workload(platform, count: int, share: float, tally: Tally):
    first = platform["next_index"]
    platform["next_index"] += count
    capture = Capture(
        platform["stubs"].leads,
        platform["capturer"],
        tally,
        str(SEED),
        platform["line"].id,
        first,
        count,
        CLIENTS,
    )
    chosen = choose(platform["rng"], first, count, share)
    converter = Converter(
        platform["bed"],
        platform["stubs"].leads,
        platform["converter"],
        tally,
        capture,
        chosen,
        route_timeout=CONVERGE_TIMEOUT,
    )
    return capture, converter


def _converge(platform, since: float, scenario: str) -> float:
    """Wait until every accepted lead is owned, every asked conversion completed and nothing is
    left in outboxes or queues; seconds since ``since``."""
    bed = platform["bed"]
    leads, conversions = list(platform["leads"].values()), list(platform["conversions"].values())

    reached = {}

    def settled():
        # When each part of the work was first complete, for the report.
        if "owned" not in reached and checks.routed_and_owned(bed, leads) == len(leads):
            reached["owned"] = time.monotonic() - since
        if "converted" not in reached and checks.converted(bed, conversions) == len(conversions):
            reached["converted"] = time.monotonic() - since
        return len(reached) == 2 and not checks.backlog(bed, SERVICES, platform["ignore_events"])

    try:
        bed.wait_for(settled, CONVERGE_TIMEOUT, "the platform did not converge", interval=0.5)
    except AssertionError:
        raise AssertionError(
            f"{scenario}: not converged within {CONVERGE_TIMEOUT:.0f} s: "
            f"{checks.routed_and_owned(bed, leads)}/{len(leads)} owned, "
            f"{checks.converted(bed, conversions)}/{len(conversions)} converted, backlog "
            f"{checks.backlog(bed, SERVICES, platform['ignore_events'])}\n{bed.logs()}"
        ) from None
    report.row(
        scenario,
        "time to every lead owned / every conversion done",
        f"{reached['owned']:.1f} s / {reached['converted']:.1f} s",
    )
    return time.monotonic() - since


def _ledger(platform, scenario: str, expected_dead_letters=None) -> None:
    bed = platform["bed"]
    leads, conversions = list(platform["leads"].values()), list(platform["conversions"].values())
    problems = checks.lead_ledger(
        bed, leads, platform["line"].id, platform["company"]["berlin"].id, platform["members"]
    )
    problems += checks.conversion_ledger(bed, conversions)
    problems += checks.reporting_ledger(bed, leads, conversions)
    inbox_problems, applied = checks.inbox_ledger(bed, bed.manifests, platform["ignore_events"])
    problems += inbox_problems
    problems += checks.outbox_ledger(bed, SERVICES, platform["quarantined"])
    problems += checks.dead_letters(bed, expected_dead_letters)
    report.row(scenario, "events applied (inboxes = outboxes, each id once)", applied)
    assert not problems, f"{scenario}: " + "; ".join(problems)


def _tally_rows(scenario: str, tally: Tally, capture: Capture, converter: Converter) -> None:
    elapsed = capture.finished - capture.started
    report.row(
        scenario,
        "leads accepted (captures acknowledged)",
        f"{len(capture.accepted)} of {capture.attempted()} in {elapsed:.0f} s "
        f"({len(capture.accepted) / elapsed:.0f}/s, {CLIENTS} clients)",
    )
    report.row(scenario, "CreateLead as the callers saw it", tally.latency("CreateLead"))
    report.row(scenario, "conversions asked", len(converter.asked))
    report.row(scenario, "ConvertLead as the callers saw it", tally.latency("ConvertLead"))
    retried = ", ".join(f"{code} {n}" for code, n in sorted(tally.retried.items())) or "none"
    report.row(scenario, "client retries", retried)
    failed = ", ".join(f"{code} {n}" for code, n in sorted(tally.failed.items())) or "none"
    report.row(scenario, "calls failed (not retryable)", failed)


def _record(platform, capture: Capture, converter: Converter) -> None:
    platform["leads"].update(capture.accepted)
    platform["conversions"].update(converter.asked)
    assert not capture.failed, f"captures refused: {list(capture.failed.items())[:5]}"
    assert not converter.failed, f"conversions refused: {list(converter.failed.items())[:5]}"


def _revivals(bed, scenario: str, before: int) -> None:
    revived = bed.history.revivals[before:]
    text_ = ", ".join(f"{r.label} (exit {r.code})" for r in revived) or "none"
    report.row(scenario, "processes that exited on their own (restarted)", text_)


# ----------------------------------------------------------------------------- 1
def test_pipeline_rides_through_faults(platform):
    bed, scenario = platform["bed"], "1 faults"
    faults = schedule(random.Random(SEED), bed.labels())
    for fault in faults:
        print(f"  fault at {fault.describe()}", flush=True)
    revived_before = len(bed.history.revivals)
    tally = Tally()
    capture, converter = _workload(platform, LEADS, SHARE, tally)
    driver = FaultDriver(bed, faults, capture.progress)
    capture.start()
    converter.start()
    driver.start()
    next_line = time.monotonic() + 30
    while not capture.done():
        time.sleep(1)
        if time.monotonic() >= next_line:
            next_line += 30
            fired = sum(1 for fault in faults if fault.fired_at is not None)
            print(
                f"  {len(capture.accepted)} leads accepted, {len(converter.asked)} "
                f"conversions asked, {fired}/{len(faults)} faults fired",
                flush=True,
            )
    capture.join()
    converter.join()
    driver.stopping.set()
    driver.join()
    assert driver.error is None, f"the fault driver failed: {driver.error!r}"
    assert not driver.failures, f"faults not injected: {driver.failures}"
    _record(platform, capture, converter)
    converge = _converge(platform, driver.last_fault_end(), scenario)
    _tally_rows(scenario, tally, capture, converter)
    kinds = {}
    for fault in faults:
        kinds[fault.kind] = kinds.get(fault.kind, 0) + 1
    report.row(scenario, "faults injected", ", ".join(f"{k} {n}" for k, n in kinds.items()))
    _revivals(bed, scenario, revived_before)
    report.row(scenario, "converged after the last fault", f"{converge:.1f} s")
    for fault in faults:
        report.note(f"{scenario}: {fault.describe()}")
    _ledger(platform, scenario)


# ----------------------------------------------------------------------------- 2
def _inbox_count(bed, service: str) -> int:
    return bed.scalar(service, "SELECT count(*) FROM inbox")


def _waiting(bed, service: str) -> int:
    """Deliveries waiting for ``service``'s worker: while there are, a consuming worker's
    prefetch is full, i.e. it holds deliveries it has not acknowledged."""
    return sum(
        ready
        for name, (ready, _) in queues(bed.manifests).items()
        if f"--{service}." in name and not name.endswith(".dlq")
    )


def test_workers_killed_mid_handler(platform):
    bed, scenario = platform["bed"], "2 worker kills"
    rng = random.Random(SEED + 2)
    workers = ["territory", "leads", "deals"]
    order = [w for w in workers for _ in range(WORKER_KILLS)]
    rng.shuffle(order)
    revived_before = len(bed.history.revivals)
    tally = Tally()
    # Captures go on until the last kill (at most LEADS // 4); deals' worker has work only from
    # conversions: a larger share here.
    capture, converter = _workload(platform, max(1000, LEADS // 4), max(SHARE, 0.2), tally)
    capture.start()
    converter.start()
    in_flight, idle, last_kill, idle_labels = 0, 0, time.monotonic(), []
    for service in order:
        label = f"{service}.worker"
        bed.wait_for(lambda: not bed.restarts_pending(), 60, "restarts done", interval=0.1)
        baseline = _inbox_count(bed, service)
        deadline = time.monotonic() + 30
        # Kill once the restarted worker is handling events: its inbox grew since the last
        # kill and it holds deliveries it has not acknowledged.
        while time.monotonic() < deadline:
            bed.supervise()
            if _inbox_count(bed, service) > baseline and _waiting(bed, service):
                break
            time.sleep(0.05)
        holding = _waiting(bed, service)
        if holding:
            in_flight += 1
        else:
            idle += 1
            idle_labels.append(label)
        bed.kill(label, round(rng.uniform(0.3, 2.0), 1))
        last_kill = time.monotonic()
    bed.wait_for(lambda: not bed.restarts_pending(), 60, "restarts done", interval=0.1)
    capture.stop()
    capture.join()
    converter.join()
    _record(platform, capture, converter)
    converge = _converge(platform, last_kill, scenario)
    _tally_rows(scenario, tally, capture, converter)
    report.row(
        scenario,
        "worker SIGKILLs",
        f"{len(order)} ({WORKER_KILLS} per worker): "
        f"{in_flight} with deliveries in flight and more waiting, {idle} idle "
        f"({', '.join(idle_labels) or '-'})",
    )
    _revivals(bed, scenario, revived_before)
    report.row(scenario, "converged after the last kill", f"{converge:.1f} s")
    _ledger(platform, scenario)


# ----------------------------------------------------------------------------- 3
def _poison_event(bed) -> leads_events.LeadCreated:
    """A real lead_created whose lead id is longer than any consumer stores: a body that fails
    for a reason of its own on every delivery (the column refuses it)."""
    payload = bed.query(
        "leads",
        "SELECT payload FROM outbox WHERE event_type = 'lead_created' ORDER BY id DESC LIMIT 1",
    )[0][0]
    message = events.decode(payload, leads_events.LeadCreated)
    message.lead.id = "poison" + "0" * 120
    message.meta.event_id = uuid.uuid4().hex
    message.meta.aggregate_id = message.lead.id
    return message


def _poison_row(bed) -> str:
    """An outbox row whose publish names an exchange that does not exist: the broker closes the
    relay's channel at every attempt."""
    event_id = uuid.uuid4().hex
    with bed.engine("leads").begin() as conn:
        conn.execute(
            text(
                "INSERT INTO outbox (event_id, event_type, exchange, aggregate_type, aggregate_id, "
                "aggregate_version, payload, headers, occurred_at, status, attempts) VALUES "
                "(:id, 'lead_updated', 'no-such-exchange.events', 'lead', 'poison-row', 1, '{}', "
                "'{}', :now, 'pending', 0)"
            ),
            {"id": event_id, "now": dt.datetime.now(dt.UTC)},
        )
    return event_id


def test_poison_is_isolated(platform):
    bed, scenario = platform["bed"], "3 poison"
    tally = Tally()
    capture, converter = _workload(platform, max(500, LEADS // 20), SHARE, tally)
    capture.start()
    converter.start()
    # The poison goes in while leads flow: those captured after it queue behind it.
    bed.wait_for(lambda: capture.progress() >= 0.2, 300, "captures flowing", interval=0.1)
    poison = _poison_event(bed)
    platform["ignore_events"].add(poison.meta.event_id)
    row_id = _poison_row(bed)
    platform["quarantined"].add(row_id)
    platform["ignore_events"].add(row_id)
    started, wall = time.monotonic(), dt.datetime.now(dt.UTC)
    publish_as("leads", "lead_created", poison)

    def dead_lettered():
        return queues(bed.manifests).get(POISON_DLQ, (0, 0))[0] == 1

    bed.wait_for(dead_lettered, 300, "the poison lead_created was not dead-lettered")
    poisoned_after = time.monotonic() - started
    routed_meanwhile = bed.scalar(
        "leads",
        "SELECT count(*) FROM leads WHERE assigned_at > :since AND assigned_at < :until",
        since=wall,
        until=wall + dt.timedelta(seconds=poisoned_after),
    )

    def quarantined():
        return (
            bed.query("leads", "SELECT status FROM outbox WHERE event_id = :id", id=row_id)[
                0
            ].status
            == "quarantined"
        )

    bed.wait_for(quarantined, 300, "the poison outbox row was not quarantined")
    quarantined_after = time.monotonic() - started
    attempts = bed.scalar("leads", "SELECT attempts FROM outbox WHERE event_id = :id", id=row_id)
    sent_meanwhile = bed.scalar(
        "leads",
        "SELECT count(*) FROM outbox WHERE sent_at > :since AND sent_at < :until",
        since=wall,
        until=wall + dt.timedelta(seconds=quarantined_after),
    )
    capture.join()
    converter.join()
    _record(platform, capture, converter)
    converge = _converge(platform, started, scenario)
    with DeadLetters(AMQP_URL) as letters:
        found = letters.read(POISON_DLQ)
    assert [letter.event_id for letter in found] == [poison.meta.event_id]
    assert attempts == OUTBOX_MAX_ATTEMPTS
    deliveries = sum(
        1
        for line in bed.log_of("territory.worker").splitlines()
        if "on_lead_created failed on delivery" in line and poison.lead.id in line
    )
    _tally_rows(scenario, tally, capture, converter)
    report.row(
        scenario,
        "poison lead_created dead-lettered",
        f"{poisoned_after:.1f} s after its publish, after {deliveries} deliveries "
        f"({found[0].reason}); {routed_meanwhile} leads routed meanwhile",
    )
    report.row(
        scenario,
        "poison outbox row quarantined",
        f"{quarantined_after:.1f} s after its insert, {attempts} attempts; "
        f"{sent_meanwhile} other leads events sent meanwhile",
    )
    report.row(scenario, "everything else converged", f"{converge:.1f} s after the poison")
    _ledger(platform, scenario, {POISON_DLQ: 1})
