"""``crm-dev new-service``: the files it writes, their ports and names (no processes: the
throw-away service test runs them)."""

from __future__ import annotations

import py_compile
import tomllib

import pytest
from click.testing import CliRunner

from crm_chassis import manifest as manifests
from crm_devrun.main import cli
from crm_devrun.scaffold import Ports, new_service, next_ports


@pytest.fixture
def root(tmp_path):
    (tmp_path / "services").mkdir()
    return tmp_path


def test_the_service_is_a_manifest_a_package_a_proto_and_tests(root):
    written = new_service("notes", root, Ports.number(7))
    relative = {str(path.relative_to(root)) for path in written}
    assert {
        "services/notes/service.toml",
        "protos/crm/notes/v1/notes.proto",
        "services/notes/crm_notes/entrypoints/api.py",
        "services/notes/crm_notes/entrypoints/worker.py",
        "services/notes/migrations/versions/0001_initial.py",
        "services/notes/tests/unit/test_notes.py",
    } <= relative
    for path in written:
        if path.suffix == ".py":
            py_compile.compile(str(path), doraise=True)
        assert "$" not in path.read_text() or path.name == "script.py.mako", path
    manifest = manifests.find("notes", root)
    assert (manifest.package, manifest.grpc_port, manifest.processes) == (
        "crm_notes",
        50057,
        {"api": 9157, "worker": 9257, "relay": 9357},
    )
    assert [(s.source, s.event, s.method) for s in manifest.subscriptions] == [
        ("notes", "note_added", "on_note_added")
    ]
    assert manifest.publishes == ("note_added",)
    tomllib.loads((root / "services/notes/pyproject.toml").read_text())


def test_ports_follow_the_services_already_there(root):
    new_service("first", root)
    assert next_ports(root) == Ports.number(2)
    assert manifests.find("first", root).grpc_port == 50051


def test_ports_skip_the_metrics_port_of_a_web_application(root):
    new_service("first", root)
    (root / "services" / "web").mkdir()
    (root / "services" / "web" / "service.toml").write_text(
        'name = "web"\npackage = "crm_web"\nhttp_port = 8460\n[processes]\nweb = 9152\n'
    )
    assert next_ports(root) == Ports.number(3)  # 9152 is the web application's


@pytest.mark.parametrize(
    "name, says",
    [
        ("Notes", "lower-case"),
        ("1notes", "starting with"),
        ("no-tes", "lower-case"),
        ("n", "2 to 31"),
    ],
)
def test_a_name_that_cannot_name_a_package_is_refused(root, name, says):
    with pytest.raises(ValueError, match=says):
        new_service(name, root)


def test_an_existing_service_is_never_overwritten(root):
    new_service("notes", root)
    with pytest.raises(ValueError, match="exists already"):
        new_service("notes", root)


def test_crm_dev_new_service_writes_under_the_repository(root, monkeypatch):
    monkeypatch.setenv("CRM_REPO_ROOT", str(root))
    result = CliRunner().invoke(cli, ["new-service", "notes"])
    assert result.exit_code == 0, result.output
    assert "wrote services/notes/service.toml" in result.output and "make setup" in result.output
    refused = CliRunner().invoke(cli, ["new-service", "notes"])
    assert refused.exit_code != 0 and "exists already" in refused.output
