"""The Kubernetes resources of a web application (a manifest with a ``web`` process: the
console), rendered by generate.py.

A web application keeps no data and uses no broker: no migrate or topology Job, no database, no
broker user. It gets a Deployment of its web process (probed on ``/healthz`` of its HTTP port,
metrics on its metrics port), a Service for HTTP, the headless metrics Service, a
PodDisruptionBudget, a NetworkPolicy (the ingress controller in; DNS and the apis of its
``calls`` out) and an Ingress example with TLS: the session cookie is Secure outside local runs,
so the console must be reached over HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable

from crm_chassis.manifest import ServiceManifest

INGRESS_HOST = "console.crm.example"  # an example: set the organisation's own host name
INGRESS_TLS_SECRET = "console-tls"


def container(m: ServiceManifest, image_container: dict) -> dict:
    """The web container: ``image_container`` is generate.container()'s common part."""
    spec = dict(image_container)
    port = m.processes["web"]
    spec["ports"] = [
        {"name": "http", "containerPort": m.http_port, "protocol": "TCP"},
        {"name": "metrics", "containerPort": port, "protocol": "TCP"},
    ]
    health = {"httpGet": {"path": "/healthz", "port": "http"}, "timeoutSeconds": 2}
    spec["startupProbe"] = {**health, "periodSeconds": 2, "failureThreshold": 30}
    spec["readinessProbe"] = {**health, "periodSeconds": 10, "failureThreshold": 2}
    spec["livenessProbe"] = {**health, "periodSeconds": 15, "failureThreshold": 3}
    spec["env"] = [{"name": f"CRM_{m.name.upper()}_METRICS_PORT", "value": str(port)}]
    return spec


def deployment(m: ServiceManifest, labels: dict, pod: dict) -> dict:
    port = m.processes["web"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"{m.name}-web", "labels": labels},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {
                        "prometheus.io/scrape": "true",
                        "prometheus.io/port": str(port),
                        "prometheus.io/path": "/metrics",
                    },
                },
                "spec": pod,
            },
        },
    }


def http_service(m: ServiceManifest, labels: dict) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": m.name, "labels": labels},
        "spec": {
            "selector": labels,
            "ports": [{"name": "http", "port": 80, "targetPort": "http", "appProtocol": "http"}],
        },
    }


def ingress(m: ServiceManifest, labels: dict) -> dict:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": m.name,
            "labels": labels,
            "annotations": {"nginx.ingress.kubernetes.io/force-ssl-redirect": "true"},
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": [INGRESS_HOST], "secretName": INGRESS_TLS_SECRET}],
            "rules": [
                {
                    "host": INGRESS_HOST,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": m.name, "port": {"name": "http"}}},
                            }
                        ]
                    },
                }
            ],
        },
    }


def service_files(
    m: ServiceManifest,
    *,
    labels: Callable[[ServiceManifest, str], dict],
    configmap: dict,
    base_container: dict,
    pod_spec: Callable[[ServiceManifest, dict], dict],
    pdb: dict,
    metrics_service: dict,
    network_policy: dict,
) -> dict[str, dict]:
    web = labels(m, "web")
    files = {
        "configmap.yaml": configmap,
        "deployment-web.yaml": deployment(m, web, pod_spec(m, container(m, base_container))),
        "pdb-web.yaml": pdb,
        "service.yaml": http_service(m, web),
        "service-metrics.yaml": metrics_service,
        "ingress.yaml": ingress(m, web),
        "network-policy-web.yaml": network_policy,
    }
    files["kustomization.yaml"] = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(files),
    }
    return files
