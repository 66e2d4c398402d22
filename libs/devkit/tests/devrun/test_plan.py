"""What crm-dev would run, computed from manifests (no processes)."""

import sys
from pathlib import Path

import pytest

from crm_chassis.manifest import ServiceManifest
from crm_devrun.plan import LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD, build_plan

ROOT = Path("/repo")


def manifest(name, port, **processes):
    return ServiceManifest(
        name=name,
        package=f"crm_{name}",
        grpc_port=port,
        root=ROOT,
        processes=processes or {"api": 9151, "worker": 9251, "relay": 9351},
    )


IDENTITY, LEADS = manifest("identity", 50051), manifest("leads", 50053, api=9153)


def test_every_process_kind_of_every_service_with_its_ports():
    plan = build_plan([IDENTITY, LEADS], root=ROOT, environ={}, python="py")

    assert [(p.label, p.metrics_port) for p in plan.processes] == [
        ("identity.api", 9151),
        ("identity.worker", 9251),
        ("identity.relay", 9351),
        ("leads.api", 9153),
    ]
    api = plan.processes[0]
    assert api.argv == ("py", "-m", "crm_identity.entrypoints.api")
    assert api.env == {"CRM_IDENTITY_METRICS_PORT": "9151", "CRM_IDENTITY_GRPC_PORT": "50051"}
    assert api.grpc_address == "127.0.0.1:50051"
    assert api.metrics_url == "http://127.0.0.1:9151/metrics"
    assert plan.processes[1].argv == (
        "py",
        "-m",
        "crm_chassis.messaging.worker_main",
        "identity",
        "crm_identity.entrypoints.worker",
    )
    assert plan.processes[2].argv == (
        "py",
        "-m",
        "crm_chassis.outbox.relay_main",
        "--service",
        "identity",
    )
    assert plan.processes[1].grpc_address == ""


def test_migrations_then_topology():
    plan = build_plan([IDENTITY, LEADS], root=ROOT, environ={}, python="py")

    assert [m.argv for m in plan.migrations] == [
        ("py", "-m", "crm_identity.migrate"),
        ("py", "-m", "crm_leads.migrate"),
    ]
    assert plan.broker_users.argv == (
        "py",
        "-m",
        "crm_chassis.messaging.broker_users",
        "provision",
        "--vhost",
        "crm",
    )
    assert plan.topology.argv == ("py", "-m", "crm_chassis.messaging.topology_main", "declare")
    without = build_plan([IDENTITY], root=ROOT, environ={}, topology=False)
    assert without.topology is None and without.broker_users is None


def test_each_service_connects_to_the_broker_as_its_own_user():
    plan = build_plan([IDENTITY, LEADS], root=ROOT, environ={}, python="py")

    assert plan.environment["CRM_IDENTITY_AMQP_URL"] == (
        "amqp://crm-identity:local-dev-identity-broker@127.0.0.1:5672/crm"
    )
    assert plan.environment["CRM_LEADS_AMQP_URL"] == (
        "amqp://crm-leads:local-dev-leads-broker@127.0.0.1:5672/crm"
    )
    mine = build_plan(
        [LEADS],
        root=ROOT,
        python="py",
        environ={"CRM_LEADS_AMQP_URL": "amqp://me:pw@broker:5672/x"},
    )
    assert "CRM_LEADS_AMQP_URL" not in mine.environment  # the developer's own wins


def test_only_selects_services_and_rejects_unknown_names():
    plan = build_plan([IDENTITY, LEADS], root=ROOT, environ={}, only=["leads"])

    assert {p.service for p in plan.processes} == {"leads"}
    assert plan.environment["CRM_IDENTITY_ADDRESS"] == "127.0.0.1:50051"
    with pytest.raises(ValueError, match="unknown service.*nope.*known: identity, leads"):
        build_plan([IDENTITY, LEADS], root=ROOT, environ={}, only=["nope"])


def test_shared_environment_defaults_and_developer_overrides():
    defaults = build_plan([IDENTITY], root=ROOT, environ={}).environment
    overridden = build_plan(
        [IDENTITY], root=ROOT, environ={"CRM_DATA_DIR": "/elsewhere", "CRM_LOG_FORMAT": "json"}
    ).environment

    assert defaults["CRM_DATA_DIR"] == "/repo/data"
    assert defaults["CRM_LOG_FORMAT"] == "console"
    assert defaults["CRM_REPO_ROOT"] == "/repo"
    assert "CRM_DATA_DIR" not in overridden and "CRM_LOG_FORMAT" not in overridden


