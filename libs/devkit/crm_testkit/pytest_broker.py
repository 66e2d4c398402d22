"""pytest plugin (entry point ``crm_broker`` of crm-chassis, so it is loaded before any conftest):
every test session on its own RabbitMQ virtual host, so two runs on one machine never take each
other's messages.

At session start, before any conftest or test module imports :mod:`crm_testkit`: unless
``CRM_TEST_AMQP_URL`` is set, create the vhost ``crm-test-<random>``, every service's broker user
(``crm-<service>``, its local password) with its permissions there and every right there for the
administrative user of the tests (``guest``), and point ``CRM_TEST_AMQP_URL`` at it; at session end
delete that vhost (and with it the permissions on it). A ``CRM_TEST_AMQP_URL`` set beforehand is
used as is; the services' users get their permissions on its vhost, nothing else changes.

One ``rabbitmqctl import_definitions`` (needs root or the broker's Erlang cookie). Without
rabbitmqctl the session runs on ``CRM_TEST_AMQP_URL``'s default and says so. A run of unit tests
only (``-m "not integration"``) needs no broker and touches nothing. ``-p no:crm_broker`` turns
the plugin off.
"""

from __future__ import annotations

import os
import uuid
import warnings
from urllib.parse import quote, unquote, urlsplit

import pytest

ENV = "CRM_TEST_AMQP_URL"
ADMIN_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
_created: list[str] = []


def vhost_of(url: str) -> str:
    path = urlsplit(url).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return parts._replace(path="/" + quote(vhost, safe="")).geturl()


def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    markexpr = getattr(early_config.known_args_namespace, "markexpr", "") or ""
    if "not integration" in markexpr:
        return
    from crm_chassis import manifest as manifests
    from crm_chassis.messaging.broker_users import ProvisioningError, provision

    explicit = os.environ.get(ENV)
    url = explicit or ADMIN_URL
    vhost = vhost_of(url) if explicit else f"crm-test-{uuid.uuid4().hex[:10]}"
    admin = [] if explicit else [unquote(urlsplit(url).username or "guest")]
    try:
        provision(manifests.discover(), vhost, also_permit=admin)
    except ProvisioningError as exc:
        warnings.warn(
            f"broker users and test vhost not created ({exc}); tests use {url}", stacklevel=2
        )
        return
    if not explicit:
        _created.append(vhost)
        os.environ[ENV] = with_vhost(url, vhost)


def pytest_unconfigure(config: pytest.Config) -> None:
    from crm_chassis.messaging.broker_users import ProvisioningError, delete_vhost

    while _created:
        vhost = _created.pop()
        try:
            delete_vhost(vhost)
        except ProvisioningError as exc:
            warnings.warn(f"test vhost {vhost} not deleted: {exc}", stacklevel=2)
