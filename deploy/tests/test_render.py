"""deploy/ is generated: committed files must equal a fresh render and be valid."""

import importlib.util
import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parents[1]


def load(relative: str):
    path = DEPLOY / relative
    spec = importlib.util.spec_from_file_location(path.stem + "_" + path.parent.name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


k8s = load("k8s/generate.py")
observability = load("observability/generate.py")


@pytest.fixture
def repo(tmp_path):
    """A repository with one service that has every process kind, rendered to out/."""
    (tmp_path / "services" / "sales").mkdir(parents=True)
    (tmp_path / "services" / "sales" / "service.toml").write_text(
        textwrap.dedent("""
        name = "sales"
        package = "crm_sales"
        grpc_port = 50060
        [processes]
        api = 9160
        worker = 9260
        relay = 9360
    """)
    )
    assert k8s.main(["--root", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    return tmp_path


def docs(path: Path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def test_committed_k8s_equals_a_fresh_render(capsys):
    assert k8s.main(["--check"]) == 0, capsys.readouterr().out


def test_committed_observability_equals_a_fresh_render(capsys):
    assert observability.main(["--check"]) == 0, capsys.readouterr().err


def test_every_committed_file_is_valid_yaml_or_json():
    yaml_files = sorted(DEPLOY.rglob("*.yaml"))
    assert (DEPLOY / "prometheus" / "alerts.yaml") in yaml_files
    for path in yaml_files:
        for doc in docs(path):
            assert isinstance(doc, dict), path
    for path in DEPLOY.rglob("*.json"):
        json.loads(path.read_text())


def test_check_reports_a_hand_edit(repo, capsys):
    target = repo / "out" / "base" / "sales" / "deployment-api.yaml"
    target.write_text(target.read_text().replace("replicas: 1", "replicas: 7"))

    assert k8s.main(["--check", "--root", str(repo), "--out", str(repo / "out")]) == 1
    assert "base/sales/deployment-api.yaml: differs" in capsys.readouterr().out


def test_deployments_are_hardened_probed_and_bounded(repo):
    base = repo / "out" / "base" / "sales"
    kinds = {}
    for name in ("api", "worker", "relay"):
        (deployment,) = docs(base / f"deployment-{name}.yaml")
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        kinds[name] = container
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        assert set(container["resources"]) == {"requests", "limits"}
        assert container["livenessProbe"]
    assert kinds["api"]["readinessProbe"]["grpc"] == {"port": 50060}
    # Liveness never follows the database (an outage must not restart healthy pods).
    assert kinds["api"]["livenessProbe"]["grpc"] == {"port": 50060, "service": "liveness"}
    assert all(container["startupProbe"] for container in kinds.values())
    # Start-up asks only that the process answers: a pod started during a database or broker
    # outage waits unready instead of being restarted every minute of it.
    assert kinds["api"]["startupProbe"]["grpc"] == {"port": 50060, "service": "liveness"}
    for name in ("worker", "relay"):
        assert kinds[name]["startupProbe"]["httpGet"]["path"] == "/metrics"
        assert kinds[name]["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert kinds[name]["livenessProbe"]["httpGet"]["path"] == "/metrics"
    assert kinds["api"]["command"] == ["python", "-m", "crm_sales.entrypoints.api"]
    assert kinds["worker"]["command"][-2:] == ["sales", "crm_sales.entrypoints.worker"]
    (migrate,) = docs(base / "job-migrate.yaml")
    assert migrate["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "-m",
        "crm_sales.migrate",
    ]
    assert "pre-install" in migrate["metadata"]["annotations"]["helm.sh/hook"]
    listed = docs(base / "kustomization.yaml")[0]["resources"]
    assert sorted(listed) == sorted(
        p.name for p in base.iterdir() if p.name != "kustomization.yaml"
    )


def test_identity_is_given_the_roles_each_service_toml_declares_for_its_account(tmp_path):
    for name, roles in (
        ("identity", None),
        ("sales", '["read_users", "choose_owners"]'),
        ("web", "[]"),
    ):
        (tmp_path / "services" / name).mkdir(parents=True)
        (tmp_path / "services" / name / "service.toml").write_text(
            f'name = "{name}"\npackage = "crm_{name}"\ngrpc_port = 50060\n'
            + (f"service_roles = {roles}\n" if roles else "")
            + "[processes]\napi = 9160\n"
        )
    assert k8s.main(["--root", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    (configmap,) = docs(tmp_path / "out" / "base" / "identity" / "configmap.yaml")
    assert (
        configmap["data"]["CRM_IDENTITY_BOOTSTRAP_SERVICE_ROLES"]
        == "sales:choose_owners+read_users,web:"
    )
    (sales,) = docs(tmp_path / "out" / "base" / "sales" / "configmap.yaml")
    assert "CRM_IDENTITY_BOOTSTRAP_SERVICE_ROLES" not in sales["data"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_overlays_build_with_kustomize(repo, overlay):
    built = subprocess.run(
        ["kubectl", "kustomize", str(repo / "out" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    objects = list(yaml.safe_load_all(built))
    api = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "sales-api"
    )
    assert api["metadata"]["namespace"] == ("crm-dev" if overlay == "dev" else "crm")
    assert api["spec"]["replicas"] == (1 if overlay == "dev" else 3)


def _registered_metric_names() -> set[str]:
    from prometheus_client import REGISTRY

    import crm_chassis.grpc.metrics
    import crm_chassis.http_observability  # the web process (console)
    import crm_chassis.messaging.metrics
    import crm_chassis.outbox.metrics  # noqa: F401
    import crm_deals.adapters.metrics  # noqa: F401 - the business metrics the dashboard shows
    import crm_leads.adapters.metrics  # noqa: F401
    import crm_reporting.adapters.metrics  # noqa: F401 - the lag and the business gauges
    import crm_territory.adapters.metrics  # noqa: F401

    names = set()
    for collector in list(REGISTRY._collector_to_names):
        names.update(REGISTRY._collector_to_names[collector])
    return names


def test_alerts_and_dashboard_use_only_metrics_that_exist():
    import crm_identity.adapters.metrics  # noqa: F401 - identity's counters

    known = _registered_metric_names() | {"up"}
    text = (
        (DEPLOY / "prometheus" / "alerts.yaml").read_text()
        + (DEPLOY / "grafana" / "crm-services.json").read_text()
        + (DEPLOY / "grafana" / "crm-business.json").read_text()
    )
    used = set(
        re.findall(
            r"\b([a-z_]+(?:_total|_seconds(?:_bucket)?|_events|_messages"
            r"|_consumers|_leader))\b",
            text,
        )
    )
    used |= set(re.findall(r"\b(up)\{", text))
    assert used, "no metric names found"
    assert used <= known, f"unknown metrics: {sorted(used - known)}"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (prometheus) not installed")
def test_alert_rules_pass_their_promtool_tests():
    done = subprocess.run(
        ["promtool", "test", "rules", "alerts.test.yaml"],
        cwd=DEPLOY / "prometheus",
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_each_service_has_a_broker_user_confined_to_its_own_resources(repo):
    from crm_chassis.manifest import load as load_manifest
    from crm_chassis.messaging.broker_users import permission

    base = repo / "out" / "base"
    (user,) = docs(base / "sales" / "broker-user.yaml")
    (rights,) = docs(base / "sales" / "broker-permission.yaml")
    expected = permission(load_manifest(repo / "services" / "sales" / "service.toml"))
    assert (user["kind"], user["metadata"]["name"]) == ("User", "crm-sales")
    assert user["spec"]["importCredentialsSecret"] == {"name": "sales-broker-credentials"}
    assert rights["kind"] == "Permission" and rights["spec"]["vhost"] == "crm"
    assert rights["spec"]["userReference"] == {"name": "crm-sales"}
    assert rights["spec"]["permissions"] == {
        "configure": expected.configure,
        "write": expected.write,
        "read": expected.read,
    }
    (vhost,) = docs(base / "broker" / "vhost.yaml")
    assert vhost["kind"] == "Vhost" and vhost["spec"]["name"] == "crm"
    for kind, name in (("deployment", "worker"), ("deployment", "relay"), ("job", "topology")):
        (obj,) = docs(base / "sales" / f"{kind}-{name}.yaml")
        env = {e["name"]: e for e in obj["spec"]["template"]["spec"]["containers"][0]["env"]}
        assert env["CRM_BROKER_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": "sales-broker-credentials",
            "key": "password",
        }
        assert env["CRM_SALES_AMQP_URL"]["value"] == (
            "amqp://crm-sales:$(CRM_BROKER_PASSWORD)@crm-rabbitmq:5672/crm"
        )
    (api,) = docs(base / "sales" / "deployment-api.yaml")
    assert "CRM_SALES_AMQP_URL" not in str(api)  # the api never talks to the broker
    (topology,) = docs(base / "sales" / "job-topology.yaml")
    assert topology["spec"]["template"]["spec"]["containers"][0]["command"][-2:] == [
        "--service",
        "sales",
    ]
