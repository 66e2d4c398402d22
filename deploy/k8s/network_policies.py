"""NetworkPolicies, rendered by generate.py: deny everything in the namespace, then allow what
the services' manifests declare.

- A service's api admits, on its gRPC port, the api and worker pods of the services that call
  it (a service calls identity for its signing keys and service tokens, and the owner of every
  role in its ``service_roles``: ROLE_OWNERS) and the ingress controller; on its metrics port
  Prometheus only. Workers and relays admit Prometheus on their metrics port, Jobs nothing.
- A web application (the console) admits the ingress controller on its HTTP port and calls
  the apis its manifest's ``calls`` names (with people's own tokens); no database, no broker.
- Egress: DNS, plus per process: its database (api, worker, relay, migrate), the broker
  (worker, relay, topology) and the apis it calls (api, worker); and whatever its manifest's
  ``[[egress]]`` declares outside the cluster (deals' worker: SMTP and webhooks).
- The broker's and the database's pods (their operators' labels) admit the platform's pods,
  each other, their operator and KEDA (queue depths), Prometheus.
"""

from __future__ import annotations

from crm_chassis.manifest import ServiceManifest
from crm_chassis.service_roles import SERVICE_ROLES

IDENTITY = "identity"
ROLE_OWNERS = {  # role -> the service whose api checks it (crm_chassis.service_roles)
    "read_users": "identity",
    "choose_owners": "territory",
    "check_access": "territory",
    "route_leads": "territory",
    "quote_prices": "catalog",
    "capture_leads": "leads",
    "record_lead_activity": "leads",
    "publish_deal_snapshots": "deals",
    "publish_lead_snapshots": "leads",
    "publish_territory_snapshots": "territory",
}
if ROLE_OWNERS.keys() != SERVICE_ROLES.keys():
    raise SystemExit(
        "deploy/k8s/network_policies.py: ROLE_OWNERS must name the owner of every "
        f"service role; missing {sorted(SERVICE_ROLES.keys() - ROLE_OWNERS.keys())}"
    )

PART_OF = "crm"
PROMETHEUS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
    "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
}
INGRESS_CONTROLLER = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
}
DNS = {
    "to": [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ],
    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
}
BROKER_PODS = {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "crm-rabbitmq"}}}
DATABASE_PODS = {"podSelector": {"matchLabels": {"cnpg.io/cluster": "crm-postgres"}}}
OPERATOR_NAMESPACES = {"broker": "rabbitmq-system", "database": "cnpg-system", "keda": "keda"}
PUBLIC_INTERNET = {
    "ipBlock": {
        "cidr": "0.0.0.0/0",
        "except": [
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "169.254.0.0/16",
            "127.0.0.0/8",
        ],
    }
}
# The API server's address differs per cluster: its ports only (narrow with an ipBlock per cluster).
KUBERNETES_API = {"ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]}
DATABASE_KINDS = ("api", "worker", "relay", "migrate")
BROKER_KINDS = ("worker", "relay", "topology")
CALLING_KINDS = ("api", "worker", "web")  # the processes that call other services' apis


def namespace(name: str) -> dict:
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}


def tcp(*ports: int) -> list[dict]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def callees(m: ServiceManifest, manifests: list[ServiceManifest]) -> list[ServiceManifest]:
    """The services whose apis ``m`` calls: identity (keys, service tokens) and the owner of
    each of its service roles."""
    names = {ROLE_OWNERS[role] for role in m.service_roles} | set(m.calls)
    if m.name != IDENTITY:
        names.add(IDENTITY)
    return [p for p in manifests if p.name in names - {m.name} and "api" in p.processes]


def callers(m: ServiceManifest, manifests: list[ServiceManifest]) -> list[ServiceManifest]:
    return [p for p in manifests if m in callees(p, manifests)]


