"""``crm-dev``: run the whole platform on one machine (what ``make run`` calls).

    crm-dev run [--only identity] [--no-topology]   migrate, broker users, topology, start, supervise
                                                    (the table once every process is ready)
    crm-dev list [--only ...]                       what `run` would start, without starting it
    crm-dev demo [--seed N] [--leads N] [--months N]
                                                    seed a realistic company into make run's
                                                    platform through its APIs (docs/operations.md)
    crm-dev new-service NAME                        write a new service from the kit (then
                                                    `make setup`; docs/adding-a-service.md)

A process that exits on its own is restarted after an exponential backoff (as Kubernetes restarts
a crashed pod); one that crashes ``--max-crashes`` times within a minute stops the platform.

Exit status of ``run``: 0 after Ctrl-C/SIGTERM, 1 when a step fails or a process crash-loops.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

import click
from rich.console import Console
from rich.table import Table

from crm_chassis import manifest as manifests
from crm_devrun.plan import Plan, build_plan
from crm_devrun.readiness import READY_TIMEOUT_SECONDS, wait_ready
from crm_devrun.supervisor import RestartPolicy, Supervisor, describe_exit

GRACE_SECONDS = 10.0


def _plan(only: tuple[str, ...], topology: bool) -> Plan:
    root = manifests.repo_root()
    found = manifests.discover(root)
    if not found:
        raise click.ClickException(
            f"no services found: {root}/services/*/service.toml "
            "(set CRM_REPO_ROOT to the repository)"
        )
    try:
        return build_plan(found, root=root, only=only, topology=topology)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _process_table(plan: Plan, pids: dict[str, int] | None = None) -> Table:
    table = Table(title="CRM platform (local)")
    for heading in (
        "service",
        "process",
        "pid" if pids is not None else "command",
        "gRPC address / web URL",
        "metrics URL",
    ):
        # addresses and URLs are copied from here: never broken across lines
        table.add_column(heading, overflow="fold", no_wrap=heading != "command")
    for spec in plan.processes:
        third = str(pids[spec.label]) if pids is not None else " ".join(spec.argv[1:])
        address = spec.grpc_address or spec.http_url
        table.add_row(spec.service, spec.kind, third, address, spec.metrics_url)
    return table


def _print_table(table: Table, plan: Plan) -> None:
    console = Console(file=sys.stdout, highlight=False, width=max(140, Console().width))
    console.print(table)
    if plan.bootstrap_admin:
        email, password = plan.bootstrap_admin
        console.print(
            f"bootstrap admin (local use only): {email} / {password}   "
            f"-> crmctl login --email {email}",
            markup=False,
            soft_wrap=True,
        )


def _announce_when_ready(
    plan: Plan, supervisor: Supervisor, stop: threading.Event, timeout: float
) -> threading.Thread:
    """Print the table once every process is ready (crm_devrun.readiness), or after
    ``timeout`` seconds naming those that are not; the processes are supervised meanwhile."""

    def announce() -> None:
        not_ready = wait_ready(plan.processes, stop, supervisor.say, timeout=timeout)
        if not_ready is None:
            return
        _print_table(_process_table(plan, {r.spec.label: r.pid for r in supervisor.running}), plan)
        if not_ready:
            supervisor.say(
                f"crm-dev: not ready after {timeout:.0f} s: {', '.join(not_ready)} "
                "(see their output above); running anyway, they may still come up"
            )
        supervisor.say("crm-dev: running; Ctrl-C stops everything")

    thread = threading.Thread(target=announce, name="crm-dev-readiness", daemon=True)
    thread.start()
    return thread


def run_platform(
    only: tuple[str, ...] = (),
    topology: bool = True,
    restart: RestartPolicy = RestartPolicy(),  # noqa: B008
    ready_timeout: float = READY_TIMEOUT_SECONDS,
) -> int:
    """Migrate, declare the topology, start every process, print the table once they are ready,
    supervise; the exit status."""
    plan = _plan(only, topology)
    colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    supervisor = Supervisor(sys.stdout, colour=colour, base_env=plan.environment)
    stop = threading.Event()
    received: list[str] = []

    def on_signal(signum: int, _frame: object) -> None:
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        steps = [*plan.migrations, *(step for step in (plan.broker_users, plan.topology) if step)]
        for step in steps:
            code = supervisor.run_step(step, stop)
            if code is None:
                supervisor.say(f"crm-dev: {received[-1]} received during {step.label}; stopped")
                return 0
            if code != 0:
                supervisor.say(
                    f"crm-dev: {step.label} failed ({describe_exit(code)}); nothing started"
                )
                return 1
        supervisor.start(plan.processes)
        done_waiting = threading.Event()
        announcer = _announce_when_ready(plan, supervisor, done_waiting, ready_timeout)
        try:
            exited = supervisor.supervise(stop, restart)
        finally:
            done_waiting.set()
            announcer.join(timeout=5)
        if exited is not None:
            supervisor.say(
                f"crm-dev: {exited.spec.label} (pid {exited.pid}) "
                f"{describe_exit(exited.popen.returncode)} unexpectedly; "
                "stopping everything (see its output above)"
            )
        else:
            supervisor.say(f"crm-dev: {received[-1]} received; stopping everything")
        killed = supervisor.stop_all(GRACE_SECONDS)
        if killed:
            supervisor.say(f"crm-dev: killed after {GRACE_SECONDS:.0f} s: {', '.join(killed)}")
        supervisor.say("crm-dev: all processes stopped")
        return 1 if exited is not None else 0
    finally:
        supervisor.stop_all(GRACE_SECONDS)  # idempotent; covers errors while starting
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@click.group()
def cli() -> None:
    """Run the CRM platform locally."""


@cli.command()
@click.option(
    "--only",
    multiple=True,
    metavar="SERVICE",
    help="Run only this service (repeatable); the others are not started.",
)
@click.option(
    "--no-topology",
    is_flag=True,
    help="Skip the broker users and topology (e.g. no RabbitMQ needed for the test).",
)
@click.option(
    "--max-crashes",
    type=click.IntRange(min=0),
    default=RestartPolicy.max_crashes,
    show_default=True,
    help="Restarts of one process within a minute before giving up (0: never restart).",
)
@click.option(
    "--restart-backoff",
    type=click.FloatRange(min=0),
    show_default=True,
    default=RestartPolicy.backoff_seconds,
    help="Seconds before the first restart; doubled at each further crash (max 10).",
)
@click.option(
    "--ready-timeout",
    type=click.FloatRange(min=0),
    show_default=True,
    default=READY_TIMEOUT_SECONDS,
    help="Seconds to wait for every process to be ready before printing the table "
    "anyway, with those not ready named (they keep running).",
)
def run(
    only: tuple[str, ...],
    no_topology: bool,
    max_crashes: int,
    restart_backoff: float,
    ready_timeout: float,
) -> None:
    """Migrate, create the broker users, declare the topology, start every process, print
    their table once they are ready, restart crashed ones;
    Ctrl-C stops all."""
    policy = RestartPolicy(max_crashes=max_crashes, backoff_seconds=restart_backoff)
    sys.exit(
        run_platform(only, topology=not no_topology, restart=policy, ready_timeout=ready_timeout)
    )


@cli.command("list")
@click.option("--only", multiple=True, metavar="SERVICE", help="Only this service (repeatable).")
def list_processes(only: tuple[str, ...]) -> None:
    """Show what `crm-dev run` would start, without starting it."""
    plan = _plan(only, True)
    _print_table(_process_table(plan), plan)
    for step in plan.migrations:
        click.echo(f"migrate {step.service}: {' '.join(step.argv[1:])}")
    for part in (plan.broker_users, plan.topology):
        if part is not None:
            click.echo(f"{part.label}: {' '.join(part.argv[1:])}")


@cli.command("new-service")
@click.argument("name")
def new_service_command(name: str) -> None:
    """Write services/NAME and protos/crm/NAME: a small working service in the platform's
    shape (api, worker, relay, migration, tests) to grow from."""
    from crm_devrun.scaffold import new_service

    root = manifests.repo_root()
    try:
        written = new_service(name, root)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path.relative_to(root)}")
    click.echo(
        f"next: make setup (installs crm_{name}, generates its protos), then "
        f".venv/bin/python -m pytest -q services/{name}/tests; docs/adding-a-service.md "
        "lists what else a service needs (settings table, deploy render, crmctl)"
    )


@cli.command("demo")
@click.option("--seed", type=int, default=17, show_default=True, help="Random seed of the company.")
@click.option(
    "--leads",
    "lead_count",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Leads to import.",
)
@click.option(
    "--months",
    type=click.IntRange(min=1, max=60),
    default=18,
    show_default=True,
    help="Months of deal history.",
)
def demo_command(seed: int, lead_count: int, months: int) -> None:
    """Seed a realistic company into make run's platform through its public APIs (starting the
    platform in the background when nothing answers), then print the console's URL and
    sign-ins. Exits 1 naming the step that did not do what it says."""
    from crm_devrun.demo.run import demo

    sys.exit(
        demo(
            _plan((), True), manifests.repo_root(), seed=seed, lead_count=lead_count, months=months
        )
    )


def main() -> None:  # console script `crm-dev`
    cli(prog_name="crm-dev")


if __name__ == "__main__":  # pragma: no cover
    main()
