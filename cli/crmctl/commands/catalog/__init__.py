"""catalog's commands: ``unit-groups``, ``products``, ``price-lists``, ``discount-lists`` and
``pricing`` (exact quote prices) and ``rates`` (currencies, dated exchange rates). Changes need the catalog_manager role (unit groups, products)
or pricing_manager (price and discount lists); reading and pricing are open to the sales and
management departments."""

from crmctl.commands.catalog.discount_lists import discount_lists
from crmctl.commands.catalog.price_lists import price_lists
from crmctl.commands.catalog.pricing import pricing
from crmctl.commands.catalog.products import products
from crmctl.commands.catalog.rates import rates
from crmctl.commands.catalog.unit_groups import unit_groups

COMMANDS = [unit_groups, products, price_lists, discount_lists, pricing, rates]
