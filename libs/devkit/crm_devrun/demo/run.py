"""The demo's steps in order, the check for an already seeded platform, and the sign-ins.

Re-running on a platform that already holds the demo company says so and exits 0 (it adds
nothing): the demo's division is looked up first. A run that failed half-way leaves a partial
company; stop ``make run``, remove ``data/`` and run ``make demo`` again for a fresh one.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from crm.common.v1 import pagination_pb2
from crm.territory.v1 import org_pb2
from crm_devrun.demo import history, leads, organisation, verify
from crm_devrun.demo.calls import Caller, StepFailed, Stubs, refusal
from crm_devrun.demo.company import PASSWORD, UNITS, Company, build
from crm_devrun.demo.platform import ensure_running
from crm_devrun.demo.records import history as make_history
from crm_devrun.demo.records import lead_rows
from crm_devrun.demo.state import Say, Seeding
from crm_devrun.plan import Plan

SEED = 17
LEADS = 5000
MONTHS = 18
Step = Callable[[Seeding], object]
# (beside, in order): the leads' import runs beside the deal history (leads and deals are
# separate services; routing goes on meanwhile), everything else one after the other.
STEPS: tuple[tuple[tuple[Step, ...], tuple[Step, ...]], ...] = (
    (
        (),
        (
            organisation.people,
            organisation.organisation,
            organisation.lines,
            organisation.targets,
            leads.campaigns,
        ),
    ),
    (
        (leads.import_leads,),
        (history.import_history, history.finish_deals, history.tasks_due_today),
    ),
    ((), (leads.wait_routed, verify.reporting)),
)


class Progress:
    """Lines of progress on stdout; transient ones overwrite each other on a terminal and are
    shown at most every 10 s otherwise."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.started = time.monotonic()
        self._last_transient = 0.0

    def __call__(self, text: str, *, transient: bool = False) -> None:
        stamp = f"[{time.monotonic() - self.started:5.0f} s] {text}"
        if transient and self.tty:
            sys.stdout.write("\r\033[K" + stamp)
        elif transient:
            if time.monotonic() - self._last_transient >= 10:
                self._last_transient = time.monotonic()
                print(stamp)
        else:
            print(("\r\033[K" if self.tty else "") + stamp)
        sys.stdout.flush()


def already_seeded(stubs: Stubs, admin: Caller) -> bool:
    top = UNITS[0]
    with refusal("platform", "listing the org units"):
        units = admin(
            stubs.org.ListOrgUnits,
            org_pb2.ListOrgUnitsRequest(page=pagination_pb2.PageRequest(page_size=500)),
        ).units
    return any(u.name == top.name and u.level == 1 and u.department == "sales" for u in units)


def seed_company(
    stubs: Stubs,
    admin_token: str,
    say: Say,
    *,
    seed: int = SEED,
    lead_count: int = LEADS,
    months: int = MONTHS,
    today: dt.date | None = None,
) -> Seeding:
    """Every step in order; StepFailed names the first that did not do what it says."""
    today = today or dt.datetime.now(dt.UTC).date()
    company = build(seed, today)
    seeding = Seeding(
        stubs=stubs,
        admin=Caller(admin_token),
        company=company,
        history=make_history(company, months, today, seed),
        lead_rows=lead_rows(company, lead_count, seed),
        today=today,
        months=months,
        say=say,
    )
    for beside, in_order in STEPS:
        run_beside(seeding, beside, in_order)
    return seeding


def run_beside(seeding: Seeding, beside: tuple[Step, ...], in_order: tuple[Step, ...]) -> None:
    """``in_order`` here while ``beside`` runs in a thread; the first failure of either is
    raised once both have stopped."""
    failures: list[BaseException] = []

    def other() -> None:
        try:
            for step in beside:
                step(seeding)
        except BaseException as failure:  # noqa: BLE001 - raised below, in this thread
            failures.append(failure)

    thread = threading.Thread(target=other, name="demo-beside", daemon=True)
    thread.start()
    try:
        for step in in_order:
            step(seeding)
    finally:
        thread.join()
    if failures:
        raise failures[0]


def sign_ins(company: Company, admin_email: str, admin_password: str) -> list[str]:
    team = company.teams[0]
    rep, supervisor = company.person(team.reps[0]), company.person(team.supervisor)
    manager = company.person("mgr-enterprise")
    return [
        f"  rep           {rep.email} / {PASSWORD}   ({rep.name.display}, {team.name})",
        f"  supervisor    {supervisor.email} / {PASSWORD}   ({supervisor.name.display}, {team.name})",
        f"  unit manager  {manager.email} / {PASSWORD}   ({manager.name.display}, region Enterprise)",
        f"  head of sales {company.person('head').email} / {PASSWORD}   (manager of the division: every team)",
        f"  administrator {admin_email} / {admin_password}   (in no team: sees no lead, deal or report)",
    ]


def _admin(plan: Plan) -> tuple[str, str]:
    if plan.bootstrap_admin:
        return plan.bootstrap_admin
    email = os.environ.get("CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL") or os.environ.get(
        "CRM_BOOTSTRAP_ADMIN_EMAIL", ""
    )
    password = os.environ.get("CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD") or os.environ.get(
        "CRM_BOOTSTRAP_ADMIN_PASSWORD", ""
    )
    return email, password


def demo(plan: Plan, root: Path, *, seed: int, lead_count: int, months: int) -> int:
    """``crm-dev demo``: the exit status (1 naming the step that failed)."""
    say = Progress()
    addresses = {spec.service: spec.grpc_address for spec in plan.processes if spec.grpc_address}
    console = next((spec.http_url for spec in plan.processes if spec.http_url), "")
    admin_email, admin_password = _admin(plan)
    stubs = Stubs(lambda service: addresses[service])
    try:
        ensure_running(plan, root, say)
        with refusal("platform", f"signing in as the administrator {admin_email}"):
            token = stubs.login(admin_email, admin_password)
        company = build(seed, dt.datetime.now(dt.UTC).date())
        if already_seeded(stubs, Caller(token)):
            say(
                "the demo company is already seeded on this platform (division Sales exists); "
                "nothing added"
            )
        else:
            seed_company(stubs, token, say, seed=seed, lead_count=lead_count, months=months)
            say(f"demo company seeded in {time.monotonic() - say.started:.0f} s")
    except StepFailed as failure:
        say(f"error: step {failure}")
        if failure.step != "platform":
            say(
                "the platform now holds part of the company: stop make run, remove data/ and "
                "run make demo again"
            )
        return 1
    finally:
        stubs.close()
    print(f"\nconsole: {console}\nsign in as (every seeded person's password is the same):")
    print("\n".join(sign_ins(company, admin_email, admin_password)))
    return 0
