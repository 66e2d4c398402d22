"""Who may do what in the catalog. Decided here, never in adapters. Deny by default.

* ``catalog_manager`` role: everything (unit groups, products, price lists, discount lists).
* ``pricing_manager`` role: price lists and discount lists (not products or unit groups).
* Reads and PriceQuote: every authenticated member of the ``sales`` or ``management``
  department and holders of either catalog role. Service accounts may read the catalog (it holds
  no team's data); PriceQuote needs the ``quote_prices`` service role (deals' quotes), checked
  before anything is looked up.
* The ``admin`` role grants nothing here: administrators manage users and structure.

The caller is authenticated before a use case runs (the gRPC edge refuses a call without a
valid token with UNAUTHENTICATED).
"""

from __future__ import annotations

from crm_chassis.caller import Caller
from crm_chassis.errors import PermissionDenied
from crm_chassis.service_roles import QUOTE_PRICES

CATALOG_MANAGER = "catalog_manager"
PRICING_MANAGER = "pricing_manager"
READER_DEPARTMENTS = frozenset({"sales", "management"})


def require_reader(caller: Caller) -> Caller:
    """Catalog reads and price quotes."""
    if (
        caller.is_service
        or caller.roles & {CATALOG_MANAGER, PRICING_MANAGER}
        or caller.departments & READER_DEPARTMENTS
    ):
        return caller
    raise PermissionDenied(
        "reading the catalog and pricing quotes is open to members of the "
        "sales and management departments; you are in none of them: an "
        "administrator adds you with `crmctl users departments set <you> "
        "sales`"
    )


def require_quoter(caller: Caller) -> Caller:
    """PriceQuote: a reader; a service account only with the ``quote_prices`` role."""
    if caller.is_service and not caller.has_role(QUOTE_PRICES):
        raise PermissionDenied(
            f"pricing a quote as a service needs the '{QUOTE_PRICES}' service "
            "role: an administrator grants it with `crmctl service-accounts "
            f"set-roles <client id> --role {QUOTE_PRICES}`"
        )
    return require_reader(caller)


def require_catalog_manager(caller: Caller) -> Caller:
    """Unit groups and products."""
    if caller.has_role(CATALOG_MANAGER) and not caller.is_service:
        return caller
    raise PermissionDenied(
        f"changing unit groups and products needs the '{CATALOG_MANAGER}' "
        "role: an administrator grants it with `crmctl users update <you> "
        f"--role {CATALOG_MANAGER}` (naming every role to keep)"
    )


def require_pricing_manager(caller: Caller) -> Caller:
    """Price lists and discount lists."""
    if caller.roles & {CATALOG_MANAGER, PRICING_MANAGER} and not caller.is_service:
        return caller
    raise PermissionDenied(
        f"changing price lists and discount lists needs the "
        f"'{CATALOG_MANAGER}' or '{PRICING_MANAGER}' role: an administrator "
        f"grants it with `crmctl users update <you> --role {PRICING_MANAGER}` "
        "(naming every role to keep)"
    )