def service_pods(m: ServiceManifest, kinds: tuple[str, ...]) -> dict:
    return {
        "podSelector": {
            "matchLabels": {"app.kubernetes.io/name": m.name, "app.kubernetes.io/part-of": PART_OF},
            "matchExpressions": [
                {"key": "app.kubernetes.io/component", "operator": "In", "values": list(kinds)}
            ],
        }
    }


def policy(
    name: str, pod_labels: dict, ingress: list[dict], egress: list[dict], labels: dict
) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "podSelector": {"matchLabels": pod_labels},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": ingress,
            "egress": egress,
        },
    }


def process_policy(
    m: ServiceManifest, kind: str, manifests: list[ServiceManifest], labels: dict
) -> dict:
    """The NetworkPolicy of one process kind (api, worker, relay) or Job (migrate, topology)."""
    ingress = []
    if kind == "api":
        sources = [service_pods(p, CALLING_KINDS) for p in callers(m, manifests)]
        ingress.append({"from": [*sources, INGRESS_CONTROLLER], "ports": tcp(m.grpc_port)})
    if kind == "web":  # browsers, through the ingress controller only
        ingress.append({"from": [INGRESS_CONTROLLER], "ports": tcp(m.http_port)})
    if m.processes.get(kind):
        ingress.append({"from": [PROMETHEUS], "ports": tcp(m.processes[kind])})
    egress = [DNS]
    if kind in DATABASE_KINDS:
        egress.append({"to": [DATABASE_PODS], "ports": tcp(5432)})
    if kind in BROKER_KINDS:
        egress.append({"to": [BROKER_PODS], "ports": tcp(5672)})
    if kind in CALLING_KINDS:
        for peer in callees(m, manifests):
            egress.append({"to": [service_pods(peer, ("api",))], "ports": tcp(peer.grpc_port)})
    for rule in m.egress:
        if rule.process == kind:
            egress.append({"to": [PUBLIC_INTERNET], "ports": tcp(*rule.ports)})
    return policy(f"{m.name}-{kind}", labels, ingress, egress, labels)


def namespace_policies(labels: dict) -> dict[str, dict]:
    """File name -> the namespace's default deny and the backing services' policies."""

    def platform(kinds: tuple[str, ...]) -> dict:
        return {
            "podSelector": {
                "matchLabels": {"app.kubernetes.io/part-of": PART_OF},
                "matchExpressions": [
                    {"key": "app.kubernetes.io/component", "operator": "In", "values": list(kinds)}
                ],
            }
        }

    deny = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "labels": labels},
        "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
    }
    broker = policy(
        "crm-rabbitmq",
        BROKER_PODS["podSelector"]["matchLabels"],
        [
            {
                "from": [platform(BROKER_KINDS), namespace(OPERATOR_NAMESPACES["keda"])],
                "ports": tcp(5672),
            },
            {"from": [BROKER_PODS]},  # clustering (4369, 25672...)
            {"from": [namespace(OPERATOR_NAMESPACES["broker"])], "ports": tcp(15672)},
            {"from": [PROMETHEUS], "ports": tcp(15692)},
        ],
        # peer discovery (rabbitmq_peer_discovery_k8s) asks the Kubernetes API for the nodes
        [DNS, {"to": [BROKER_PODS]}, KUBERNETES_API],
        labels,
    )
    database = policy(
        "crm-postgres",
        DATABASE_PODS["podSelector"]["matchLabels"],
        [
            {"from": [platform(DATABASE_KINDS), DATABASE_PODS], "ports": tcp(5432)},
            {
                "from": [DATABASE_PODS, namespace(OPERATOR_NAMESPACES["database"])],
                "ports": tcp(8000),
            },  # instance manager status
            {"from": [PROMETHEUS], "ports": tcp(9187)},
        ],
        # the instance manager watches its Cluster through the Kubernetes API
        [DNS, {"to": [DATABASE_PODS], "ports": tcp(5432, 8000)}, KUBERNETES_API],
        labels,
    )
    return {"default-deny.yaml": deny, "broker.yaml": broker, "database.yaml": database}
