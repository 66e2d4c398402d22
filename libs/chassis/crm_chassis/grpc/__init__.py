"""gRPC bootstrap of every api process: server (health, reflection, metrics endpoint, graceful
stop), the server call chain (context, auth, metrics, access log, error mapping) and the client
side (channels with auth and context propagation, service tokens).

Public API::

    from crm_chassis.grpc import serve, start_server, RunningServer, service_name_of, MethodLimits
    from crm_chassis.grpc import make_channel, ServiceTokenProvider, StaticTokenProvider
"""

from crm_chassis.grpc.client import (
    RETRY_SERVICE_CONFIG,
    ServiceTokenProvider,
    StaticTokenProvider,
    make_channel,
)
from crm_chassis.grpc.interceptor import ALWAYS_PUBLIC_SERVICES, ServerChain
from crm_chassis.grpc.limits import MethodLimits
from crm_chassis.grpc.server import RunningServer, serve, service_name_of, start_server
from crm_chassis.grpc.status import ERROR_FIELD_KEY, RETRY_AFTER_KEY

__all__ = [
    "ALWAYS_PUBLIC_SERVICES",
    "ERROR_FIELD_KEY",
    "RETRY_AFTER_KEY",
    "RETRY_SERVICE_CONFIG",
    "MethodLimits",
    "RunningServer",
    "ServerChain",
    "ServiceTokenProvider",
    "StaticTokenProvider",
    "make_channel",
    "serve",
    "service_name_of",
    "start_server",
]
