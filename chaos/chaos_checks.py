"""The ledger a chaos run is judged by, read from the services' own databases and the broker once
the platform has converged."""

from __future__ import annotations

from collections import Counter

from chaos_bed import ChaosBed, queues

from crm_chassis.messaging.dlq import DLQ_SUFFIX


def routed_and_owned(bed: ChaosBed, lead_ids: list[str]) -> int:
    return bed.scalar(
        "leads",
        "SELECT count(*) FROM leads WHERE id = ANY(:ids) AND owner_user_id IS NOT NULL",
        ids=lead_ids,
    )


def converted(bed: ChaosBed, lead_ids: list[str]) -> int:
    return bed.scalar(
        "leads",
        "SELECT count(*) FROM leads WHERE id = ANY(:ids) AND conversion_state = 'converted'",
        ids=lead_ids,
    )


def backlog(bed: ChaosBed, services, ignore_events=()) -> dict[str, int]:
    """Outbox rows not yet taken by the broker, per service (``ignore_events``: event ids left
    behind on purpose), and messages waiting in handler queues."""
    waiting = {}
    for service in services:
        count = bed.scalar(
            service,
            "SELECT count(*) FROM outbox WHERE status = 'pending' "
            "AND NOT (event_id = ANY(:ignored))",
            ignored=list(ignore_events),
        )
        if count:
            waiting[f"outbox {service}"] = count
    for name, (ready, _) in queues(bed.manifests).items():
        if not name.endswith(DLQ_SUFFIX) and ready:
            waiting[name] = ready
    return waiting


def lead_ledger(
    bed: ChaosBed, lead_ids: list[str], line_id: str, team_id: str, members: set[str]
) -> list[str]:
    """Problems with the captured leads: every acknowledged capture is exactly one lead (a
    retried capture made no second one), routed to the team once, owned by a member."""
    problems = []
    # Every lead of the run's sales line was captured by the run: a capture retried after a lost
    # answer that made a second lead shows as one more lead than acknowledged.
    rows = bed.query(
        "leads",
        "SELECT id, team_id, owner_user_id FROM leads WHERE sales_line_id = :line",
        line=line_id,
    )
    if len(rows) != len(set(lead_ids)) or {r.id for r in rows} != set(lead_ids):
        problems.append(
            f"{len(set(lead_ids))} leads acknowledged, {len(rows)} on the line "
            f"({len({r.id for r in rows} - set(lead_ids))} not acknowledged)"
        )
    wrong = [r for r in rows if r.team_id != team_id or r.owner_user_id not in members]
    if wrong:
        problems.append(f"{len(wrong)} leads not owned by a member of the team, e.g. {wrong[:3]}")
    assigned = Counter(
        dict(
            bed.query(
                "leads",
                "SELECT lead_id, count(*) FROM lead_history WHERE action = 'assigned' "
                "AND lead_id = ANY(:ids) GROUP BY lead_id",
                ids=lead_ids,
            )
        )
    )
    twice = {lead: n for lead, n in assigned.items() if n != 1}
    never = set(lead_ids) - set(assigned)
    if twice:
        problems.append(
            f"{len(twice)} leads assigned more than once, e.g. {list(twice.items())[:3]}"
        )
    if never:
        problems.append(f"{len(never)} leads never assigned, e.g. {sorted(never)[:3]}")
    decisions = Counter(
        dict(
            bed.query(
                "territory",
                "SELECT lead_id, count(*) FROM routing_decisions WHERE lead_id = ANY(:ids) "
                "GROUP BY lead_id",
                ids=lead_ids,
            )
        )
    )
    if len(decisions) != len(set(lead_ids)):
        problems.append(
            f"territory holds {len(decisions)} routing decisions for {len(set(lead_ids))} leads"
        )
    return problems


def conversion_ledger(bed: ChaosBed, lead_ids: list[str]) -> list[str]:
    """Problems with the conversions: each converted lead has exactly one conversion record in
    deals, one account, one contact and one opportunity, and the lead links to those."""
    problems = []
    links = {
        row.id: row
        for row in bed.query(
            "leads",
            "SELECT id, conversion_state, conversion_document FROM leads WHERE id = ANY(:ids)",
            ids=lead_ids,
        )
    }
    not_done = [
        lead
        for lead in lead_ids
        if links.get(lead) is None or links[lead].conversion_state != "converted"
    ]
    if not_done:
        problems.append(f"{len(not_done)} conversions not completed, e.g. {not_done[:3]}")
    records = bed.query(
        "deals",
        "SELECT lead_id, account_id, contact_id, opportunity_id "
        "FROM conversions WHERE lead_id = ANY(:ids)",
        ids=lead_ids,
    )
    per_lead = Counter(r.lead_id for r in records)
    if len(per_lead) != len(set(lead_ids)) or any(n != 1 for n in per_lead.values()):
        problems.append(
            f"{len(records)} conversion records for {len(set(lead_ids))} leads "
            f"({sum(1 for n in per_lead.values() if n > 1)} leads more than once)"
        )
    for table, column in (
        ("accounts", "account_id"),
        ("contacts", "contact_id"),
        ("opportunities", "opportunity_id"),
    ):
        ids = [getattr(r, column) for r in records]
        found = bed.scalar("deals", f"SELECT count(*) FROM {table} WHERE id = ANY(:ids)", ids=ids)
        if found != len(set(ids)) or len(set(ids)) != len(records):
            problems.append(
                f"{table}: {found} rows for {len(records)} conversions "
                f"({len(set(ids))} distinct ids)"
            )
    originating = bed.query(
        "deals",
        "SELECT body::json->>'originating_lead_id' AS lead, count(*) AS n "
        "FROM opportunities WHERE body::json->>'originating_lead_id' = ANY(:ids) GROUP BY 1",
        ids=lead_ids,
    )
    twice = [r for r in originating if r.n != 1]
    if twice or len(originating) != len(set(lead_ids)):
        problems.append(
            f"{len(originating)} leads with an opportunity, {len(twice)} with more than one"
        )
    for record in records:
        document = links.get(record.lead_id)
        body = str(document.conversion_document) if document is not None else ""
        if not all(
            str(getattr(record, c)) in body for c in ("account_id", "contact_id", "opportunity_id")
        ):
            problems.append(f"lead {record.lead_id} does not link to deals' records {record}")
            break
    return problems


