"""Scaling, NetworkPolicies and backing services, as rendered from the real service.toml files:
every overlay builds, built-in kinds pass Kubernetes' schemas (--strict), the operators' custom
resources pass the JSON schemas pinned in deploy/k8s/schemas."""

import copy
import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from crm_chassis.manifest import discover
from crm_chassis.messaging.broker_users import broker_user

DEPLOY = Path(__file__).resolve().parents[1]
KUBERNETES_VERSION = "1.30.0"
SCHEMAS = {}
for path in sorted((DEPLOY / "k8s" / "schemas").glob("*.json")):
    schema = json.loads(path.read_text())
    SCHEMAS[
        (schema["properties"]["apiVersion"]["const"], schema["properties"]["kind"]["const"])
    ] = schema
BUILT_IN_GROUPS = (
    "v1",
    "apps/v1",
    "batch/v1",
    "policy/v1",
    "autoscaling/v2",
    "networking.k8s.io/v1",
)
# The services (api, worker, relay); web applications (the console) are checked on their own.
MANIFESTS = {m.name: m for m in discover() if not m.is_web}
WEB = {m.name: m for m in discover() if m.is_web}

needs_kubectl = pytest.mark.skipif(
    shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed"
)


def _load_generator():
    path = DEPLOY / "k8s" / "generate.py"
    spec = importlib.util.spec_from_file_location("generate_operated", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def build(overlay: str) -> list[dict]:
    built = subprocess.run(
        ["kubectl", "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [o for o in yaml.safe_load_all(built) if o]


def validate(obj: dict) -> None:
    """Kubernetes' own schema for a built-in kind, the pinned one for an operator's kind; a kind
    with neither fails (a new custom resource needs its schema in deploy/k8s/schemas)."""
    if obj["apiVersion"] in BUILT_IN_GROUPS:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        return
    schema = SCHEMAS.get((obj["apiVersion"], obj["kind"]))
    assert schema, f"no schema pinned for {obj['apiVersion']} {obj['kind']}"
    jsonschema.validate(obj, schema)


def objects(rendered: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in rendered if o["kind"] == kind}


@pytest.fixture(scope="module", params=["dev", "prod"])
def rendered(request):
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (kustomize) not installed")
    return build(request.param)


@pytest.fixture(scope="module")
def prod():
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl (kustomize) not installed")
    return build("prod")


def test_every_rendered_object_of_every_overlay_is_valid(rendered):
    kinds = {o["kind"] for o in rendered}
    assert {
        "HorizontalPodAutoscaler",
        "NetworkPolicy",
        "ScaledObject",
        "TriggerAuthentication",
        "RabbitmqCluster",
        "User",
        "Permission",
        "Cluster",
        "Database",
    } <= kinds
    for obj in rendered:
        validate(obj)


def test_the_pinned_schemas_are_valid_json_schemas():
    assert len(SCHEMAS) == 8
    for schema in SCHEMAS.values():
        jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize(
    "kind, path, typo",
    [
        ("ScaledObject", ("spec",), ("minReplicaCount", "minReplicasCount")),
        ("ScaledObject", ("spec", "triggers", 0, "metadata"), ("queueName", "queue")),
        ("TriggerAuthentication", ("spec", "secretTargetRef", 0), ("parameter", "parameters")),
        ("RabbitmqCluster", ("spec",), ("replicas", "replica")),
        ("User", ("spec",), ("importCredentialsSecret", "importCredentialSecret")),
        ("Permission", ("spec", "permissions"), ("configure", "configur")),
        ("Cluster", ("spec", "managed", "roles", 0), ("passwordSecret", "passwordSecrets")),
        ("Database", ("spec",), ("owner", "ownr")),
        ("HorizontalPodAutoscaler", ("spec",), ("maxReplicas", "maxReplica")),
        ("NetworkPolicy", ("spec",), ("policyTypes", "policyType")),
    ],
)
def test_a_misspelt_field_fails_validation(prod, kind, path, typo):
    obj = copy.deepcopy(
        next(
            o
            for o in prod
            if o["kind"] == kind and "spec" in o and o["metadata"]["name"] != "default-deny"
        )
    )
    validate(obj)
    target = obj
    for step in path:
        target = target[step]
    right, wrong = typo
    target[wrong] = target.pop(right)
    with pytest.raises((jsonschema.ValidationError, kubernetes_validate.ValidationError)):
        validate(obj)


def test_apis_scale_on_cpu_workers_on_their_queues_relays_not_at_all(prod):
    autoscalers = objects(prod, "HorizontalPodAutoscaler")
    scaled = objects(prod, "ScaledObject")
    deployments = objects(prod, "Deployment")
    for name, m in MANIFESTS.items():
        api = autoscalers[f"{name}-api"]
        assert api["spec"]["scaleTargetRef"]["name"] in deployments
        cpu, rate = api["spec"]["metrics"]
        assert cpu["resource"]["name"] == "cpu"
        assert rate["pods"]["metric"]["name"] == generate.scaling.REQUEST_RATE_METRIC
        assert rate["pods"]["target"] == {
            "type": "AverageValue",
            "averageValue": str(generate.scaling.REQUESTS_PER_API_POD),
        }
        assert (api["spec"]["minReplicas"], api["spec"]["maxReplicas"]) == (3, 20)
        if m.subscriptions:
            worker = scaled[f"{name}-worker"]["spec"]
            assert worker["scaleTargetRef"]["name"] == f"{name}-worker"
            assert sorted(t["metadata"]["queueName"] for t in worker["triggers"]) == sorted(
                s.queue for s in m.subscriptions
            )
            assert worker["minReplicaCount"] >= 1  # its timers always run
            assert {t["authenticationRef"]["name"] for t in worker["triggers"]} == {
                f"{name}-worker-broker"
            }
        else:
            assert f"{name}-worker" not in scaled
    targets = {a["spec"]["scaleTargetRef"]["name"] for a in autoscalers.values()} | {
        s["spec"]["scaleTargetRef"]["name"] for s in scaled.values()
    }
    assert not any(t.endswith("-relay") for t in targets)  # one leader by design
    (auth,) = [
        a for n, a in objects(prod, "TriggerAuthentication").items() if n == "leads-worker-broker"
    ]
    assert auth["spec"]["secretTargetRef"] == [
        {"parameter": "host", "name": "leads-broker-credentials", "key": "amqp-url"}
    ]


def _grpc_callers(policy: dict) -> set[str]:
    (grpc, *_) = policy["spec"]["ingress"]
    return {
        peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
        for peer in grpc["from"]
        if "podSelector" in peer
    }


def _egress_to(policy: dict) -> set[str]:
    names = set()
    for rule in policy["spec"]["egress"]:
        for peer in rule.get("to", []):
            labels = peer.get("podSelector", {}).get("matchLabels", {})
            names.add(
                labels.get("app.kubernetes.io/name")
                or labels.get("cnpg.io/cluster")
                or labels.get("k8s-app")
                or "internet"
            )
    return names


def test_network_policies_admit_only_declared_callers(prod):
    policies = objects(prod, "NetworkPolicy")
    assert policies["default-deny"]["spec"] == {
        "podSelector": {},
        "policyTypes": ["Ingress", "Egress"],
    }
    # The console calls the apis its manifest names, with people's own tokens.
    everyone = set(MANIFESTS) | set(WEB)
    assert _grpc_callers(policies["identity-api"]) == everyone - {"identity"}  # its keys
    assert _grpc_callers(policies["territory-api"]) == {"leads", "deals", "console"}
    assert _grpc_callers(policies["catalog-api"]) == {"deals", "console"}  # quote_prices
    assert _grpc_callers(policies["leads-api"]) == {"console"}  # people only
    for name, m in MANIFESTS.items():
        api = policies[f"{name}-api"]["spec"]
        ports = [rule["ports"][0]["port"] for rule in api["ingress"]]
        assert ports == [m.grpc_port, m.processes["api"]]  # grpc, metrics
        if "relay" in m.processes:  # a service that publishes nothing would run none
            assert _egress_to(policies[f"{name}-relay"]) == {
                "kube-dns",
                "crm-postgres",
                "crm-rabbitmq",
            }
        else:
            assert f"{name}-relay" not in policies
        assert _egress_to(policies[f"{name}-migrate"]) == {"kube-dns", "crm-postgres"}
        assert _egress_to(policies[f"{name}-topology"]) == {"kube-dns", "crm-rabbitmq"}
        assert not policies[f"{name}-migrate"]["spec"]["ingress"]
    assert _egress_to(policies["leads-worker"]) == {
        "kube-dns",
        "crm-postgres",
        "crm-rabbitmq",
        "identity",
        "territory",
    }
    assert _egress_to(policies["identity-api"]) == {"kube-dns", "crm-postgres"}
    internet = [r for r in policies["deals-worker"]["spec"]["egress"] if "ipBlock" in r["to"][0]]
    assert sorted(p["port"] for r in internet for p in r["ports"]) == [25, 80, 443, 465, 587]
    assert "10.0.0.0/8" in internet[0]["to"][0]["ipBlock"]["except"]
    assert not any("ipBlock" in str(r) for r in policies["deals-api"]["spec"]["egress"])


def test_every_service_role_names_the_service_that_checks_it():
    from crm_chassis.service_roles import SERVICE_ROLES

    for role, description in SERVICE_ROLES.items():
        assert description.startswith(generate.network_policies.ROLE_OWNERS[role] + ":"), role


def test_backing_services_have_a_user_a_role_and_a_database_per_service(prod):
    (cluster,) = objects(prod, "RabbitmqCluster").values()
    assert cluster["spec"]["replicas"] == 3
    assert "default_queue_type = quorum" in cluster["spec"]["rabbitmq"]["additionalConfig"]
    assert set(objects(prod, "User")) == {broker_user(name) for name in MANIFESTS}
    (postgres,) = objects(prod, "Cluster").values()
    assert postgres["spec"]["instances"] == 3
    roles = {r["name"]: r for r in postgres["spec"]["managed"]["roles"]}
    databases = {d["spec"]["name"]: d["spec"] for d in objects(prod, "Database").values()}
    for name in MANIFESTS:
        assert roles[f"crm_{name}"]["passwordSecret"] == {"name": f"{name}-database-credentials"}
        assert databases[name]["owner"] == f"crm_{name}"
        assert databases[name]["cluster"] == {"name": postgres["metadata"]["name"]}


def test_processes_wait_for_their_schema_and_topology(prod):
    deployments = objects(prod, "Deployment")
    for name, m in MANIFESTS.items():
        for kind in m.processes:
            pod = deployments[f"{name}-{kind}"]["spec"]["template"]["spec"]
            waits = {c["name"]: c["command"] for c in pod["initContainers"]}
            assert waits["wait-for-schema"] == ["python", "-m", f"{m.package}.migrate", "wait"]
            if kind == "api":
                assert "wait-for-topology" not in waits
            else:
                assert waits["wait-for-topology"][-3:] == ["wait", "--service", name]
            env = {e["name"]: e for e in pod["containers"][0]["env"]}
            assert env[f"CRM_{name.upper()}_DATABASE_URL"]["value"] == (
                f"postgresql+psycopg2://crm_{name}:$(CRM_DATABASE_PASSWORD)@crm-postgres-rw:5432/{name}"
            )
            assert env["CRM_DATABASE_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
                "name": f"{name}-database-credentials",
                "key": "password",
            }
    # Jobs carry no init container: they are what the processes wait for.
    assert all(
        "initContainers" not in j["spec"]["template"]["spec"] for j in objects(prod, "Job").values()
    )


def test_the_console_is_reached_through_the_ingress_and_calls_only_its_apis(prod):
    (console,) = WEB.values()
    deployments, policies = objects(prod, "Deployment"), objects(prod, "NetworkPolicy")
    pod = deployments["console-web"]["spec"]["template"]["spec"]
    (main,) = pod["containers"]
    assert "initContainers" not in pod  # no schema, no topology to wait for
    assert main["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert {p["name"]: p["containerPort"] for p in main["ports"]} == {
        "http": console.http_port,
        "metrics": console.processes["web"],
    }
    assert not any("DATABASE" in e["name"] or "AMQP" in e["name"] for e in main.get("env", []))
    (ingress,) = objects(prod, "Ingress").values()
    assert ingress["spec"]["tls"] and ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"][
        "service"
    ] == {"name": "console", "port": {"name": "http"}}
    web = policies["console-web"]["spec"]
    assert web["ingress"][0]["ports"] == [{"protocol": "TCP", "port": console.http_port}]
    assert _egress_to(policies["console-web"]) == {"kube-dns", *console.calls}
    assert broker_user("console") not in objects(prod, "User")
    assert "console" not in {d["spec"]["name"] for d in objects(prod, "Database").values()}


def test_a_reapply_never_sets_a_scaled_deployment_below_its_autoscalers_minimum():
    for overlay, bounds in generate.scaling.OVERLAY_BOUNDS.items():
        replicas = (
            {k: 1 for k in generate.PROD_REPLICAS} if overlay == "dev" else generate.PROD_REPLICAS
        )
        for kind, (low, _high) in bounds.items():
            assert replicas[kind] == low, (overlay, kind)


def test_the_composed_database_url_names_a_driver_the_image_installs(prod):
    from sqlalchemy.engine import make_url

    api = objects(prod, "Deployment")["leads-api"]["spec"]["template"]["spec"]["containers"][0]
    (url,) = [e["value"] for e in api["env"] if e["name"] == "CRM_LEADS_DATABASE_URL"]
    make_url(url.replace("$(CRM_DATABASE_PASSWORD)", "0a1b")).get_dialect().import_dbapi()


def test_the_adapter_serves_the_request_rate_the_api_autoscalers_read():
    """deploy/prometheus/adapter-rules.yaml turns the api's own counter into the per-pod metric
    the HorizontalPodAutoscalers name, with the labels the scrape config adds."""
    from crm_chassis.grpc.metrics import STARTED

    rules = yaml.safe_load((DEPLOY / "prometheus" / "adapter-rules.yaml").read_text())["rules"]
    (rule,) = rules["custom"]
    assert rule["name"]["as"] == generate.scaling.REQUEST_RATE_METRIC
    source = rule["seriesQuery"].split("{")[0]
    assert source == f"{STARTED._name}_total" == generate.scaling.REQUEST_RATE_SOURCE
    assert set(rule["resources"]["overrides"]) == {"namespace", "pod"}
    scrape = (DEPLOY / "prometheus" / "scrape.yaml").read_text()
    for label in ("namespace", "pod", "process"):
        assert f"target_label: {label}" in scrape
