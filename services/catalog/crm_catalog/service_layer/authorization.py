"""Who may do what in the catalog. Decided here, never in adapters. Deny by default.

* ``catalog_manager`` role: everything (unit groups, products, price lists, discount lists).
* ``pricing_manager`` role: price lists and discount lists (not products or unit groups).
* Reads and PriceQuote: every authenticated member of the ``sales`` or ``management``
  department, holders of either catalog role, and service accounts (deals, reporting).
* The ``admin`` role grants nothing here: administrators manage users and structure.
"""
from __future__ import annotations

from crm_chassis.auth.principal import Principal
from crm_chassis.errors import PermissionDenied, Unauthenticated

CATALOG_MANAGER = "catalog_manager"
PRICING_MANAGER = "pricing_manager"
READER_DEPARTMENTS = frozenset({"sales", "management"})


def _authenticated(principal: Principal | None) -> Principal:
    if principal is None:
        raise Unauthenticated("the catalog needs an authenticated caller: "
                              "send 'authorization: Bearer <access token>'")
    return principal


def require_reader(principal: Principal | None) -> Principal:
    """Catalog reads and price quotes."""
    caller = _authenticated(principal)
    if (caller.is_service or caller.roles & {CATALOG_MANAGER, PRICING_MANAGER}
            or caller.departments & READER_DEPARTMENTS):
        return caller
    raise PermissionDenied("reading the catalog and pricing quotes is open to members of the "
                           "sales and management departments; you are in none of them: an "
                           "administrator adds you with `crmctl users departments set <you> "
                           "sales`")


def require_catalog_manager(principal: Principal | None) -> Principal:
    """Unit groups and products."""
    caller = _authenticated(principal)
    if caller.has_role(CATALOG_MANAGER) and not caller.is_service:
        return caller
    raise PermissionDenied(f"changing unit groups and products needs the '{CATALOG_MANAGER}' "
                           "role: an administrator grants it with `crmctl users update <you> "
                           f"--role {CATALOG_MANAGER}` (naming every role to keep)")


def require_pricing_manager(principal: Principal | None) -> Principal:
    """Price lists and discount lists."""
    caller = _authenticated(principal)
    if caller.roles & {CATALOG_MANAGER, PRICING_MANAGER} and not caller.is_service:
        return caller
    raise PermissionDenied(f"changing price lists and discount lists needs the "
                           f"'{CATALOG_MANAGER}' or '{PRICING_MANAGER}' role: an administrator "
                           f"grants it with `crmctl users update <you> --role {PRICING_MANAGER}` "
                           "(naming every role to keep)")
