"""Who may do what: the matrix documented in docs/services/catalog.md."""

import pytest

from crm_catalog.adapters import grpc_mapping
from crm_catalog.service_layer.authorization import (
    require_catalog_manager,
    require_pricing_manager,
    require_quoter,
    require_reader,
)
from crm_chassis.auth.principal import Principal, bind_principal, reset_principal
from crm_chassis.caller import Caller
from crm_chassis.errors import PermissionDenied, Unauthenticated


def who(*, roles=(), departments=(), kind="user"):
    return Caller(
        subject_id="x", kind=kind, roles=frozenset(roles), departments=frozenset(departments)
    )


CALLERS = {
    "catalog manager": who(roles=["catalog_manager"]),
    "pricing manager": who(roles=["pricing_manager"]),
    "sales member": who(departments=["sales"]),
    "management member": who(departments=["management"]),
    "marketing member": who(departments=["marketing"]),
    "after-sales member": who(departments=["after_sales_service"]),
    "administrator": who(roles=["admin"], departments=["marketing"]),
    "service account": who(kind="service"),
    "service account with role": who(kind="service", roles=["catalog_manager"]),
    "service account quoting": who(kind="service", roles=["quote_prices"]),
}
MATRIX = {  # caller: (read, price a quote, price lists and discounts, products and units)
    "catalog manager": (True, True, True, True),
    "pricing manager": (True, True, True, False),
    "sales member": (True, True, False, False),
    "management member": (True, True, False, False),
    "marketing member": (False, False, False, False),
    "after-sales member": (False, False, False, False),
    "administrator": (False, False, False, False),
    "service account": (True, False, False, False),  # quote_prices is not implied
    "service account with role": (True, False, False, False),
    "service account quoting": (True, True, False, False),
}


def allowed(rule, caller) -> bool:
    try:
        rule(caller)
        return True
    except PermissionDenied:
        return False


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_matrix(name):
    caller = CALLERS[name]
    assert (
        allowed(require_reader, caller),
        allowed(require_quoter, caller),
        allowed(require_pricing_manager, caller),
        allowed(require_catalog_manager, caller),
    ) == MATRIX[name]


def test_anonymous_callers_are_unauthenticated_before_any_use_case():
    with pytest.raises(Unauthenticated, match="authorization: Bearer"):
        grpc_mapping.caller()


def test_the_caller_of_a_call_is_its_verified_principal():
    token = bind_principal(
        Principal(
            subject_id="u-1",
            kind="service",
            roles=frozenset({"quote_prices"}),
            display_name="deals",
        )
    )
    try:
        caller = grpc_mapping.caller()
    finally:
        reset_principal(token)
    assert (caller.subject_id, caller.is_service, caller.roles) == (
        "u-1",
        True,
        frozenset({"quote_prices"}),
    )
