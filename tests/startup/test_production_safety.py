"""Outside local runs a misconfigured process stops at start, naming the setting to provide
(crm_chassis.settings.check_startup, run by every api, worker and relay main). Real processes,
started as Kubernetes starts them: no CRM_ENV (production), only what the test gives."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

import pytest

from crm_chassis import manifest
from crm_chassis.settings import LOCAL_ADMIN_PASSWORD

SERVICES = [m for m in manifest.discover() if "api" in m.processes]
# Never reached: every check runs before the first connection.
UNREACHABLE_DB = "postgresql+psycopg2://nobody@127.0.0.1:9/nothing"


def _run(argv: list[str], env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CRM_")}
    clean.update(CRM_DATA_DIR=str(tmp_path), CRM_AMQP_URL="amqp://nobody@127.0.0.1:9/", **env)
    return subprocess.run(argv, env=clean, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("service", SERVICES, ids=lambda m: m.name)
def test_an_api_without_a_database_url_stops_naming_it(service, tmp_path):
    result = _run(service.command("api", sys.executable), {}, tmp_path)
    assert result.returncode != 0
    assert f"CRM_{service.name.upper()}_DATABASE_URL is not set" in result.stderr
    assert not list(tmp_path.iterdir()), "no SQLite file may be created"


def test_the_console_without_its_session_key_stops_naming_it(tmp_path):
    console = manifest.find("console")
    result = _run(console.command("web", sys.executable), {}, tmp_path)
    assert result.returncode != 0
    assert "CRM_CONSOLE_SESSION_KEY is not set" in result.stderr
    assert "DATABASE_URL" not in result.stderr  # it keeps no data


def test_a_migration_without_a_database_url_stops_naming_it(tmp_path):
    result = _run([sys.executable, "-m", "crm_catalog.migrate"], {}, tmp_path)
    assert result.returncode != 0
    assert "CRM_CATALOG_DATABASE_URL is not set" in result.stderr
    assert not list(tmp_path.iterdir())


def test_a_local_run_still_falls_back_to_a_sqlite_file(tmp_path):
    result = _run([sys.executable, "-m", "crm_catalog.migrate"], {"CRM_ENV": "local"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "catalog.db").exists()


@pytest.mark.parametrize("kind", ["worker", "relay"])
def test_a_worker_or_relay_without_a_database_url_stops_naming_it(kind, tmp_path):
    leads = manifest.find("leads")
    result = _run(leads.command(kind, sys.executable), {"CRM_ENV": "production"}, tmp_path)
    assert result.returncode != 0
    assert "CRM_LEADS_DATABASE_URL is not set" in result.stderr
    assert f"crm leads {kind}: refusing to start" in result.stderr


@pytest.mark.parametrize("kind", ["api", "worker"])
def test_deals_without_its_webhook_key_stops_naming_it(kind, tmp_path):
    deals = manifest.find("deals")
    result = _run(
        deals.command(kind, sys.executable), {"CRM_DEALS_DATABASE_URL": UNREACHABLE_DB}, tmp_path
    )
    assert result.returncode != 0
    assert "CRM_DEALS_WEBHOOK_SECRET_KEY is not set" in result.stderr
    assert "DATABASE_URL" not in result.stderr


@pytest.mark.parametrize("password", [LOCAL_ADMIN_PASSWORD, "", "short"])
def test_identity_with_the_local_or_a_weak_admin_password_stops_naming_it(password, tmp_path):
    identity = manifest.find("identity")
    result = _run(
        identity.command("api", sys.executable),
        {
            "CRM_IDENTITY_DATABASE_URL": UNREACHABLE_DB,
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": "first.admin@example.com",
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": password,
        },
        tmp_path,
    )
    assert result.returncode != 0
    assert "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD" in result.stderr


def test_settings_checks_in_process():
    """The same rules without a process, including what may start."""
    from crm_chassis.settings import settings_class_of

    deals = settings_class_of("deals")
    assert (
        deals.load(
            "deals", env={"CRM_ENV": "production", "CRM_DEALS_DATABASE_URL": UNREACHABLE_DB}
        ).startup_problems("relay")
        == []
    )  # the relay never seals secrets
    assert deals.load("deals", env={"CRM_ENV": "test"}).startup_problems("api") == []
    identity = settings_class_of("identity")
    local = identity.load(
        "identity",
        env={
            "CRM_ENV": "local",
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": "admin@crm.local",
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": LOCAL_ADMIN_PASSWORD,
        },
    )
    assert local.startup_problems("api") == []
    strong = identity.load(
        "identity",
        env={
            "CRM_IDENTITY_DATABASE_URL": UNREACHABLE_DB,
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": "first.admin@example.com",
            "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": "a long and unguessable passphrase",
            "CRM_IDENTITY_KEY_ENCRYPTION_KEY": base64.b64encode(b"k" * 32).decode(),
        },
    )
    assert strong.startup_problems("api") == []
    without_key = identity.load("identity", env={"CRM_IDENTITY_DATABASE_URL": UNREACHABLE_DB})
    assert [p.split(" ")[0] for p in without_key.startup_problems("worker")] == [
        "CRM_IDENTITY_KEY_ENCRYPTION_KEY"
    ]
