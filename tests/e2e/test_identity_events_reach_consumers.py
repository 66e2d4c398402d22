"""End to end: a user created through identity's gRPC API reaches a nameko @event_handler of
another service exactly once — even though that consumer had never run when the user was created,
and even when the broker delivers the event a second time."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, func, select, update

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_chassis import manifest
from crm_chassis.db import make_engine
from crm_chassis.messaging.topology import dead_letter_queue
from crm_chassis.outbox.tables import PENDING, inbox_table, outbox_table
from crm_testkit import (
    AMQP_URL,
    amqp_channel,
    free_port,
    service_amqp_url,
    temporary_postgres_database,
    wait_until,
)

pytestmark = pytest.mark.integration

HERE = Path(__file__).resolve().parent
# The probe's table definitions, loaded by path (the worker process imports it by module name).
_spec = importlib.util.spec_from_file_location("e2e_probe_app", HERE / "probe_app.py")
PROBE = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(PROBE)
ADMIN = ("e2e.admin@example.com", "e2e admin passphrase long")


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        out, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    return out.decode(errors="replace") if out else ""


@pytest.fixture
def platform(tmp_path):
    """identity (api in-process on PostgreSQL) + a repo root whose manifests add a probe consumer."""
    import grpc

    from crm_identity import migrate
    from crm_identity.adapters.argon2_hasher import Argon2Hasher
    from crm_identity.entrypoints import api
    from crm_identity.entrypoints.settings import IdentitySettings
    from crm_identity.entrypoints.wiring import build_dependencies

    probe = f"probe{uuid.uuid4().hex[:8]}"
    probe_metrics = free_port()
    root = tmp_path / "repo"
    (root / "libs").mkdir(parents=True)
    (root / "services" / "identity").mkdir(parents=True)
    shutil.copy(manifest.find("identity").root / "service.toml", root / "services" / "identity")
    (root / "services" / probe).mkdir()
    (root / "services" / probe / "service.toml").write_text(
        f'name = "{probe}"\npackage = "probe_app"\ngrpc_port = 0\n[processes]\nworker = {probe_metrics}\n'
        '[[subscriptions]]\nsource = "identity"\nevent = "user_created"\n'
        'method = "on_user_created"\n'
    )
    with (
        temporary_postgres_database("e2e_identity") as identity_db,
        temporary_postgres_database("e2e_probe") as probe_db,
    ):
        migrate.upgrade(identity_db)
        probe_engine = make_engine(probe_db)
        PROBE.TABLES.create_all(probe_engine)
        settings = IdentitySettings.load(
            "identity",
            env={"CRM_ENV": "local"},
            database_url=identity_db,
            grpc_port=0,
            metrics_port=0,
            shutdown_grace_seconds=0.5,
            bootstrap_admin_email=ADMIN[0],
            bootstrap_admin_password=ADMIN[1],
            bootstrap_admin_name="E2E Admin",
        )
        identity_engine = make_engine(identity_db, pool_size=2)
        server = api.start(
            settings,
            build_dependencies(settings, engine=identity_engine, hasher=Argon2Hasher()),
            access_log=False,
        )
        channel = grpc.insecure_channel(server.address)
        # identity's relay and topology step as identity's own broker user (the probe accepts
        # user_created from nobody else); the probe, which has no broker user, as the tests'.
        env = dict(
            os.environ,
            CRM_REPO_ROOT=str(root),
            CRM_AMQP_URL=AMQP_URL,
            CRM_IDENTITY_AMQP_URL=service_amqp_url("identity"),
            CRM_IDENTITY_DATABASE_URL=identity_db,
            CRM_IDENTITY_METRICS_PORT=str(free_port()),  # not the manifest's fixed port
            **{f"CRM_{probe.upper()}_DATABASE_URL": probe_db},
            CRM_LOG_LEVEL="WARNING",
            PROBE_SERVICE=probe,
            PYTHONPATH=os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        )
        processes: list[subprocess.Popen] = []

        def spawn(*args):
            process = subprocess.Popen(
                [sys.executable, "-m", *args],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            processes.append(process)
            return process

        yield {
            "channel": channel,
            "probe": probe,
            "probe_metrics": probe_metrics,
            "probe_engine": probe_engine,
            "identity_engine": identity_engine,
            "spawn": spawn,
            "queue": manifest.find(probe, root).subscriptions[0].queue,
        }
        logs = [_stop(p) for p in processes]
        channel.close()
        server.stop(0)
        identity_engine.dispose()
        probe_engine.dispose()
        connection, amqp = amqp_channel()
        queue = manifest.find(probe, root).subscriptions[0].queue
        for name in (queue, dead_letter_queue(queue)):
            amqp.queue_delete(queue=name)
        connection.close()
        if any(p.returncode not in (0, -signal.SIGTERM) for p in processes):
            print("\n".join(logs))


def _probe_rows(engine):
    users = PROBE.PROBE_USERS
    with engine.connect() as conn:
        return conn.execute(select(users.c.user_id, users.c.email)).all()


def test_user_created_reaches_a_consumer_that_started_later_exactly_once(platform):
    users = users_pb2_grpc.UserServiceStub(platform["channel"])
    auth = auth_pb2_grpc.AuthServiceStub(platform["channel"])
    token = auth.Login(auth_pb2.LoginRequest(email=ADMIN[0], password=ADMIN[1])).access_token
    bearer = (("authorization", f"Bearer {token}"),)
    admin_id = auth.WhoAmI(auth_pb2.WhoAmIRequest(), metadata=bearer).subject_id

    # The topology step (as in make run) declares every manifest's queues before the relay
    # starts: the probe's queue exists, so the event waits there although the probe never ran.
    topology = platform["spawn"]("crm_chassis.messaging.topology_main", "declare")
    assert topology.wait(60) == 0, topology.stdout.read().decode()
    relay = platform["spawn"]("crm_chassis.outbox.relay_main", "--service", "identity")
    email = f"e2e-{uuid.uuid4().hex[:8]}@example.com"
    created = users.CreateUser(
        users_pb2.CreateUserRequest(
            email=email,
            display_name="Ada End-to-End",
            password="violet tractor hums at dawn",
            departments=["sales"],
        ),
        metadata=bearer,
        timeout=10,
    )
    outbox = outbox_table(MetaData())

    def sent():
        with platform["identity_engine"].connect() as conn:
            return conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.aggregate_id == created.id, outbox.c.status == "sent")
            ).scalar()

    wait_until(sent, timeout=30, message="identity's relay never published user_created")
    assert relay.poll() is None

    worker = platform["spawn"]("crm_chassis.messaging.worker_main", platform["probe"], "probe_app")
    # Two users exist: the bootstrap administrator (created at identity's first start) and Ada.
    expected = sorted([(created.id, email), (admin_id, ADMIN[0])])
    wait_until(
        lambda: len(_probe_rows(platform["probe_engine"])) >= 2,
        timeout=60,
        message="the probe consumer never received both user_created events",
    )
    assert sorted(_probe_rows(platform["probe_engine"])) == expected

    # Deliver the very same event again (as after a relay crash between publish and mark-sent).
    with platform["identity_engine"].begin() as conn:
        conn.execute(
            update(outbox)
            .where(outbox.c.aggregate_id == created.id)
            .values(status=PENDING, sent_at=None)
        )
    wait_until(sent, timeout=30, message="the relay did not republish the reset row")
    # The duplicate is recorded in the probe's inbox check, never as a second effect.
    inbox = inbox_table(MetaData())

    def inbox_rows():
        with platform["probe_engine"].connect() as conn:
            return conn.execute(select(func.count()).select_from(inbox)).scalar()

    def duplicates_skipped() -> float:
        url = f"http://127.0.0.1:{platform['probe_metrics']}/metrics"
        for line in urllib.request.urlopen(url, timeout=5).read().decode().splitlines():
            if line.startswith("inbox_duplicates_skipped_total{"):
                return float(line.rsplit(" ", 1)[1])
        return 0.0

    wait_until(
        lambda: duplicates_skipped() >= 1,
        timeout=30,
        message="the probe never saw the redelivered user_created",
    )
    assert inbox_rows() == 2
    assert sorted(_probe_rows(platform["probe_engine"])) == expected
    assert worker.poll() is None and relay.poll() is None
