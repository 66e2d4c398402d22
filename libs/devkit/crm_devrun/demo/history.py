"""Seeding steps of the deal history: accounts, contacts, deals and activities through deals'
migration import (each team's supervisor imports the team's rows; records keep their historical
dates), then what an import cannot say: open deals' expected close dates (ahead, so the forecast
has them) and a share of won deals carrying a campaign (won through DealService, at their old
close date) so campaign ROI has revenue. Tasks due today come with the activities."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from google.protobuf.field_mask_pb2 import FieldMask

from crm.common.v1 import money_pb2
from crm.deals.v1 import deals_pb2, migration_pb2, resources_pb2, tasks_pb2
from crm_devrun.demo.calls import Caller, ImportReport, StepFailed, consume, refusal, wait_for
from crm_devrun.demo.company import CURRENCY
from crm_devrun.demo.state import Seeding

KINDS = ("accounts", "contacts", "deals", "activities")
REQUESTS = {
    "accounts": migration_pb2.ImportAccountsRequest,
    "contacts": migration_pb2.ImportContactsRequest,
    "deals": migration_pb2.ImportDealsRequest,
    "activities": migration_pb2.ImportActivitiesRequest,
}
# Columns whose rows hold a demo key, and the prefix of that key among the seeding's ids.
ID_COLUMNS = {"team_id": "team:", "owner_user_id": "", "sales_line_id": ""}


def _requests(
    seeding: Seeding, kind: str, rows: list[dict[str, str]], dry_run: bool = False
) -> Iterator[Any]:
    """The header and the rows with the platform's ids in place of the demo's keys (resolved
    before the stream starts: a stream's request iterator cannot report its own failure)."""
    request = REQUESTS[kind]
    columns = sorted({column for row in rows for column in row})
    resolved = [
        {k: seeding.ids[ID_COLUMNS[k] + v] if k in ID_COLUMNS else v for k, v in row.items()}
        for row in rows
    ]
    header = request(header=migration_pb2.MigrationHeader(columns=columns, dry_run=dry_run))
    return iter(
        [header]
        + [
            request(row=migration_pb2.MigrationRow(row_number=number, values=values))
            for number, values in enumerate(resolved, start=1)
        ]
    )


def _method(seeding: Seeding, kind: str) -> Any:
    return getattr(seeding.stubs.migration, f"Import{kind.title()}")


def _import(
    seeding: Seeding,
    step: str,
    kind: str,
    rows: list[dict[str, str]],
    caller: Caller,
    *,
    dry_run: bool = False,
) -> ImportReport:
    with refusal(step, f"importing {kind}"):
        return consume(
            caller.stream(_method(seeding, kind), _requests(seeding, kind, rows, dry_run))
        )


def _wait_members_known(seeding: Seeding, team: str, supervisor: Caller) -> None:
    """deals learns teams and memberships from territory's events: a dry run of the team's first
    account passes once it knows them."""
    rows = seeding.history.accounts[team][:1]

    def passes() -> bool:
        report = _import(seeding, "deal history", "accounts", rows, supervisor, dry_run=True)
        return report.accepted == len(rows)

    wait_for("deal history", f"deals never learnt the members of team {team}", passes, 60)


def import_history(seeding: Seeding) -> None:
    step = "deal history"
    history, totals = seeding.history, dict.fromkeys(KINDS, 0)
    for team in seeding.company.teams:
        supervisor = seeding.people[team.supervisor]
        if history.accounts[team.key]:
            _wait_members_known(seeding, team.key, supervisor)
        for kind in KINDS:
            rows = getattr(history, kind)[team.key]
            if not rows:
                continue
            report = _import(seeding, step, kind, rows, supervisor)
            if report.accepted != len(rows) or report.problems:
                raise StepFailed(
                    step,
                    f"{team.name}: {report.accepted} of {len(rows)} {kind} accepted; "
                    f"first problems: {report.problems[:3]}",
                )
            totals[kind] += report.accepted
            if kind == "deals":
                for number, row in enumerate(rows, start=1):
                    seeding.ids[row["external_id"]] = report.ids[number]
        seeding.say(f"deal history: {team.name} imported", transient=True)
    seeding.say(
        "deal history: "
        + ", ".join(f"{totals[k]} {k}" for k in KINDS)
        + f" ({history.closed('won')} won, {history.closed('lost')} lost, "
        f"{len(history.expected_close) + len(history.campaign_wins)} open)"
    )


def finish_deals(seeding: Seeding) -> None:
    step = "open and campaign deals"
    stubs, history = seeding.stubs, seeding.history
    supervisors = {
        row["external_id"]: seeding.people[t.supervisor]
        for t in seeding.company.teams
        for row in history.deals[t.key]
    }
    for external, day in history.expected_close.items():
        with refusal(step, f"dating open deal {external}"):
            supervisors[external](
                stubs.deals.UpdateDeal,
                deals_pb2.UpdateDealRequest(
                    id=seeding.ids[external],
                    deal=resources_pb2.Opportunity(estimated_close_date=day),
                    update_mask=FieldMask(paths=["estimated_close_date"]),
                ),
            )
    for external, (campaign, day, revenue) in history.campaign_wins.items():
        supervisor, deal_id = supervisors[external], seeding.ids[external]
        with refusal(step, f"winning deal {external} with its campaign"):
            supervisor(
                stubs.deals.UpdateDeal,
                deals_pb2.UpdateDealRequest(
                    id=deal_id,
                    deal=resources_pb2.Opportunity(campaign_id=seeding.ids[f"campaign:{campaign}"]),
                    update_mask=FieldMask(paths=["campaign_id"]),
                ),
            )
            won = supervisor(
                stubs.deals.CloseDealWon,
                deals_pb2.CloseDealWonRequest(
                    id=deal_id,
                    actual_revenue=money_pb2.Money(amount=revenue, currency=CURRENCY),
                    actual_close_date=day,
                ),
            )
        if won.actual_close_date != day or not won.campaign_id:
            raise StepFailed(
                step,
                f"deal {external} read back closed on {won.actual_close_date} "
                f"with campaign '{won.campaign_id}'",
            )
    seeding.say(
        f"open and campaign deals: {len(history.expected_close)} open deals dated ahead, "
        f"{len(history.campaign_wins)} won with their campaign"
    )


def tasks_due_today(seeding: Seeding) -> None:
    step = "tasks"
    reps = [rep for team in seeding.company.teams for rep in team.reps]
    expected = sum(
        1 for rows in seeding.history.activities.values() for row in rows if row["kind"] == "task"
    )
    found = 0
    for rep in reps:
        # overdue, today and this week: a task due this morning is overdue by the afternoon
        with refusal(step, f"listing the tasks of {rep}"):
            answer = seeding.people[rep](
                seeding.stubs.tasks.ListMyTasks, tasks_pb2.ListMyTasksRequest()
            )
        found += sum(
            1 for due in answer.tasks if due.task.due_at.ToDatetime().date() == seeding.today
        )
    if found != expected:
        raise StepFailed(step, f"{found} tasks due today read back, {expected} imported")
    seeding.say(f"tasks: {found} tasks due today for {len(reps)} reps")
