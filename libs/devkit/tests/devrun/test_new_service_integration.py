"""A throw-away service made by ``crm-dev new-service`` runs: its own tests pass, its import
contracts hold, and its real processes work together — the api answers a gRPC call (with a
token verified against identity's published keys), the relay publishes the event the call
wrote to the outbox, and the worker consumes it and changes the note in its own transaction.

The service lives in a temporary repository root (``CRM_REPO_ROOT``) with its own PostgreSQL
database and the test run's broker vhost; its protos are generated there, next to the
platform's. The test process talks to it through gRPC reflection, so it imports nothing of it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

from crm.identity.v1 import auth_pb2, auth_pb2_grpc
from crm_chassis import manifest as manifests
from crm_chassis.auth.keys import public_key_to_pem
from crm_chassis.messaging.topology import declare_topology, delete_topology
from crm_devrun.scaffold import Ports, new_service
from crm_testkit import AMQP_URL, amqp_channel, free_port, temporary_postgres_database, wait_until
from crm_testkit.auth import TestKeys
from crm_testkit.messaging import pika_user

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[4]
VENV_BIN = Path(sys.executable).parent


class FakeIdentity(auth_pb2_grpc.AuthServiceServicer):
    """identity's key publication, all a verifier reads: one Ed25519 key of ``keys``."""

    def __init__(self, keys: TestKeys) -> None:
        self.key = auth_pb2.SigningKey(
            kid=keys.kid,
            algorithm="EdDSA",
            active=True,
            public_key_pem=public_key_to_pem(keys.private_key),
        )

    def GetSigningKeys(self, request, context):
        if request.known_version == "v1":
            return auth_pb2.GetSigningKeysResponse(
                issuer="crm-identity", version="v1", unchanged=True
            )
        return auth_pb2.GetSigningKeysResponse(keys=[self.key], issuer="crm-identity", version="v1")


@pytest.fixture
def keys():
    return TestKeys()


@pytest.fixture
def identity(keys):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    auth_pb2_grpc.add_AuthServiceServicer_to_server(FakeIdentity(keys), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(0)


def _generate_protos(root: Path) -> Path:
    """The platform's protos and the new service's, compiled into ``root/gen``."""
    sources, out = root / "all-protos", root / "gen"
    shutil.copytree(REPO / "protos" / "crm", sources / "crm")
    shutil.copytree(root / "protos" / "crm", sources / "crm", dirs_exist_ok=True)
    out.mkdir()
    files = sorted(str(p.relative_to(sources)) for p in sources.rglob("*.proto"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "-I",
            ".",
            f"--python_out={out}",
            f"--grpc_python_out={out}",
            *files,
        ],
        cwd=sources,
        check=True,
    )
    for folder in [out, *[p for p in out.rglob("*") if p.is_dir()]]:
        (folder / "__init__.py").touch()
    return out


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _failures(result: subprocess.CompletedProcess) -> str:
    """What a failed pytest run said about its failures (not its warnings)."""
    return "\n".join(
        line
        for line in result.stdout.splitlines()
        if line.startswith(("E ", "FAILED", "ERROR", "_")) or "Error" in line
    )


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.running = env, logs, []

    def start(self, label: str, argv: list[str]) -> None:
        log = open(self.logs / f"{label}.log", "wb")  # noqa: SIM115  # closed in stop(); a file: a full pipe would block
        self.running.append(
            (label, log, subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT))
        )

    def output(self) -> str:
        return "\n".join(
            f"--- {label}\n{(self.logs / f'{label}.log').read_text()[-3000:]}"
            for label, _, _ in self.running
        )

    def stop(self) -> None:
        for _, _log, process in self.running:
            process.terminate()
        for _, log, process in self.running:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


class ReflectedService:
    """Calls a gRPC service through the server's reflection: message classes from the
    descriptors it serves."""

    def __init__(self, channel: grpc.Channel, service: str) -> None:
        self.pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
        self.service = self.pool.FindServiceByName(service)
        self.channel = channel

    def call(self, method: str, metadata=(), **fields):
        descriptor = self.service.methods_by_name[method]
        request_class = message_factory.GetMessageClass(descriptor.input_type)
        response_class = message_factory.GetMessageClass(descriptor.output_type)
        stub = self.channel.unary_unary(
            f"/{self.service.full_name}/{method}",
            request_serializer=request_class.SerializeToString,
            response_deserializer=response_class.FromString,
        )
        return stub(request_class(**fields), metadata=metadata, timeout=10)


