"""The real worker process (chassis worker_main, eventlet, nameko timers) rotates the key."""

import os
import signal
import subprocess
import sys

import pytest

from crm_testkit import AMQP_URL, free_port, wait_until

from .conftest import KEY_ENCRYPTION_KEY

pytestmark = pytest.mark.integration


def test_worker_rotates_the_signing_key_when_due(database_url, deps, server):
    with deps.uow() as uow:
        before = uow.signing_keys.active().kid
    env = dict(
        os.environ,
        CRM_IDENTITY_DATABASE_URL=database_url,
        CRM_IDENTITY_AMQP_URL=AMQP_URL,
        CRM_IDENTITY_METRICS_PORT=str(free_port()),
        # due after ~0.1 s, checked every 0.2 s: the first timer tick rotates
        CRM_IDENTITY_KEY_ROTATION_DAYS="0.000001",
        CRM_IDENTITY_KEY_ROTATION_CHECK_SECONDS="0.2",
        CRM_IDENTITY_LOG_FORMAT="json",
        CRM_IDENTITY_KEY_ENCRYPTION_KEY=KEY_ENCRYPTION_KEY,
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crm_chassis.messaging.worker_main",
            "identity",
            "crm_identity.entrypoints.worker",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def rotated():
            with deps.uow() as uow:
                active = uow.signing_keys.active()
                return active is not None and active.kid != before

        wait_until(rotated, timeout=30, message="the worker did not rotate the signing key")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert process.returncode == 0, output.decode()[-2000:]
    with deps.uow() as uow:
        published = {k.kid for k in uow.signing_keys.all()}
    assert before in published
