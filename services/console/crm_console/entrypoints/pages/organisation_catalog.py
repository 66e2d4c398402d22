"""The Organisation area's catalog: products and price lists to browse, and a price lookup —
one product's price as a quote would get it (catalog's PriceQuote with its explanation; nothing
is saved)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crm_console.domain.deals import Pricing
from crm_console.domain.errors import ConsoleError, NotFound
from crm_console.entrypoints.organisation_view import Refusal
from crm_console.entrypoints.pages.organisation import context
from crm_console.entrypoints.web_kit import console_of, render, require
from crm_console.service_layer import organisation_routing

LOOKUP_FIELDS = ("product_id", "quantity", "unit", "currency", "sales_line_id")


def catalog(request: Request) -> Response:
    """The catalog; with ``product_id`` in the query, the price lookup's answer too (a lookup
    changes nothing, so it is a GET: a looked-up price is a link)."""
    deps, session = console_of(request).deps, require(request)
    found = organisation_routing.catalog_file(deps, session)
    lookup = {name: request.query_params.get(name, "") for name in LOOKUP_FIELDS}
    pricing: Pricing | None = None
    refusal: Refusal | None = None
    if "product_id" in request.query_params:
        try:
            pricing = organisation_routing.price_lookup(
                deps, session, products=found.products, **lookup
            )
        except NotFound:
            raise
        except ConsoleError as error:
            refusal = Refusal("price-lookup", error, request.query_params)
    return render(
        request,
        "organisation/catalog.html",
        context(
            request,
            refusal,
            file=found,
            reading_refused=found.refusal,
            lookup=lookup,
            pricing=pricing,
        ),
    )


ROUTES = [Route("/organisation/catalog", catalog, methods=["GET"])]
