"""identity's settings (environment CRM_IDENTITY_<FIELD>, then CRM_<FIELD>, then the default)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.settings import LOCAL_ADMIN_PASSWORD, ServiceSettings, SettingsError, setting
from crm_identity.adapters.client_address import parse_networks
from crm_identity.adapters.key_wrapping import key_wrapper
from crm_identity.domain import password_policy
from crm_identity.domain.signing_keys import MAX_ACCESS_TOKEN_TTL

SERVICE_NAME = "identity"


@dataclass(frozen=True)
class IdentitySettings(ServiceSettings):
    grpc_port: int = setting(50051, "Port of identity's gRPC API.")
    key_encryption_key: str = setting(
        "",
        "Key-encryption key of the signing private keys at rest: 32 random bytes in base64 "
        "(`openssl rand -base64 32`), from the Kubernetes Secret identity-secrets. Required "
        "in local and test runs (CRM_ENV).",
        secret=True,
    )
    key_encryption_key_previous: str = setting(
        "",
        "Previous key-encryption keys (comma separated) while rotating it: rows they wrapped "
        "are re-wrapped with the current one at api start.",
        secret=True,
    )
    published_keys_max_age_seconds: float = setting(
        0.25,
        "How long identity answers GetSigningKeys (and verifies its own calls) from its "
        "in-memory copy of the published keys before re-reading them.",
    )
    access_token_ttl_seconds: int = setting(
        600, "Lifetime of access tokens in seconds (at most 900; a larger value is refused)."
    )
    refresh_token_ttl_seconds: int = setting(
        43200, "Lifetime of a refresh token from its issue (each refresh issues a new one)."
    )
    refresh_family_max_seconds: int = setting(
        1209600, "Longest a sign-in can be kept alive by refreshing (then log in again)."
    )
    key_rotation_days: float = setting(30.0, "Age at which the worker rotates the signing key.")
    key_rotation_check_seconds: float = setting(
        300.0, "How often the worker checks whether the signing key is due for rotation."
    )
    prune_interval_seconds: float = setting(
        600.0, "How often the worker deletes ended refresh-token families and old failures."
    )
    bootstrap_admin_email: str = setting(
        "", "E-mail of the first administrator, created at api start if no admin exists."
    )
    bootstrap_admin_password: str = setting(
        "",
        "Password of the first administrator (must meet the password policy; outside "
        "CRM_ENV=local the api refuses to start with a weak one or the local runs' one).",
        secret=True,
    )
    bootstrap_admin_name: str = setting("Administrator", "Display name of the first admin.")
    bootstrap_service_accounts: str = setting(
        "",
        "Service accounts created at api start when missing: name:client_id:secret[:role+role], "
        "comma separated (the calling services get the same client id and secret); given roles "
        "are (re)applied to an existing account at every start.",
        secret=True,
    )
    bootstrap_service_roles: str = setting(
        "",
        "Roles of the bootstrap service accounts by name when their entry gives none: "
        "name:role+role, comma separated (deploy/ renders it from each service.toml's "
        "service_roles; an empty list means no role).",
    )
    token_check_cache_seconds: float = setting(
        0.5,
        "How long an accepted token skips the per-call revocation read (0 = never; "
        "revocations through another replica are seen within this time).",
    )
    trusted_proxies: str = setting(
        "",
        "IP addresses or networks (comma separated, e.g. 10.0.0.0/8) of proxies in front of "
        "identity whose x-forwarded-for header names the client address that login throttling "
        "counts; empty: the gRPC peer is the client.",
    )
    argon2_memory_kib: int = setting(19456, "argon2id memory cost in KiB (at least 19456).")
    argon2_time_cost: int = setting(2, "argon2id iterations (at least 2).")
    argon2_parallelism: int = setting(1, "argon2id lanes (at least 1).")

    def __post_init__(self):
        limit = int(MAX_ACCESS_TOKEN_TTL.total_seconds())
        if not 0 < self.access_token_ttl_seconds <= limit:
            raise SettingsError(
                f"CRM_IDENTITY_ACCESS_TOKEN_TTL_SECONDS must be 1..{limit} "
                f"(got {self.access_token_ttl_seconds}): access tokens cannot "
                "be revoked by verifiers, so they must stay short-lived"
            )
        if self.access_token_ttl_seconds > self.access_token_max_ttl_seconds:
            raise SettingsError(
                f"CRM_IDENTITY_ACCESS_TOKEN_TTL_SECONDS ({self.access_token_ttl_seconds}) exceeds "
                f"CRM_ACCESS_TOKEN_MAX_TTL_SECONDS ({self.access_token_max_ttl_seconds}): every "
                "verifier would refuse the tokens identity issues"
            )
        try:
            parse_networks(self.trusted_proxies)
            key_wrapper(self.key_encryption_key, self.key_encryption_key_previous)
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        if self.key_rotation_days <= 0:
            raise SettingsError("CRM_IDENTITY_KEY_ROTATION_DAYS must be positive")

    def startup_problems(self, process: str) -> list[str]:
        """Outside local and test runs the api and worker need the key-encryption key, and the
        api refuses the public local admin password, and an empty or weak one when a first
        administrator is configured."""
        problems = super().startup_problems(process)
        if self.local_fallbacks_allowed:
            return problems
        if not self.key_encryption_key and process in ("api", "worker"):
            # both sign: the api at a withdrawal, the worker at a rotation
            problems.append(
                f"{self.variable('key_encryption_key')} is not set: identity encrypts its "
                "signing private keys with it. Provide 32 random bytes in base64 (`openssl rand "
                "-base64 32`) through the Kubernetes Secret identity-secrets"
            )
        if process != "api":
            return problems
        variable = self.variable("bootstrap_admin_password")
        if self.bootstrap_admin_password == LOCAL_ADMIN_PASSWORD:
            problems.append(
                f"{variable} is the public password of local runs: set the first "
                "administrator's password from a secret store"
            )
        elif self.bootstrap_admin_email:
            weak = password_policy.problems(
                self.bootstrap_admin_password, self.bootstrap_admin_email
            )
            if weak:
                problems.append(f"{variable}: the first administrator's password {'; '.join(weak)}")
        return problems

    @property
    def key_rotation_period(self) -> dt.timedelta:
        return dt.timedelta(days=self.key_rotation_days)


def load(**overrides) -> IdentitySettings:
    return IdentitySettings.load(SERVICE_NAME, **overrides)
