"""Authentication: the access-token format, its signer and verifier, identity's public keys, and
the principal (the verified caller) of the current request.

Public API::

    from crm_chassis.auth import (Principal, current_principal, require_principal,
                                  TokenSigner, TokenVerifier, StaticKeySource, IdentityKeySource,
                                  identity_verifier, generate_private_key, key_id, ...)

A service's api process (any service but identity)::

    verifier = identity_verifier(settings)
    serve(settings, register, service_names=[...], verifier=verifier,
          principal_check=..., on_stop=verifier.key_source.close)
"""

from crm_chassis.auth.key_sources import IdentityKeySource, StaticKeySource, identity_verifier
from crm_chassis.auth.keys import (
    generate_private_key,
    key_id,
    private_key_from_pem,
    private_key_to_pem,
    public_key_from_pem,
    public_key_to_pem,
)
from crm_chassis.auth.principal import (
    ADMIN_ROLE,
    Principal,
    bind_principal,
    current_principal,
    require_principal,
    reset_principal,
)
from crm_chassis.auth.tokens import (
    MAX_TTL_SECONDS,
    TOKEN_TYPE,
    KeySource,
    TokenSigner,
    TokenVerifier,
)

__all__ = [
    "ADMIN_ROLE",
    "MAX_TTL_SECONDS",
    "TOKEN_TYPE",
    "IdentityKeySource",
    "KeySource",
    "Principal",
    "StaticKeySource",
    "TokenSigner",
    "TokenVerifier",
    "bind_principal",
    "current_principal",
    "generate_private_key",
    "identity_verifier",
    "key_id",
    "private_key_from_pem",
    "private_key_to_pem",
    "public_key_from_pem",
    "public_key_to_pem",
    "require_principal",
    "reset_principal",
]
