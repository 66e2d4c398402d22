"""RabbitMQ and PostgreSQL as their operators' resources, rendered by generate.py.

- ``RabbitmqCluster`` ``crm-rabbitmq`` (RabbitMQ cluster operator): 3 nodes, quorum queues by
  default. The per-service ``User`` and ``Permission`` (messaging-topology-operator) and the
  ``Vhost`` are rendered by generate.py from crm_chassis.messaging.broker_users.
- CloudNativePG ``Cluster`` ``crm-postgres``: 3 instances, one managed login role per service
  (``crm_<service>``, password from the Secret ``<service>-database-credentials``) and one
  ``Database`` per service (``<service>``, owned by that role). Each service's processes get
  ``CRM_<SERVICE>_DATABASE_URL`` composed from that Secret, through the read-write Service
  ``crm-postgres-rw``.
"""

from __future__ import annotations

from crm_chassis.manifest import ServiceManifest

RABBITMQ_API = "rabbitmq.com/v1beta1"
CNPG_API = "postgresql.cnpg.io/v1"
RABBITMQ_CLUSTER = "crm-rabbitmq"
POSTGRES_CLUSTER = "crm-postgres"
POSTGRES_SERVICE = f"{POSTGRES_CLUSTER}-rw"  # CloudNativePG's Service to the primary
NODES = {"dev": 1, "prod": 3}  # per overlay; the base says 3


def database_role(m: ServiceManifest) -> str:
    return f"crm_{m.name}"


def database_name(m: ServiceManifest) -> str:
    return m.name


def database_credentials(m: ServiceManifest) -> str:
    return f"{m.name}-database-credentials"


def database_env(m: ServiceManifest) -> list[dict]:
    """The password from the service's Secret (hex, so URL-safe), the URL composed by Kubernetes'
    $(VAR) expansion; an explicit env entry wins over the same name in ``<service>-secrets``."""
    return [
        {
            "name": "CRM_DATABASE_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": database_credentials(m), "key": "password"}},
        },
        {
            "name": f"CRM_{m.name.upper()}_DATABASE_URL",
            "value": f"postgresql+psycopg2://{database_role(m)}:$(CRM_DATABASE_PASSWORD)@"
            f"{POSTGRES_SERVICE}:5432/{database_name(m)}",
        },
    ]


def rabbitmq_cluster(labels: dict) -> dict:
    return {
        "apiVersion": RABBITMQ_API,
        "kind": "RabbitmqCluster",
        "metadata": {"name": RABBITMQ_CLUSTER, "labels": labels},
        "spec": {
            "replicas": NODES["prod"],
            "resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"cpu": "2", "memory": "2Gi"},
            },
            "persistence": {"storage": "20Gi"},
            "rabbitmq": {
                "additionalConfig": "default_queue_type = quorum\n"
                "cluster_partition_handling = pause_minority\n"
            },
        },
    }


def postgres_cluster(manifests: list[ServiceManifest], labels: dict) -> dict:
    roles = [
        {
            "name": database_role(m),
            "ensure": "present",
            "login": True,
            "passwordSecret": {"name": database_credentials(m)},
        }
        for m in manifests
        if not m.is_web  # a web application keeps no data
    ]
    return {
        "apiVersion": CNPG_API,
        "kind": "Cluster",
        "metadata": {"name": POSTGRES_CLUSTER, "labels": labels},
        "spec": {
            "instances": NODES["prod"],
            "storage": {"size": "50Gi"},
            "resources": {
                "requests": {"cpu": "500m", "memory": "1Gi"},
                "limits": {"cpu": "2", "memory": "4Gi"},
            },
            # every api, worker and relay replica holds a pool (pool_size + overflow)
            "postgresql": {"parameters": {"max_connections": "500"}},
            "managed": {"roles": roles},
        },
    }


def database(m: ServiceManifest, labels: dict) -> dict:
    return {
        "apiVersion": CNPG_API,
        "kind": "Database",
        "metadata": {"name": f"{m.name}-database", "labels": labels},
        "spec": {
            "name": database_name(m),
            "owner": database_role(m),
            "ensure": "present",
            "cluster": {"name": POSTGRES_CLUSTER},
        },
    }


def overlay_patches(overlay: str) -> list[dict]:
    nodes = NODES[overlay]
    if nodes == NODES["prod"] and overlay == "prod":
        return []
    return [
        {
            "target": {"kind": "RabbitmqCluster"},
            "patch": f"- op: replace\n  path: /spec/replicas\n  value: {nodes}\n",
        },
        {
            "target": {"kind": "Cluster", "group": "postgresql.cnpg.io"},
            "patch": f"- op: replace\n  path: /spec/instances\n  value: {nodes}\n",
        },
    ]
