"""identity's api process: migrate-free start (run crm_identity.migrate first), ensure a signing
key, create the first admin when configured and none exists, then serve AuthService and
UserService through the chassis gRPC server (auth, metrics, logs, error mapping, health).

    python -m crm_identity.entrypoints.api
"""
from __future__ import annotations

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc

from crm_chassis.auth import Principal, TokenVerifier
from crm_chassis.errors import Unauthenticated
from crm_chassis.grpc import serve, service_name_of, start_server
from crm_chassis.logging import configure_logging, get_logger
from crm_chassis.settings import check_startup

from crm_identity.adapters.client_address import ClientAddressResolver
from crm_identity.adapters.grpc_auth import PUBLIC_METHODS, AuthServicer
from crm_identity.adapters.grpc_users import UserServicer
from crm_identity.adapters.signing import PublishedKeysCache
from crm_identity.entrypoints import settings as settings_module
from crm_identity.adapters.token_check_cache import RecentTokenChecks
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.entrypoints.wiring import build_dependencies
from crm_identity.service_layer import authentication, bootstrap, signing_keys
from crm_identity.service_layer.dependencies import Dependencies

log = get_logger("crm_identity.api")

SERVICE_NAMES = (service_name_of(auth_pb2, "AuthService"),
                 service_name_of(users_pb2, "UserService"))


def principal_check(deps: Dependencies, recent: RecentTokenChecks):
    """Runs on every authenticated call: refuses tokens of deactivated users, of users whose
    password changed after the token was issued, and of removed service accounts."""
    def check(principal: Principal) -> None:
        key = (principal.kind, principal.subject_id, principal.issued_at, principal.roles)
        if recent.accepted_recently(key):
            return
        if not authentication.token_still_valid(deps, principal.kind, principal.subject_id,
                                                principal.issued_at, principal.roles):
            raise Unauthenticated("this token has been revoked (account deactivated, password "
                                  "changed or roles withdrawn); obtain a new one")
        recent.remember(key)
    return check


def verifier(settings: IdentitySettings, source: PublishedKeysCache) -> TokenVerifier:
    """identity's own verifier: the published keys from its database (a withdrawn key's tokens
    are refused at once here, within published_keys_max_age_seconds on other replicas)."""
    return TokenVerifier(source, settings.jwt_issuer, settings.jwt_audience,
                         settings.jwt_algorithm,
                         max_lifetime_seconds=settings.access_token_max_ttl_seconds)


def prepare(settings: IdentitySettings, deps: Dependencies) -> None:
    """Start-up work: an active signing key, and the first admin and the service accounts if
    configured and missing."""
    protected = signing_keys.protect_stored_keys(deps)
    if protected:
        log.info("signing_keys_wrapped", keys=protected)
    key = signing_keys.ensure_active_key(deps)
    log.info("signing_key_ready", kid=key.kid)
    if settings.bootstrap_admin_email:
        created = bootstrap.bootstrap_admin(deps, email=settings.bootstrap_admin_email,
                                            password=settings.bootstrap_admin_password,
                                            display_name=settings.bootstrap_admin_name)
        if created is not None:
            log.info("bootstrap_admin_created", user_id=created.id, email=created.email)
    result = bootstrap.bootstrap_service_accounts(deps, settings.bootstrap_service_accounts,
                                                  settings.bootstrap_service_roles)
    for account in result.created:
        log.info("bootstrap_service_account_created", client_id=account.client_id,
                 name=account.name, roles=sorted(account.roles))
    for account in result.roles_changed:
        log.info("bootstrap_service_account_roles_set", client_id=account.client_id,
                 name=account.name, roles=sorted(account.roles))


def _server_arguments(settings: IdentitySettings, deps: Dependencies) -> dict:
    recent = RecentTokenChecks(settings.token_check_cache_seconds)
    client_address = ClientAddressResolver(settings.trusted_proxies)
    published = PublishedKeysCache(lambda: signing_keys.published_key_set(deps),
                                   settings.published_keys_max_age_seconds)

    def register(server) -> None:
        auth_pb2_grpc.add_AuthServiceServicer_to_server(
            AuthServicer(deps, settings.jwt_issuer, client_address, published,
                         on_revocation=recent.clear), server)
        users_pb2_grpc.add_UserServiceServicer_to_server(
            UserServicer(deps, on_revocation=recent.clear, client_address=client_address),
            server)

    return dict(register=register, service_names=SERVICE_NAMES,
                verifier=verifier(settings, published), public_methods=PUBLIC_METHODS,
                principal_check=principal_check(deps, recent))


def start(settings: IdentitySettings, deps: Dependencies | None = None, **kwargs):
    """Prepare and start a server without blocking (tests); returns the RunningServer."""
    deps = deps or build_dependencies(settings)
    prepare(settings, deps)
    arguments = _server_arguments(settings, deps)
    return start_server(settings, arguments.pop("register"), **arguments, **kwargs)


def main() -> None:
    settings = settings_module.load()
    check_startup(settings, "api")   # stops here when misconfigured
    configure_logging(settings)
    deps = build_dependencies(settings)
    prepare(settings, deps)
    arguments = _server_arguments(settings, deps)
    serve(settings, arguments.pop("register"), **arguments)


if __name__ == "__main__":
    main()
