"""Seeding steps of marketing: campaigns with their costs, then the leads imported through
leads' ImportLeads stream (scored on capture), waited for until territory has routed each to a
team and an owner."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterator

from crm.common.v1 import money_pb2, pagination_pb2
from crm.leads.v1 import campaign_pb2, lead_pb2, lead_service_pb2
from crm_devrun.demo.calls import StepFailed, consume, refusal
from crm_devrun.demo.company import CURRENCY
from crm_devrun.demo.records import LEAD_COLUMNS
from crm_devrun.demo.state import Seeding

ROUTING_TIMEOUT_SECONDS = 150.0
PAGE = 500


def _date(day) -> campaign_pb2.CalendarDate:  # type: ignore[no-untyped-def]
    return campaign_pb2.CalendarDate(year=day.year, month=day.month, day=day.day)


def campaigns(seeding: Seeding) -> None:
    step = "campaigns"
    stubs, marketer = seeding.stubs, seeding.people["mkt-lead"]
    for campaign in seeding.company.campaigns:
        with refusal(step, f"creating campaign {campaign.name}"):
            made = marketer(
                stubs.campaigns.CreateCampaign,
                campaign_pb2.CreateCampaignRequest(
                    campaign=campaign_pb2.Campaign(
                        name=campaign.name,
                        channel=lead_pb2.Channel.Value(f"CHANNEL_{campaign.channel.upper()}"),
                        starts_on=_date(campaign.starts_on),
                        ends_on=_date(campaign.ends_on),
                        cost=money_pb2.Money(amount=campaign.cost, currency=CURRENCY),
                    )
                ),
            )
        seeding.ids[f"campaign:{campaign.key}"] = made.id
    listed = marketer(
        stubs.campaigns.ListCampaigns,
        campaign_pb2.ListCampaignsRequest(page=pagination_pb2.PageRequest(page_size=PAGE)),
    ).campaigns
    costs = {c.id: c.cost.amount for c in listed}
    for campaign in seeding.company.campaigns:
        if costs.get(seeding.ids[f"campaign:{campaign.key}"]) != campaign.cost:
            raise StepFailed(
                step, f"campaign {campaign.name} read back without its cost {campaign.cost}"
            )
    seeding.say(f"campaigns: {len(seeding.company.campaigns)} with costs")


def _requests(
    seeding: Seeding, rows: list[dict[str, str]]
) -> Iterator[lead_service_pb2.ImportLeadsRequest]:
    """The header and the rows with the platform's ids in place of the demo's keys (built before
    the stream starts: a stream's request iterator cannot report its own failure)."""
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
    header = lead_service_pb2.ImportHeader(import_id=f"demo:{digest}", columns=LEAD_COLUMNS)
    requests = [lead_service_pb2.ImportLeadsRequest(header=header)]
    for number, row in enumerate(rows, start=1):
        campaign = row["source.campaign_id"]
        values = {
            **row,
            "sales_line_id": seeding.ids[row["sales_line_id"]],
            "source.campaign_id": seeding.ids[f"campaign:{campaign}"] if campaign else "",
        }
        requests.append(
            lead_service_pb2.ImportLeadsRequest(
                row=lead_service_pb2.ImportRow(row_number=number, values=values)
            )
        )
    return iter(requests)


def import_leads(seeding: Seeding) -> None:
    step = "leads import"
    rows, marketer = seeding.lead_rows, seeding.people["mkt-ops"]
    started = time.monotonic()

    def progress(read: int) -> None:
        seeding.say(f"leads import: {read}/{len(rows)} rows sent", transient=True)

    with refusal(step, "importing"):
        report = consume(
            marketer.stream(seeding.stubs.leads.ImportLeads, _requests(seeding, rows)), progress
        )
    if report.accepted != len(rows) or report.problems:
        raise StepFailed(
            step,
            f"{report.accepted} of {len(rows)} rows accepted; first problems: {report.problems[:3]}",
        )
    seeding.say(
        f"leads import: {report.accepted} leads accepted in {time.monotonic() - started:.0f} s"
    )


def _count(seeding: Seeding) -> tuple[int, int]:
    """(owned, scored) of every lead the head of sales sees."""
    owned = scored = 0
    cursor = ""
    while True:
        with refusal("lead routing", "searching leads"):
            page = seeding.head(
                seeding.stubs.leads.SearchLeads,
                lead_service_pb2.SearchLeadsRequest(
                    sort=lead_service_pb2.LEAD_SORT_FIELD_CREATED_AT,
                    page=pagination_pb2.PageRequest(page_size=PAGE, cursor=cursor),
                ),
            )
        owned += sum(1 for lead in page.leads if lead.assignment.owner_user_id)
        scored += sum(1 for lead in page.leads if lead.HasField("score"))
        cursor = page.page_info.next_cursor
        if not cursor:
            return owned, scored


def wait_routed(seeding: Seeding) -> None:
    """Every imported lead routed to a team with an owner and scored, as the head of sales (the
    manager of the division, who sees every team's leads) reads them."""
    step, total = "lead routing", len(seeding.lead_rows)
    deadline = time.monotonic() + ROUTING_TIMEOUT_SECONDS
    while True:
        owned, scored = _count(seeding)
        seeding.say(f"lead routing: {owned}/{total} leads routed and owned", transient=True)
        if owned >= total:
            break
        if time.monotonic() > deadline:
            raise StepFailed(
                step,
                f"only {owned} of {total} leads were routed and owned within "
                f"{ROUTING_TIMEOUT_SECONDS:.0f} s",
            )
        time.sleep(2)
    if scored < total:
        raise StepFailed(step, f"only {scored} of {total} leads carry a score")
    seeding.say(f"lead routing: {owned} leads routed to a team, owned and scored")