def test_make_run_processes_run_as_local():
    assert build_plan([IDENTITY], root=ROOT, environ={}).environment["CRM_ENV"] == "local"
    assert (
        "CRM_ENV" not in build_plan([IDENTITY], root=ROOT, environ={"CRM_ENV": "test"}).environment
    )


def test_local_bootstrap_admin_only_when_none_configured():
    local = build_plan([IDENTITY], root=ROOT, environ={})
    configured = build_plan(
        [IDENTITY], root=ROOT, environ={"CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": "boss@example.com"}
    )

    assert local.bootstrap_admin == (LOCAL_ADMIN_EMAIL, LOCAL_ADMIN_PASSWORD)
    assert local.environment["CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD"] == LOCAL_ADMIN_PASSWORD
    assert configured.bootstrap_admin is None
    assert "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL" not in configured.environment


def test_default_python_is_the_runners():
    plan = build_plan([IDENTITY], root=ROOT, environ={})

    assert plan.processes[0].argv[0] == sys.executable


def test_local_runs_give_every_other_service_an_account_identity_creates():
    plan = build_plan([IDENTITY, LEADS], root=ROOT, environ={}, python="py")
    env = plan.environment
    assert env["CRM_LEADS_SERVICE_CLIENT_ID"] == "svc-leads-local"
    secret = env["CRM_LEADS_SERVICE_CLIENT_SECRET"]
    assert env["CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS"] == f"leads:svc-leads-local:{secret}:"
    assert "CRM_IDENTITY_SERVICE_CLIENT_ID" not in env


def test_local_service_accounts_carry_the_roles_their_manifests_declare():
    deals = ServiceManifest(
        name="deals",
        package="crm_deals",
        grpc_port=50055,
        root=ROOT,
        processes={"api": 9155},
        service_roles=("choose_owners", "quote_prices"),
    )
    env = build_plan([IDENTITY, deals], root=ROOT, environ={}, python="py").environment
    secret = env["CRM_DEALS_SERVICE_CLIENT_SECRET"]
    assert (
        env["CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS"]
        == f"deals:svc-deals-local:{secret}:choose_owners+quote_prices"
    )


def test_configured_service_accounts_are_left_to_the_developer():
    configured = build_plan(
        [IDENTITY, LEADS],
        root=ROOT,
        python="py",
        environ={"CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS": "leads:mine:a-secret-of-my-own"},
    )
    assert "CRM_LEADS_SERVICE_CLIENT_ID" not in configured.environment
    assert "CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS" not in configured.environment
    own = build_plan(
        [IDENTITY, LEADS],
        root=ROOT,
        python="py",
        environ={"CRM_LEADS_SERVICE_CLIENT_ID": "svc-leads-mine"},
    )
    assert "CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS" not in own.environment


def test_a_web_application_runs_its_web_process_with_its_url_and_no_migration_nor_account():
    console = ServiceManifest(
        name="console",
        package="crm_console",
        grpc_port=0,
        http_port=8460,
        root=ROOT,
        processes={"web": 9157},
        calls=("identity", "leads"),
    )
    plan = build_plan([IDENTITY, LEADS, console], root=ROOT, environ={}, python="py")
    (web,) = [p for p in plan.processes if p.service == "console"]
    assert web.argv == ("py", "-m", "crm_console.entrypoints.web")
    assert web.env == {"CRM_CONSOLE_METRICS_PORT": "9157", "CRM_CONSOLE_HTTP_PORT": "8460"}
    assert (web.http_url, web.grpc_address) == ("http://127.0.0.1:8460/", "")
    assert "console" not in {m.service for m in plan.migrations}
    assert "CRM_CONSOLE_AMQP_URL" not in plan.environment  # no broker user
    assert "console:" not in plan.environment["CRM_IDENTITY_BOOTSTRAP_SERVICE_ACCOUNTS"]
    assert plan.environment["CRM_LEADS_ADDRESS"] == "127.0.0.1:50053"  # whom it calls
