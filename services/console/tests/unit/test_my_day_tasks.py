"""My day's tasks: deals' ListMyTasks (one call, in the console's time zone) shown as the
person's tasks due today and overdue, overdue marked; this week's and later ones left out; a
deals that does not answer empties that part only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from starlette.testclient import TestClient

from crm_chassis.settings import SettingsError
from crm_console.domain.deals import Activity, DueTask
from crm_console.domain.errors import Unavailable
from crm_console.entrypoints.settings import ConsoleSettings
from crm_console.entrypoints.web import build_app

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


def due(task_id: str, bucket: str, owner: str, hours: int, on: str = "opportunity") -> DueTask:
    task = Activity(
        id=task_id,
        kind="task",
        subject=f"Call back {task_id}",
        body="",
        logged_by=owner,
        owner_user_id=owner,
        occurred_at=None,
        due_at=NOW + dt.timedelta(hours=hours),
    )
    return DueTask(task=task, bucket=bucket, record_type=on, record_id=f"rec-{task_id}")


def tasks_section(page: str) -> str:
    return page[page.index('id="my-tasks"') : page.index('id="my-leads"')]


def signed_in(client: TestClient, email: str) -> None:
    form = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={"csrf_token": CSRF.search(form.text).group(1), "email": email, "password": PASSWORD},
    )


@pytest.fixture
def ann(world):
    client, identity, _, _ = world
    person = identity.add("ann@example.com", "Ann")
    deals = client.app.state.console.deps.deals
    deals.teams["team-1"] = {person.user_id}
    deals.tasks = [
        due("t1", "overdue", person.user_id, -30),
        due("t2", "today", person.user_id, 3, on="account"),
        due("t3", "this_week", person.user_id, 50),
        due("t4", "today", "someone-else", 2),
    ]
    signed_in(client, person.email)
    return client, deals


def test_my_day_lists_my_tasks_due_today_and_overdue_from_one_call(ann):
    client, deals = ann
    deals.time_zones.clear()
    page = client.get("/")
    assert page.status_code == 200
    section = tasks_section(page.text)
    assert "My tasks due today and overdue" in section
    overdue, today = section.index("Call back t1"), section.index("Call back t2")
    assert overdue < today  # as deals ordered them: by due time
    assert '<a href="/deals/rec-t1">Call back t1</a>' in section  # a deal's task links to it
    assert "rec-t2" not in section  # an account has no page in the console: the subject only
    assert "<strong>Overdue</strong>" in section and "Today" in section
    assert "Call back t3" not in section  # due this week, not today
    assert "Call back t4" not in section
    assert deals.time_zones == ["UTC"]  # one ListMyTasks call per page, in the console's zone


def test_the_day_is_counted_in_the_console_time_zone(ann):
    client, deals = ann
    settings = ConsoleSettings.load(
        "console", {"CRM_ENV": "test", "CRM_CONSOLE_TIME_ZONE": "Asia/Tehran"}
    )
    with TestClient(
        build_app(settings, client.app.state.console.deps), base_url="https://console.test"
    ) as tehran:
        signed_in(tehran, "ann@example.com")
        deals.time_zones.clear()
        assert "Call back t1" in tehran.get("/").text
    assert deals.time_zones == ["Asia/Tehran"]
    with pytest.raises(SettingsError, match="CRM_CONSOLE_TIME_ZONE 'Mars/Olympus' is not"):
        ConsoleSettings.load(
            "console", {"CRM_ENV": "test", "CRM_CONSOLE_TIME_ZONE": "Mars/Olympus"}
        )


def test_no_task_due_and_deals_not_answering_each_say_so_in_persian_too(ann):
    client, deals = ann
    deals.tasks = [due("t3", "this_week", "user-1", 50)]
    client.post(
        "/language", data={"csrf_token": CSRF.search(client.get("/").text).group(1), "lang": "fa"}
    )
    page = client.get("/")
    section = tasks_section(page.text)
    assert "کارهای من با موعد امروز و گذشته از موعد" in section
    assert "کاری از شما نیست که موعدش امروز باشد یا گذشته باشد." in section

    def unavailable(token, time_zone):
        raise Unavailable("a service did not answer (UNAVAILABLE); try again")

    deals.my_tasks = unavailable
    page = client.get("/")
    assert page.status_code == 200
    assert "سرویس معاملات پاسخ نداد" in tasks_section(page.text)
    assert 'id="my-leads"' in page.text  # the rest of the day is still there


def test_tasks_on_my_unconverted_leads_are_merged_in_by_due_time(ann):
    client, deals = ann
    leads = client.app.state.console.deps.leads
    owner = deals.tasks[0].task.owner_user_id
    leads.tasks = [
        due("l1", "today", owner, 1, on="lead"),
        due("l2", "overdue", owner, -40, on="lead"),
        due("l3", "this_week", owner, 60, on="lead"),
    ]
    section = tasks_section(client.get("/").text)
    order = [section.index(f"Call back {t}") for t in ("l2", "t1", "l1", "t2")]
    assert order == sorted(order)  # overdue l2 (-40 h), t1 (-30 h), then today l1 (1 h), t2 (3 h)
    assert '<a href="/leads/rec-l1">Call back l1</a>' in section  # a lead's task links to it
    assert "Call back l3" not in section  # due this week
    leads.down = True  # leads does not answer: deals' tasks are still shown
    section = tasks_section(client.get("/").text)
    assert "Call back t1" in section and "Call back l1" not in section
