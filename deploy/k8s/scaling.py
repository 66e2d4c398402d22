"""What scales and how, rendered per service by generate.py.

- api: a HorizontalPodAutoscaler on CPU and on its gRPC request rate (the api is stateless).
  The rate is the custom metric ``grpc_server_started_per_second`` of each pod, which the
  Prometheus adapter serves from ``grpc_server_started_total`` (its rule:
  :func:`adapter_rules`, rendered to deploy/prometheus/adapter-rules.yaml by
  deploy/observability/generate.py). Why the adapter and not a KEDA ``prometheus`` trigger: the
  api keeps a plain HorizontalPodAutoscaler (validated against Kubernetes' own schema) whose CPU
  rule works without Prometheus, and the request-rate rule is one more metric of the same object.
- worker: a KEDA ``ScaledObject`` on the depth of each queue the worker consumes (one ``rabbitmq``
  trigger per subscription; KEDA scales on the largest), authenticated by a
  ``TriggerAuthentication`` that reads the worker's own broker URL from its Secret. Workers are
  competing consumers of quorum queues, so any number of replicas is correct. At least one
  replica always runs: workers also run timers (automation deliveries, retention).
- relay: not scaled. Relays of one service elect one leader (a PostgreSQL advisory lock); more
  replicas are standbys, never more throughput.
"""

from __future__ import annotations

from crm_chassis.manifest import ServiceManifest

KEDA_API = "keda.sh/v1alpha1"
CPU_TARGET_PERCENT = 70
MIN_REPLICAS = {"api": 1, "worker": 1}  # base; the prod overlay raises them (OVERLAY_BOUNDS)
MAX_REPLICAS = {"api": 10, "worker": 10}
OVERLAY_BOUNDS = {  # overlay -> kind -> (min, max)
    "dev": {"api": (1, 2), "worker": (1, 2)},
    "prod": {"api": (3, 20), "worker": (2, 20)},
}
# Requests a second per api pod before adding one: 70 % of the one CPU an api may use (its
# limit; one Python process) over the CPU of the heaviest common call, CreateLead, at most
# 8.3 ms (its p50 latency in docs/benchmarks.md, an upper bound of its CPU): 0.7 / 0.0083 = 84,
# rounded down. Lighter calls leave CPU to spare; the CPU rule catches a heavier mix.
REQUESTS_PER_API_POD = 80
REQUEST_RATE_METRIC = "grpc_server_started_per_second"
REQUEST_RATE_SOURCE = "grpc_server_started_total"
MESSAGES_PER_WORKER = 50  # ready messages in one queue per worker replica before adding one
SCALE_DOWN_WINDOW_SECONDS = 300  # shrink only after 5 minutes of lower demand (no flapping)
POLLING_SECONDS = 15
BROKER_URL_KEY = "amqp-url"  # key of <service>-broker-credentials KEDA reads


def scale_down_behavior() -> dict:
    return {
        "scaleDown": {
            "stabilizationWindowSeconds": SCALE_DOWN_WINDOW_SECONDS,
            "policies": [{"type": "Pods", "value": 1, "periodSeconds": 60}],
        }
    }


def api_autoscaler(m: ServiceManifest, labels: dict) -> dict:
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": f"{m.name}-api", "labels": labels},
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": f"{m.name}-api",
            },
            "minReplicas": MIN_REPLICAS["api"],
            "maxReplicas": MAX_REPLICAS["api"],
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": CPU_TARGET_PERCENT},
                    },
                },
                {
                    "type": "Pods",
                    "pods": {
                        "metric": {"name": REQUEST_RATE_METRIC},
                        "target": {
                            "type": "AverageValue",
                            "averageValue": str(REQUESTS_PER_API_POD),
                        },
                    },
                },
            ],
            "behavior": scale_down_behavior(),
        },
    }


def adapter_rules() -> dict:
    """The Prometheus adapter's rule (the ``rules`` of its Helm chart's values) serving each api
    pod's gRPC request rate as the custom metric the api autoscalers read."""
    return {
        "rules": {
            "default": False,
            "custom": [
                {
                    "seriesQuery": f'{REQUEST_RATE_SOURCE}{{namespace!="",pod!="",process="api"}}',
                    "resources": {
                        "overrides": {
                            "namespace": {"resource": "namespace"},
                            "pod": {"resource": "pod"},
                        }
                    },
                    "name": {"matches": f"^{REQUEST_RATE_SOURCE}$", "as": REQUEST_RATE_METRIC},
                    "metricsQuery": "sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) by (<<.GroupBy>>)",
                }
            ],
        }
    }


def worker_trigger_authentication(m: ServiceManifest, labels: dict, secret: str) -> dict:
    return {
        "apiVersion": KEDA_API,
        "kind": "TriggerAuthentication",
        "metadata": {"name": f"{m.name}-worker-broker", "labels": labels},
        "spec": {"secretTargetRef": [{"parameter": "host", "name": secret, "key": BROKER_URL_KEY}]},
    }


def worker_scaled_object(m: ServiceManifest, labels: dict) -> dict:
    """One trigger per queue the worker consumes (its dead-letter queues are not work)."""
    triggers = [
        {
            "type": "rabbitmq",
            "name": sub.method.replace("_", "-"),
            "metadata": {
                "protocol": "amqp",
                "queueName": sub.queue,
                "mode": "QueueLength",
                "value": str(MESSAGES_PER_WORKER),
            },
            "authenticationRef": {"name": f"{m.name}-worker-broker"},
        }
        for sub in m.subscriptions
    ]
    return {
        "apiVersion": KEDA_API,
        "kind": "ScaledObject",
        "metadata": {"name": f"{m.name}-worker", "labels": labels},
        "spec": {
            "scaleTargetRef": {"name": f"{m.name}-worker"},
            "pollingInterval": POLLING_SECONDS,
            "cooldownPeriod": SCALE_DOWN_WINDOW_SECONDS,
            "minReplicaCount": MIN_REPLICAS["worker"],
            "maxReplicaCount": MAX_REPLICAS["worker"],
            "advanced": {"horizontalPodAutoscalerConfig": {"behavior": scale_down_behavior()}},
            "triggers": triggers,
        },
    }


def overlay_patches(overlay: str) -> list[dict]:
    bounds = OVERLAY_BOUNDS[overlay]
    low, high = bounds["api"]
    patches = [
        {
            "target": {"kind": "HorizontalPodAutoscaler"},
            "patch": f"- op: replace\n  path: /spec/minReplicas\n  value: {low}\n"
            f"- op: replace\n  path: /spec/maxReplicas\n  value: {high}\n",
        }
    ]
    low, high = bounds["worker"]
    patches.append(
        {
            "target": {"kind": "ScaledObject"},
            "patch": f"- op: replace\n  path: /spec/minReplicaCount\n  value: {low}\n"
            f"- op: replace\n  path: /spec/maxReplicaCount\n  value: {high}\n",
        }
    )
    return patches