def inbox_ledger(bed: ChaosBed, manifests, ignore_events=()) -> tuple[list[str], int]:
    """Every event each consumer subscribes to was applied exactly once: for every subscription,
    the consumer's inbox holds exactly the event ids its source's outbox sent of that type (the
    inbox's key makes a second application impossible to record; a missing or extra id is a
    lost or foreign event). Returns (problems, events checked)."""
    problems, checked = [], 0
    services = {m.name for m in manifests}
    for manifest in manifests:
        for sub in manifest.subscriptions:
            if sub.source not in services:
                continue
            sent = {
                row[0]
                for row in bed.query(
                    sub.source,
                    "SELECT event_id FROM outbox WHERE event_type = :type AND status = 'sent'",
                    type=sub.event,
                )
            } - set(ignore_events)
            applied = {
                row[0]
                for row in bed.query(
                    manifest.name,
                    "SELECT event_id FROM inbox WHERE consumer = :consumer",
                    consumer=f"{manifest.name}.{sub.method}",
                )
            } - set(ignore_events)
            checked += len(applied)
            if sent != applied:
                problems.append(
                    f"{manifest.name}.{sub.method}: {len(sent)} {sub.event} sent, "
                    f"{len(applied)} applied ({len(sent - applied)} missing, "
                    f"{len(applied - sent)} unknown)"
                )
    return problems, checked


def outbox_ledger(bed: ChaosBed, services, allowed_quarantined=()) -> list[str]:
    problems = []
    for service in services:
        rows = bed.query(
            service,
            "SELECT status, count(*) FROM outbox WHERE NOT "
            "(event_id = ANY(:allowed)) GROUP BY status",
            allowed=list(allowed_quarantined),
        )
        odd = {status: n for status, n in rows if status not in ("sent", "unsubscribed")}
        if odd:
            problems.append(f"outbox of {service}: {odd}")
    return problems


def dead_letters(bed: ChaosBed, expected: dict[str, int] | None = None) -> list[str]:
    """Every dead-letter queue of the vhost is empty, except ``expected`` (queue -> depth)."""
    expected = expected or {}
    problems = []
    for name, (ready, _) in queues(bed.manifests).items():
        if name.endswith(DLQ_SUFFIX) and ready != expected.get(name, 0):
            problems.append(f"{name}: {ready} dead letters (expected {expected.get(name, 0)})")
    return problems


def reporting_ledger(bed: ChaosBed, lead_ids: list[str], conversion_leads: list[str]) -> list[str]:
    """Problems with reporting's read side: every accepted lead is one marketing fact, routed to
    a team, and every conversion's opportunity is one deal fact linked from its lead (reporting
    reads nothing but events, so a lost or doubled event shows here)."""
    problems = []
    rows = bed.query(
        "reporting",
        "SELECT lead_id, team_id, routed_at, opportunity_id FROM marketing_leads "
        "WHERE lead_id = ANY(:ids)",
        ids=lead_ids,
    )
    if len(rows) != len(set(lead_ids)):
        problems.append(f"reporting holds {len(rows)} of {len(set(lead_ids))} leads")
    unrouted = [r.lead_id for r in rows if r.routed_at is None or not r.team_id]
    if unrouted:
        problems.append(f"reporting: {len(unrouted)} leads not routed, e.g. {unrouted[:3]}")
    opportunities = {
        r.opportunity_id for r in rows if r.lead_id in set(conversion_leads) and r.opportunity_id
    }
    if len(opportunities) != len(set(conversion_leads)):
        problems.append(
            f"reporting links {len(opportunities)} of {len(set(conversion_leads))} converted "
            "leads to their opportunity"
        )
    facts = bed.scalar(
        "reporting",
        "SELECT count(*) FROM deal_facts WHERE deal_id = ANY(:ids)",
        ids=list(opportunities),
    )
    if facts != len(opportunities):
        problems.append(f"reporting holds {facts} deal facts for {len(opportunities)} deals")
    return problems
