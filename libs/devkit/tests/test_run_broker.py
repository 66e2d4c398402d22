"""The test run's broker: every helper of the test kit points at the run's own vhost."""

import os
from urllib.parse import urlsplit

import pytest

import crm_testkit
from crm_testkit import infrastructure

# The crm_broker plugin creates the run's vhost only when the run selects integration tests.
pytestmark = pytest.mark.integration


def test_the_kit_uses_the_vhost_the_broker_plugin_created_for_this_run():
    # The plugin sets CRM_TEST_AMQP_URL at start; a kit that read it before (at the plugin's own
    # import) would send service users to the default vhost, where they are refused.
    run_url = os.environ["CRM_TEST_AMQP_URL"]
    assert crm_testkit.AMQP_URL == infrastructure.AMQP_URL == run_url
    assert urlsplit(crm_testkit.service_amqp_url("leads")).path == urlsplit(run_url).path
