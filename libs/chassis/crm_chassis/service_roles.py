"""The roles a service account may hold: one narrow right each, named once for the platform.

A service account is granted these explicitly when it is created (identity validates the names
against :data:`SERVICE_ROLES`); nothing is implied by being a service. The service that owns the
call checks the role (``caller.has_role(CHOOSE_OWNERS)``); a service account without it is
refused like any other caller. Person roles (admin, catalog_manager...) are never granted to a
service account, and these are never granted to a person.
"""

from __future__ import annotations

READ_USERS = "read_users"
CHOOSE_OWNERS = "choose_owners"
CHECK_ACCESS = "check_access"
ROUTE_LEADS = "route_leads"
QUOTE_PRICES = "quote_prices"
CAPTURE_LEADS = "capture_leads"
RECORD_LEAD_ACTIVITY = "record_lead_activity"
PUBLISH_DEAL_SNAPSHOTS = "publish_deal_snapshots"
PUBLISH_LEAD_SNAPSHOTS = "publish_lead_snapshots"
PUBLISH_TERRITORY_SNAPSHOTS = "publish_territory_snapshots"

SERVICE_ROLES: dict[str, str] = {
    READ_USERS: "identity: read a user's directory entry (GetUser, ListUsers) — territory keeps "
    "its copy of people current with it",
    CHOOSE_OWNERS: "territory: pick owners for records handed over (ChooseOwner, ChooseOwners) — "
    "leads and deals hand-overs",
    CHECK_ACCESS: "territory: ask who may see a team's records (CheckAccess, ListScopes)",
    ROUTE_LEADS: "territory: retry routing of a lead (RetryRouting)",
    QUOTE_PRICES: "catalog: price a basket (PriceQuote) — deals' quotes",
    CAPTURE_LEADS: "leads: capture and import leads (CreateLead, ImportLeads) — web forms, "
    "marketing tools",
    RECORD_LEAD_ACTIVITY: "leads: record behavioural activity on a lead (RecordLeadActivity) — "
    "marketing automation",
    PUBLISH_DEAL_SNAPSHOTS: "deals: re-publish every deal's and account's current state as "
    "snapshot events (PublishSnapshots) — the backfill of a consumer that joins a running "
    "platform (reporting)",
    PUBLISH_LEAD_SNAPSHOTS: "leads: re-publish every lead's and campaign's current state as "
    "snapshot events (PublishSnapshots) — the backfill of a consumer that joins a running "
    "platform (reporting)",
    PUBLISH_TERRITORY_SNAPSHOTS: "territory: re-publish every org unit, team and target as "
    "snapshot events (PublishSnapshots) — the backfill of a consumer that joins a running "
    "platform (reporting)",
}