def test_a_new_service_from_the_kit_serves_publishes_and_consumes(tmp_path, keys, identity):
    name = f"tmp{uuid.uuid4().hex[:8]}"
    root = tmp_path / "repo"
    (root / "services").mkdir(parents=True)
    ports = Ports(grpc=free_port(), api=free_port(), worker=free_port(), relay=free_port())
    written = new_service(name, root, ports)
    assert root / "services" / name / "service.toml" in written
    gen = _generate_protos(root)
    service_dir = root / "services" / name
    env = {
        **os.environ,
        "CRM_REPO_ROOT": str(root),
        "CRM_ENV": "test",
        "PYTHONPATH": os.pathsep.join([str(gen), str(service_dir)]),
        "CRM_AMQP_URL": AMQP_URL,
        "CRM_BROKER_USER_FORMAT": pika_user(AMQP_URL),
        "CRM_IDENTITY_ADDRESS": identity,
        "CRM_EVENT_MAX_DELIVERIES": "3",
    }

    # Its own tests (unit on fakes, the manifest contract, the migration round trip on SQLite;
    # on PostgreSQL its migration runs below) pass, and its import-linter contracts hold.
    tests = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not integration",
            "-c",
            str(REPO / "pytest.ini"),
            "--rootdir",
            str(root),
            f"services/{name}/tests",
        ],
        env,
        root,
    )
    assert tests.returncode == 0, _failures(tests)[-6000:]
    assert " passed" in tests.stdout and "failed" not in tests.stdout
    contracts = _run([str(VENV_BIN / "lint-imports"), "--no-cache"], env, service_dir)
    assert contracts.returncode == 0, contracts.stdout[-3000:]

    manifest = manifests.find(name, root)
    with temporary_postgres_database(name) as database_url:
        env[f"CRM_{name.upper()}_DATABASE_URL"] = database_url
        migrated = _run([sys.executable, "-m", f"crm_{name}.migrate"], env, root)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        connection, channel = amqp_channel()
        declare_topology(channel, [manifest], max_deliveries=3)  # the topology step
        processes = Processes(env, tmp_path)
        try:
            for kind in ("api", "relay", "worker"):
                processes.start(kind, manifest.command(kind, python=sys.executable))
            with grpc.insecure_channel(f"127.0.0.1:{ports.grpc}") as grpc_channel:
                health = health_pb2_grpc.HealthStub(grpc_channel)

                def serving() -> bool:
                    try:
                        return (
                            health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                            == health_pb2.HealthCheckResponse.SERVING
                        )
                    except grpc.RpcError:
                        return False

                wait_until(
                    serving, timeout=60, message=f"the api never served\n{processes.output()}"
                )
                notes = ReflectedService(grpc_channel, f"crm.{name}.v1.{name.capitalize()}Service")
                token = [("authorization", f"Bearer {keys.token('user-7')}")]

                with pytest.raises(grpc.RpcError) as anonymous:
                    notes.call("AddNote", text="no token")
                assert anonymous.value.code() is grpc.StatusCode.UNAUTHENTICATED
                with pytest.raises(grpc.RpcError) as empty:
                    notes.call("AddNote", token, text="  ")
                assert empty.value.code() is grpc.StatusCode.INVALID_ARGUMENT
                assert "text is required" in empty.value.details()

                added = notes.call("AddNote", token, text="call back on Monday").note
                assert (added.author_id, added.version) == ("user-7", 1)
                assert not added.HasField("acknowledged_at")

                def acknowledged():
                    note = notes.call("GetNote", token, id=added.id).note
                    return note if note.HasField("acknowledged_at") else None

                # relay: outbox -> broker; worker: broker -> acknowledge_note in its handler's
                # transaction (inbox row and change together).
                note = wait_until(
                    acknowledged,
                    timeout=60,
                    message=f"the worker never acknowledged the note\n{processes.output()}",
                )
                assert note.version == 2 and note.text == "call back on Monday"
        finally:
            processes.stop()
            delete_topology(channel, [manifest])
            connection.close()
