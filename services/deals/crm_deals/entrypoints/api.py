"""deals' api process: its servicer table and its dependencies, served by the chassis' entrypoint
kit (auth with identity's published keys, metrics, logs, error mapping, health, reflection). Run
crm_deals.migrate first.

    python -m crm_deals.entrypoints.api

A user's access comes from the scope replica at every call (revocation within a second through
territory's user_access_changed), not from the token; the principal check ends a deactivated
person's token here as soon as the replica says so.
"""

from __future__ import annotations

from crm.deals.v1 import (
    account_profiles_pb2,
    account_profiles_pb2_grpc,
    accounts_pb2,
    accounts_pb2_grpc,
    activities_pb2,
    activities_pb2_grpc,
    billing_pb2,
    billing_pb2_grpc,
    contracts_pb2,
    contracts_pb2_grpc,
    customer_emails_pb2,
    customer_emails_pb2_grpc,
    deals_pb2,
    deals_pb2_grpc,
    duplicates_pb2,
    duplicates_pb2_grpc,
    exports_pb2,
    exports_pb2_grpc,
    migration_pb2,
    migration_pb2_grpc,
    notifications_pb2,
    notifications_pb2_grpc,
    payments_pb2,
    payments_pb2_grpc,
    pipelines_pb2,
    pipelines_pb2_grpc,
    privacy_pb2,
    privacy_pb2_grpc,
    snapshots_pb2,
    snapshots_pb2_grpc,
    tasks_pb2,
    tasks_pb2_grpc,
)
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_chassis.grpc.interceptor import PrincipalCheck
from crm_chassis.scopes.principal_check import refuse_deactivated_users
from crm_deals.adapters.grpc_account_profiles import AccountProfileServicer
from crm_deals.adapters.grpc_accounts import AccountServicer, ContactServicer
from crm_deals.adapters.grpc_activities import ActivityServicer
from crm_deals.adapters.grpc_billing import InvoiceServicer, OrderServicer, QuoteServicer
from crm_deals.adapters.grpc_customer_emails import CustomerEmailServicer
from crm_deals.adapters.grpc_deals import DealServicer
from crm_deals.adapters.grpc_duplicates import DuplicateServicer
from crm_deals.adapters.grpc_exports import ExportServicer
from crm_deals.adapters.grpc_migration import MigrationServicer
from crm_deals.adapters.grpc_notifications import NotificationServicer, TaskServicer
from crm_deals.adapters.grpc_pipelines import AutomationServicer, PipelineServicer
from crm_deals.adapters.grpc_privacy import PrivacyServicer
from crm_deals.adapters.grpc_snapshots import SnapshotServicer
from crm_deals.adapters.grpc_workflows import (
    ContractServicer,
    InvoicingServicer,
    ProFormaServicer,
)
from crm_deals.entrypoints import settings, wiring
from crm_deals.service_layer.dependencies import Dependencies


def principal_check(deps: Dependencies) -> PrincipalCheck | None:
    """Refuse deactivated people from the access replica; none when the scopes port is a fake
    without one (tests)."""
    replica = getattr(deps.scopes, "replica", None)
    return refuse_deactivated_users(replica) if replica is not None else None


APP = ApiApp(
    service="deals",
    load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(
            accounts_pb2,
            "AccountService",
            accounts_pb2_grpc.add_AccountServiceServicer_to_server,
            AccountServicer,
        ),
        Servicer(
            accounts_pb2,
            "ContactService",
            accounts_pb2_grpc.add_ContactServiceServicer_to_server,
            ContactServicer,
        ),
        Servicer(
            pipelines_pb2,
            "PipelineService",
            pipelines_pb2_grpc.add_PipelineServiceServicer_to_server,
            PipelineServicer,
        ),
        Servicer(
            pipelines_pb2,
            "AutomationService",
            pipelines_pb2_grpc.add_AutomationServiceServicer_to_server,
            AutomationServicer,
        ),
        Servicer(
            deals_pb2, "DealService", deals_pb2_grpc.add_DealServiceServicer_to_server, DealServicer
        ),
        Servicer(
            activities_pb2,
            "ActivityService",
            activities_pb2_grpc.add_ActivityServiceServicer_to_server,
            ActivityServicer,
        ),
        Servicer(
            billing_pb2,
            "QuoteService",
            billing_pb2_grpc.add_QuoteServiceServicer_to_server,
            QuoteServicer,
        ),
        Servicer(
            billing_pb2,
            "OrderService",
            billing_pb2_grpc.add_OrderServiceServicer_to_server,
            OrderServicer,
        ),
        Servicer(
            billing_pb2,
            "InvoiceService",
            billing_pb2_grpc.add_InvoiceServiceServicer_to_server,
            InvoiceServicer,
        ),
        Servicer(
            exports_pb2,
            "ExportService",
            exports_pb2_grpc.add_ExportServiceServicer_to_server,
            ExportServicer,
        ),
        Servicer(
            migration_pb2,
            "MigrationService",
            migration_pb2_grpc.add_MigrationServiceServicer_to_server,
            MigrationServicer,
        ),
        Servicer(
            notifications_pb2,
            "NotificationService",
            notifications_pb2_grpc.add_NotificationServiceServicer_to_server,
            NotificationServicer,
        ),
        Servicer(
            tasks_pb2,
            "TaskService",
            tasks_pb2_grpc.add_TaskServiceServicer_to_server,
            TaskServicer,
        ),
        Servicer(
            customer_emails_pb2,
            "CustomerEmailService",
            customer_emails_pb2_grpc.add_CustomerEmailServiceServicer_to_server,
            CustomerEmailServicer,
        ),
        # Line workflows and invoicing beside orders.
        Servicer(
            contracts_pb2,
            "ContractService",
            contracts_pb2_grpc.add_ContractServiceServicer_to_server,
            ContractServicer,
        ),
        Servicer(
            contracts_pb2,
            "ProFormaService",
            contracts_pb2_grpc.add_ProFormaServiceServicer_to_server,
            ProFormaServicer,
        ),
        Servicer(
            payments_pb2,
            "InvoicingService",
            payments_pb2_grpc.add_InvoicingServiceServicer_to_server,
            InvoicingServicer,
        ),
        # Accounts' addresses, social profiles and hierarchy.
        Servicer(
            account_profiles_pb2,
            "AccountProfileService",
            account_profiles_pb2_grpc.add_AccountProfileServiceServicer_to_server,
            AccountProfileServicer,
        ),
        Servicer(
            snapshots_pb2,
            "SnapshotService",
            snapshots_pb2_grpc.add_SnapshotServiceServicer_to_server,
            SnapshotServicer,
        ),
        # Personal data: consents, exports, erasure requests (service_layer/privacy.py).
        Servicer(
            privacy_pb2,
            "PrivacyService",
            privacy_pb2_grpc.add_PrivacyServiceServicer_to_server,
            PrivacyServicer,
        ),
        # Duplicate accounts and contacts, merges (service_layer/duplicates.py).
        Servicer(
            duplicates_pb2,
            "DuplicateService",
            duplicates_pb2_grpc.add_DuplicateServiceServicer_to_server,
            DuplicateServicer,
        ),
    ),
    principal_check=principal_check,
)
SERVICE_NAMES = APP.service_names
start = APP.start  # tests, benchmarks: start(settings, deps=None, *, verifier=None, **kw)
main = APP.main

if __name__ == "__main__":
    main()
