"""identity's api process: migrate-free start (run crm_identity.migrate first), ensure a signing
key, create the first admin when configured and none exists, then serve AuthService and
UserService through the chassis server (auth, metrics, logs, error mapping, health).

    python -m crm_identity.entrypoints.api
"""

from __future__ import annotations

from typing import Any

from crm.identity.v1 import auth_pb2, auth_pb2_grpc, users_pb2, users_pb2_grpc
from crm_chassis.auth import Principal, TokenVerifier
from crm_chassis.entrypoints.api import ApiApp, Servicer
from crm_chassis.errors import Unauthenticated
from crm_chassis.grpc import RunningServer
from crm_chassis.grpc.interceptor import PrincipalCheck
from crm_chassis.logging import get_logger
from crm_identity.adapters.grpc_auth import PUBLIC_METHODS, AuthServicer
from crm_identity.adapters.grpc_users import UserServicer
from crm_identity.entrypoints import settings, wiring
from crm_identity.entrypoints.settings import IdentitySettings
from crm_identity.entrypoints.wiring import ApiDependencies
from crm_identity.service_layer import authentication, bootstrap, signing_keys
from crm_identity.service_layer.dependencies import Dependencies

log = get_logger("crm_identity.api")


def principal_check(deps: ApiDependencies) -> PrincipalCheck:
    """Runs on every authenticated call: refuses tokens of deactivated users, of users whose
    password changed after the token was issued, and of removed service accounts."""
    recent = deps.recent_checks

    def check(principal: Principal) -> None:
        key = (principal.kind, principal.subject_id, principal.issued_at, principal.roles)
        if recent.accepted_recently(key):
            return
        if not authentication.token_still_valid(
            deps, principal.kind, principal.subject_id, principal.issued_at, principal.roles
        ):
            raise Unauthenticated(
                "this token has been revoked (account deactivated, password "
                "changed or roles withdrawn); obtain a new one"
            )
        recent.remember(key)

    return check


def verifier(loaded: IdentitySettings, deps: ApiDependencies) -> TokenVerifier:
    """identity's own verifier: the published keys from its database (a withdrawn key's tokens
    are refused at once here, within published_keys_max_age_seconds on other replicas)."""
    return TokenVerifier(
        deps.published_keys,
        loaded.jwt_issuer,
        loaded.jwt_audience,
        loaded.jwt_algorithm,
        max_lifetime_seconds=loaded.access_token_max_ttl_seconds,
    )


def prepare(loaded: IdentitySettings, deps: Dependencies) -> None:
    """Start-up work: an active signing key, and the first admin and the service accounts if
    configured and missing."""
    protected = signing_keys.protect_stored_keys(deps)
    if protected:
        log.info("signing_keys_wrapped", keys=protected)
    key = signing_keys.ensure_active_key(deps)
    log.info("signing_key_ready", kid=key.kid)
    if loaded.bootstrap_admin_email:
        created = bootstrap.bootstrap_admin(
            deps,
            email=loaded.bootstrap_admin_email,
            password=loaded.bootstrap_admin_password,
            display_name=loaded.bootstrap_admin_name,
        )
        if created is not None:
            log.info("bootstrap_admin_created", user_id=created.id, email=created.email)
    result = bootstrap.bootstrap_service_accounts(
        deps, loaded.bootstrap_service_accounts, loaded.bootstrap_service_roles
    )
    for account in result.created:
        log.info(
            "bootstrap_service_account_created",
            client_id=account.client_id,
            name=account.name,
            roles=sorted(account.roles),
        )
    for account in result.roles_changed:
        log.info(
            "bootstrap_service_account_roles_set",
            client_id=account.client_id,
            name=account.name,
            roles=sorted(account.roles),
        )


def auth_servicer(deps: ApiDependencies, *, issuer: str) -> AuthServicer:
    return AuthServicer(
        deps,
        issuer,
        deps.client_address,
        deps.published_keys,
        on_revocation=deps.recent_checks.clear,
    )


def user_servicer(deps: ApiDependencies) -> UserServicer:
    return UserServicer(
        deps, on_revocation=deps.recent_checks.clear, client_address=deps.client_address
    )


def _issuer(loaded: IdentitySettings) -> dict[str, str]:
    return {"issuer": loaded.jwt_issuer}


APP: ApiApp[IdentitySettings, ApiDependencies] = ApiApp(
    service="identity",
    load_settings=settings.load,
    build_dependencies=wiring.build_api_dependencies,
    servicers=(
        Servicer(
            auth_pb2,
            "AuthService",
            auth_pb2_grpc.add_AuthServiceServicer_to_server,
            auth_servicer,
            settings_kwargs=_issuer,
        ),
        Servicer(
            users_pb2,
            "UserService",
            users_pb2_grpc.add_UserServiceServicer_to_server,
            user_servicer,
        ),
    ),
    principal_check=principal_check,
    verifier=verifier,
    prepare=prepare,
    public_methods=PUBLIC_METHODS,
)
SERVICE_NAMES = APP.service_names
main = APP.main


def start(
    loaded: IdentitySettings, deps: Dependencies | None = None, **kwargs: Any
) -> RunningServer:
    """Prepare and start a server without blocking (tests); returns the RunningServer. ``deps``
    built by ``wiring.build_dependencies`` get the api's additions here."""
    return APP.start(loaded, None if deps is None else wiring.for_api(loaded, deps), **kwargs)


if __name__ == "__main__":
    main()
