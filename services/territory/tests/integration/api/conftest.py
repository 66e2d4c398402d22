"""territory's api served by the real chassis gRPC server (interceptors, token verification,
error mapping) on 127.0.0.1, over the integration suite's PostgreSQL database (``database_url``,
``engine`` of the parent conftest) with the production wiring and an in-memory identity
directory."""

from __future__ import annotations

import grpc
import pytest

from crm_territory.entrypoints import api
from crm_territory.entrypoints.settings import TerritorySettings
from crm_territory.entrypoints.wiring import build_dependencies
from crm_testkit.auth import TestKeys

from ...unit.grpc_client import Client, Tokens
from ..org_builder import MemoryDirectory


@pytest.fixture(scope="session")
def directory():
    return MemoryDirectory()


@pytest.fixture(scope="session")
def api_server(database_url, engine, directory):
    settings = TerritorySettings.load(
        "territory",
        env={},
        database_url=database_url,
        grpc_port=0,
        metrics_port=0,
        shutdown_grace_seconds=0.5,
    )
    keys = TestKeys()
    deps = build_dependencies(settings, engine=engine, directory=directory)
    running = api.start(settings, deps, verifier=keys.verifier(), access_log=False)
    channel = grpc.insecure_channel(running.address)
    yield Client(channel), Tokens(keys)
    channel.close()
    running.stop(0)
