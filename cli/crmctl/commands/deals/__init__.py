"""deals' commands: ``accounts``, ``contacts``, ``deals`` (with the board of a sales line),
``activities``, ``pipelines``, ``automations``, billing: ``quotes``, ``orders``,
``invoices``; the line workflows: ``contracts``, ``proformas``; a person's ``notifications``
and ``tasks``, ``customer-emails``, and ``import`` (migration from another CRM)."""

from crmctl.commands.deals import (
    account_profiles,  # noqa: F401 - adds to ``accounts``
    duplicates,  # noqa: F401 - adds to ``accounts``, ``contacts``
)
from crmctl.commands.deals.accounts import accounts
from crmctl.commands.deals.activities import activities
from crmctl.commands.deals.automations import automations
from crmctl.commands.deals.billing import invoices, orders, quotes
from crmctl.commands.deals.contacts import contacts
from crmctl.commands.deals.customer_emails import customer_emails
from crmctl.commands.deals.deals import deals
from crmctl.commands.deals.migration import migration_import
from crmctl.commands.deals.notifications import notifications, tasks
from crmctl.commands.deals.pipelines import pipelines
from crmctl.commands.deals.workflows import contracts, proformas

COMMANDS = [
    accounts,
    contacts,
    deals,
    activities,
    pipelines,
    automations,
    quotes,
    orders,
    invoices,
    contracts,
    proformas,
    migration_import,
    notifications,
    tasks,
    customer_emails,
]
