import pytest

from crm_chassis import manifest


def _write(tmp_path, name, body):
    folder = tmp_path / "services" / name
    folder.mkdir(parents=True)
    (folder / "service.toml").write_text(body)
    (tmp_path / "libs").mkdir(exist_ok=True)
    return folder / "service.toml"


def test_manifest_declares_processes_and_subscriptions(tmp_path):
    _write(
        tmp_path,
        "deals",
        """
name = "deals"
package = "crm_deals"
grpc_port = 50054
publishes = ["deal_created"]
[processes]
api = 9154
worker = 9254
relay = 9354
[[subscriptions]]
source = "identity"
event = "user_deactivated"
method = "on_user_deactivated"
""",
    )
    (found,) = manifest.discover(tmp_path)
    assert found.processes == {"api": 9154, "worker": 9254, "relay": 9354}
    (sub,) = found.subscriptions
    # nameko's own naming: evt-<source>-<event>--<service>.<method>
    assert sub.queue == "evt-identity-user_deactivated--deals.on_user_deactivated"
    assert found.command("api", python="py") == ["py", "-m", "crm_deals.entrypoints.api"]
    assert manifest.find("deals", tmp_path).name == "deals"
    with pytest.raises(LookupError):
        manifest.find("nope", tmp_path)


def test_unknown_process_kind_is_refused(tmp_path):
    path = _write(tmp_path, "x", 'name="x"\npackage="p"\ngrpc_port=1\n[processes]\ncron=1\n')
    with pytest.raises(ValueError, match="unknown process kinds"):
        manifest.load(path)


def test_a_web_application_declares_its_http_port_and_uses_no_broker(tmp_path):
    path = _write(
        tmp_path, "w", 'name="w"\npackage="crm_w"\nhttp_port=8460\n[processes]\nweb=9157\n'
    )
    found = manifest.load(path)
    assert (found.http_port, found.grpc_port, found.is_web, found.uses_broker) == (
        8460,
        0,
        True,
        False,
    )
    assert found.command("web") == ["python", "-m", "crm_w.entrypoints.web"]
    portless = _write(tmp_path, "v", 'name="v"\npackage="p"\n[processes]\nweb=1\n')
    with pytest.raises(ValueError, match="a web process needs http_port"):
        manifest.load(portless)


def test_missing_key_names_the_file_and_key(tmp_path):
    path = _write(tmp_path, "y", 'name="y"\ngrpc_port=1\n')
    with pytest.raises(ValueError, match="package"):
        manifest.load(path)


def test_repository_manifests_are_valid():
    for found in manifest.discover():
        assert found.processes, f"{found.name} declares no processes"
        assert set(found.processes) <= set(manifest.PROCESS_KINDS)


def test_service_roles_are_parsed_and_checked_against_the_platform_names(tmp_path):
    path = _write(
        tmp_path,
        "z",
        'name="z"\npackage="p"\ngrpc_port=1\nservice_roles=["quote_prices", "choose_owners"]\n',
    )
    assert manifest.load(path).service_roles == ("choose_owners", "quote_prices")
    path.write_text('name="z"\npackage="p"\ngrpc_port=1\nservice_roles=["admin"]\n')
    with pytest.raises(ValueError, match="service_roles must be a list of read_users"):
        manifest.load(path)


def test_the_repository_services_declare_the_rights_their_accounts_need():
    roles = {found.name: found.service_roles for found in manifest.discover()}
    assert roles["territory"] == ("read_users",)
    assert roles["leads"] == ("choose_owners",)
    assert roles["deals"] == ("choose_owners", "quote_prices")
    assert roles["catalog"] == ()


def test_external_egress_is_parsed_and_its_process_kind_checked(tmp_path):
    path = _write(
        tmp_path,
        "mailer",
        'name="mailer"\npackage="p"\ngrpc_port=1\n'
        "[processes]\nworker=2\n"
        '[[egress]]\nprocess="worker"\npurpose="smtp"\nports=[25, 587]\n',
    )
    (rule,) = manifest.load(path).egress
    assert (rule.process, rule.purpose, rule.ports) == ("worker", "smtp", (25, 587))
    bad = _write(
        tmp_path,
        "bad",
        'name="bad"\npackage="p"\ngrpc_port=1\n'
        '[[egress]]\nprocess="cron"\npurpose="smtp"\nports=[25]\n',
    )
    with pytest.raises(ValueError, match="egress process must be one of"):
        manifest.load(bad)
