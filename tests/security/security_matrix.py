"""THE authorisation matrix: for every RPC of the platform, what each class of caller gets when
it calls the RPC on team A's records (see ``security_platform`` for the organisation).

Outcomes (a cell):

- ``ok``        passes authorisation: OK, or a refusal about the request itself
                (INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS...), never
                UNAUTHENTICATED, PERMISSION_DENIED or NOT_FOUND;
- ``sees``      the record is visible to the caller, the action may still be refused by their
                role or ownership: anything but UNAUTHENTICATED and NOT_FOUND;
- ``reaches``   authorised, on a record the fixture does not hold: anything but
                UNAUTHENTICATED and PERMISSION_DENIED;
- ``hidden``    NOT_FOUND: the record is indistinguishable from one that does not exist;
- ``denied``    PERMISSION_DENIED;
- ``unauth``    UNAUTHENTICATED;
- ``refused``   any error (the status may depend on validation order), never OK;
- ``any``       any status.

Whatever the cell, INTERNAL, UNKNOWN and UNIMPLEMENTED fail, and no caller outside team A's
circle (``member``, ``teammate``, ``manager``) may receive a marker of team A's records in a
response or an error message. A row is built from a profile and per-caller overrides; ``set``
merges JSON (proto field names, ``{named id}`` substituted) into the generated request,
``fill`` maps a field name to another named id, ``spare`` aims a destructive call at the
spare team, unit, sales line and territory.

Run ``python tests/security/security_matrix.py`` to rewrite the matrix section of
docs/security.md after changing this table (a test checks that the document is current).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

CALLERS = (
    "anonymous",
    "deactivated",
    "service_without_role",
    "service_with_role",
    "no_department",
    "management",
    "sibling_manager",
    "other_team",
    "admin",
    "teammate",
    "manager",
    "member",
)
CIRCLE = frozenset({"member", "teammate", "manager"})  # may see team A's records
OUTCOMES = ("ok", "sees", "reaches", "hidden", "denied", "unauth", "refused", "any")
CALLER_TITLES = {
    "anonymous": "no token",
    "deactivated": "a deactivated user (token issued before)",
    "service_without_role": "a service account holding no role",
    "service_with_role": "a service account holding every service role",
    "no_department": "a person in no department and no team",
    "management": "a management-department person in no team",
    "sibling_manager": "the manager of unit S (sibling of team A's unit)",
    "other_team": "an expert of team B (same unit as team A)",
    "admin": "an administrator in no team",
    "teammate": "an expert of team A",
    "manager": "the manager of unit U (above team A)",
    "member": "an expert of team A who created team A's records",
}


@dataclass(frozen=True)
class Row:
    cells: Mapping[str, str]
    set: Mapping = field(default_factory=dict)
    fill: Mapping[str, str] = field(default_factory=dict)
    spare: bool = False
    note: str = ""


def row(profile: Mapping[str, str], *, set=None, fill=None, spare=False, note="", **cells) -> Row:
    merged = dict(profile)
    for caller, outcome in cells.items():
        if caller not in CALLERS:
            raise ValueError(f"unknown caller {caller!r}")
        merged[caller] = outcome
    bad = {c: o for c, o in merged.items() if o not in OUTCOMES}
    if bad:
        raise ValueError(f"unknown outcomes {bad}")
    return Row(merged, set or {}, fill or {}, spare, note)


def profile(authenticated: str, circle: str | None = None, **cells) -> dict[str, str]:
    """Anonymous and deactivated callers unauthenticated; every other caller ``authenticated``,
    team A's circle ``circle`` (default the same), then the named exceptions."""
    cells_ = {c: authenticated for c in CALLERS}
    cells_.update(anonymous="unauth", deactivated="unauth")
    for c in CIRCLE:
        cells_[c] = circle or authenticated
    cells_.update(cells)
    return cells_


PUBLIC = {c: "any" for c in CALLERS}  # identity's public calls
OPEN = profile(
    "ok",
    service_without_role="any",  # any authenticated person
    service_with_role="any",
)
TEAM_READ = profile("hidden", "ok")  # a record of team A, read
TEAM_WRITE = profile("hidden", "sees")  # a record of team A, changed
TEAM_LIST = profile("any", "ok")  # lists filtered by scope
ADMIN = profile("denied", admin="ok")  # a person administrator only
STRUCTURE = profile("denied", admin="ok")  # territory: admin or team role
MEMBERSHIP = profile("denied", admin="ok", manager="any")  # team roles of the unit too
# The catalog holds no team's data and keeps no copy of people: a deactivated person's token
# ends there when it expires (at most the access-token lifetime), not at once (docs/security.md).
CATALOG_READ = profile(
    "reaches",
    no_department="denied",
    admin="denied",
    service_without_role="any",
    service_with_role="any",
    deactivated="any",
)
CATALOG_WRITE = profile("denied", deactivated="any")  # catalog_manager (nobody here)
UNKNOWN_RECORD = profile("refused", "any")  # deals records not in the fixture
SERVICE_ONLY = profile("denied", service_with_role="ok")  # a service role, no person
# Personal-data requests: identity's data_protection_officer role, which no caller here holds.
PRIVACY = profile("denied")

# Reports need territory's view_reports over the scope: team A's experts (member, teammate) and
# everyone outside its units have none; the manager of unit U has it; the sibling unit's manager
# has it on other teams only, so team A reads as unknown to them.
REPORTS = profile(
    "denied", "denied", manager="ok", sibling_manager="hidden", service_with_role="denied"
)
TEAM_A_QUARTER = {
    "scope": {"kind": "SCOPE_KIND_TEAM", "id": "{team_a}", "sales_line_id": ""},
    "period": {
        "kind": "PERIOD_KIND_QUARTER",
        "date": "2026-02-10",
        "start_date": "",
        "end_date": "",
        "time_zone": "UTC",
    },
}

MATRIX: dict[str, Row] = {
    # ------------------------------------------------------------ catalog
    "catalog.DiscountListService/CreateDiscountList": row(CATALOG_WRITE),
    "catalog.DiscountListService/GetDiscountList": row(CATALOG_READ),
    "catalog.DiscountListService/ListDiscountLists": row(CATALOG_READ),
    "catalog.DiscountListService/UpdateDiscountList": row(CATALOG_WRITE),
    "catalog.ExchangeRateService/ConvertAmount": row(CATALOG_READ),
    "catalog.ExchangeRateService/ImportExchangeRates": row(CATALOG_WRITE),
    "catalog.ExchangeRateService/ListCurrencies": row(CATALOG_READ),
    "catalog.ExchangeRateService/ListExchangeRates": row(CATALOG_READ),
    "catalog.ExchangeRateService/SetExchangeRate": row(CATALOG_WRITE),
    "catalog.PriceListService/CreatePriceList": row(CATALOG_WRITE),
    "catalog.PriceListService/GetPriceList": row(CATALOG_READ),
    "catalog.PriceListService/ListPriceLists": row(CATALOG_READ),
    "catalog.PriceListService/RemovePriceListItem": row(CATALOG_WRITE),
    "catalog.PriceListService/SetPriceListItem": row(CATALOG_WRITE),
    "catalog.PriceListService/UpdatePriceList": row(CATALOG_WRITE),
    "catalog.PricingService/PriceQuote": row(
        CATALOG_READ,
        service_without_role="denied",
        service_with_role="reaches",
        note="services need quote_prices",
    ),
    "catalog.ProductService/ActivateProduct": row(CATALOG_WRITE),
    "catalog.ProductService/CreateProduct": row(CATALOG_WRITE),
    "catalog.ProductService/GetProduct": row(CATALOG_READ),
    "catalog.ProductService/ListProducts": row(CATALOG_READ),
    "catalog.ProductService/RetireProduct": row(CATALOG_WRITE),
    "catalog.ProductService/UpdateProduct": row(CATALOG_WRITE),
    # The backfill of a new consumer (reporting's rates): counts only, no record in the answer.
    "catalog.SnapshotService/PublishSnapshots": row(CATALOG_WRITE),
    "catalog.UnitGroupService/AddUnit": row(CATALOG_WRITE),
    "catalog.UnitGroupService/CreateUnitGroup": row(CATALOG_WRITE),
    "catalog.UnitGroupService/GetUnitGroup": row(CATALOG_READ),
    "catalog.UnitGroupService/ListUnitGroups": row(CATALOG_READ),
    "catalog.UnitGroupService/RemoveUnit": row(CATALOG_WRITE),
    "catalog.UnitGroupService/RenameUnitGroup": row(CATALOG_WRITE),
    # ------------------------------------------------------------ deals
    "deals.AccountProfileService/GetAccountRollup": row(TEAM_READ),
    "deals.AccountProfileService/SetAccountAddresses": row(TEAM_WRITE),
    # The account under itself: a cycle, refused once the account is known visible.
    "deals.AccountProfileService/SetParentAccount": row(
        TEAM_WRITE, fill={"parent_account_id": "account"}
    ),
    "deals.AccountProfileService/SetSocialProfiles": row(TEAM_WRITE),
    "deals.AccountService/CreateAccount": row(profile("denied", "sees")),
    "deals.AccountService/GetAccount": row(TEAM_READ),
    "deals.AccountService/ListAccounts": row(TEAM_LIST),
    "deals.AccountService/MarkAccountChurned": row(TEAM_WRITE),
    "deals.AccountService/UpdateAccount": row(TEAM_WRITE, set={"update_mask": "name"}),
    "deals.ActivityService/CompleteTask": row(TEAM_WRITE),
    "deals.ActivityService/ListTimeline": row(
        TEAM_READ, set={"target": {"type": "opportunity", "id": "{deal}"}}
    ),
    "deals.ActivityService/LogActivity": row(
        TEAM_WRITE, set={"target": {"type": "opportunity", "id": "{deal}"}}
    ),
    "deals.ActivityService/UpdateActivity": row(TEAM_WRITE),
    # Rules are scoped to teams their author manages (docs/services/deals.md): creating one needs
    # the manager role over each named team; lists show only the rules the caller manages; the
    # fixture holds no rule, so changing or reading one by id is refused for everyone.
    "deals.AutomationService/CreateAutomationRule": row(
        profile("denied", manager="any", management="any", admin="any"),
        note="rules act only on their author's teams",
    ),
    "deals.AutomationService/ListAutomationDeliveries": row(profile("refused")),
    "deals.AutomationService/ListAutomationRules": row(profile("any")),
    "deals.AutomationService/SetAutomationRuleEnabled": row(profile("refused")),
    "deals.ContactService/CreateContact": row(TEAM_WRITE),
    # Customer e-mails: templates are sales structure (as pipelines); a deal's preview and sent
    # e-mails are the deal's.
    "deals.CustomerEmailService/ListCustomerEmailTemplates": row(profile("ok")),
    "deals.CustomerEmailService/ListCustomerEmails": row(TEAM_READ),
    "deals.CustomerEmailService/PreviewCustomerEmail": row(TEAM_READ),
    "deals.CustomerEmailService/SetCustomerEmailTemplate": row(
        profile("denied", management="ok", admin="ok")
    ),
    # Bounces name no deal in their answers: the mail operator's work (as templates).
    "deals.CustomerEmailService/IngestBounce": row(profile("denied", management="ok", admin="ok")),
    "deals.CustomerEmailService/ListBouncedAddresses": row(
        profile("denied", management="ok", admin="ok")
    ),
    "deals.CustomerEmailService/ClearBouncedAddress": row(
        profile("denied", management="reaches", admin="reaches")
    ),
    "deals.ContactService/GetContact": row(TEAM_READ),
    "deals.ContactService/ListContacts": row(TEAM_LIST),
    "deals.ContactService/UpdateContact": row(TEAM_WRITE, set={"update_mask": "jobTitle"}),
    "deals.ContractService/CancelContract": row(UNKNOWN_RECORD),
    "deals.ContractService/CreateContract": row(TEAM_WRITE),
    "deals.ContractService/GetContract": row(UNKNOWN_RECORD),
    "deals.ContractService/ListContracts": row(TEAM_READ),
    "deals.ContractService/SignContract": row(UNKNOWN_RECORD),
    "deals.DealService/CloseDealLost": row(TEAM_WRITE, set={"reason": "price"}),
    "deals.DealService/CloseDealWon": row(TEAM_WRITE, set={"actual_close_date": "2026-12-01"}),
    "deals.DealService/CreateDeal": row(TEAM_WRITE),
    "deals.DealService/GetBoard": row(TEAM_LIST),
    "deals.DealService/GetDeal": row(TEAM_READ),
    "deals.DealService/GetHistory": row(
        TEAM_READ, set={"record": {"type": "opportunity", "id": "{deal}"}}
    ),
    "deals.DealService/ListDeals": row(TEAM_LIST),
    "deals.DealService/ListLostReasons": row(OPEN),
    "deals.DealService/MoveDealToStage": row(TEAM_WRITE, set={"stage_key": "proposal"}),
    "deals.DealService/ReassignDeal": row(TEAM_WRITE),
    "deals.DealService/ReopenDeal": row(TEAM_WRITE),
    "deals.DealService/SetDealLines": row(
        TEAM_WRITE, set={"lines": [{"product_id": "00000000", "quantity": "1"}]}
    ),
    "deals.DealService/SetDealProbability": row(TEAM_WRITE),
    "deals.DealService/SetDealRevenue": row(TEAM_WRITE),
    "deals.DealService/TransferDeal": row(
        TEAM_WRITE, fill={"to_team_id": "team_b"}, note="needs visibility of the deal"
    ),
    "deals.DealService/UpdateDeal": row(TEAM_WRITE, set={"update_mask": "name"}),
    # Exports walk the list calls as the caller: outside team A's circle nothing of it.
    # Duplicates are looked for among the caller's teams only; a merge needs both records
    # visible and changeable (here: the account or contact merged into itself, refused once
    # both are known visible and changeable).
    "deals.DuplicateService/FindAccountDuplicates": row(TEAM_READ),
    "deals.DuplicateService/FindContactDuplicates": row(TEAM_READ),
    "deals.DuplicateService/MergeAccounts": row(
        TEAM_WRITE, fill={"survivor_id": "account", "duplicate_id": "account"}
    ),
    "deals.DuplicateService/MergeContacts": row(
        TEAM_WRITE, fill={"survivor_id": "contact", "duplicate_id": "contact"}
    ),
    "deals.ExportService/ExportAccounts": row(TEAM_LIST, set={"format": "EXPORT_FORMAT_CSV"}),
    "deals.ExportService/ExportActivities": row(
        TEAM_READ,
        set={
            "filter": {"target": {"type": "opportunity", "id": "{deal}"}},
            "format": "EXPORT_FORMAT_CSV",
        },
    ),
    "deals.ExportService/ExportContacts": row(TEAM_LIST, set={"format": "EXPORT_FORMAT_CSV"}),
    "deals.ExportService/ExportDeals": row(TEAM_LIST, set={"format": "EXPORT_FORMAT_CSV"}),
    "deals.ExportService/ExportInvoices": row(TEAM_LIST, set={"format": "EXPORT_FORMAT_CSV"}),
    "deals.ExportService/ExportQuotes": row(
        TEAM_READ,
        set={"filter": {"opportunity_id": "{deal}"}, "format": "EXPORT_FORMAT_CSV"},
    ),
    "deals.InvoiceService/CancelInvoice": row(UNKNOWN_RECORD),
    "deals.InvoiceService/CreateInvoice": row(UNKNOWN_RECORD),
    "deals.InvoiceService/GetInvoice": row(UNKNOWN_RECORD),
    "deals.InvoiceService/IssueInvoice": row(UNKNOWN_RECORD),
    "deals.InvoiceService/ListInvoices": row(TEAM_LIST),
    "deals.InvoiceService/MarkInvoicePaid": row(UNKNOWN_RECORD),
    # A migration stream starts with its header; each row is then checked against the
    # importer's teams (a row of a team the caller is not in is refused, not stored).
    "deals.MigrationService/ImportAccounts": row(profile("ok"), note="rows checked per team"),
    "deals.MigrationService/ImportActivities": row(profile("ok"), note="rows checked per team"),
    "deals.MigrationService/ImportContacts": row(profile("ok"), note="rows checked per team"),
    "deals.MigrationService/ImportDeals": row(profile("ok"), note="rows checked per team"),
    # Personal data: consents follow the contact; exports and erasures need the role.
    "deals.PrivacyService/RecordConsent": row(
        TEAM_WRITE, set={"channel": "email", "granted": True, "source": "web form"}
    ),
    "deals.PrivacyService/ListConsents": row(TEAM_READ),
    "deals.PrivacyService/ExportPersonalData": row(PRIVACY, note="data_protection_officer role"),
    "deals.PrivacyService/RequestErasure": row(PRIVACY, note="data_protection_officer role"),
    "deals.PrivacyService/GetPrivacyRequest": row(PRIVACY, note="data_protection_officer role"),
    "deals.PrivacyService/ListPrivacyRequests": row(PRIVACY, note="data_protection_officer role"),
    # Notifications are personal: everyone lists and counts their own (none in the fixture);
    # marking an id that is not one of the caller's answers as an unknown one.
    "deals.NotificationService/CountUnreadNotifications": row(profile("ok")),
    "deals.NotificationService/ListNotifications": row(profile("ok")),
    "deals.NotificationService/MarkNotificationsRead": row(
        profile("hidden"), set={"ids": ["matrix-notification"]}, note="not the caller's"
    ),
    "deals.InvoicingService/CreateInvoiceFromDeal": row(TEAM_WRITE),
    "deals.InvoicingService/ListDealDocuments": row(TEAM_READ),
    "deals.InvoicingService/RecordPayment": row(UNKNOWN_RECORD),
    "deals.OrderService/CancelOrder": row(UNKNOWN_RECORD),
    "deals.OrderService/CreateOrder": row(TEAM_WRITE),
    "deals.OrderService/GetOrder": row(UNKNOWN_RECORD),
    "deals.PipelineService/CreatePipeline": row(profile("denied", management="ok", admin="ok")),
    "deals.PipelineService/GetPipeline": row(OPEN),
    "deals.PipelineService/ListPipelines": row(OPEN),
    "deals.PipelineService/RevisePipeline": row(profile("denied", management="ok", admin="ok")),
    "deals.ProFormaService/AcceptProForma": row(UNKNOWN_RECORD),
    "deals.ProFormaService/GetProForma": row(UNKNOWN_RECORD),
    "deals.ProFormaService/IssueProForma": row(TEAM_WRITE),
    "deals.ProFormaService/ListProFormas": row(TEAM_READ),
    "deals.ProFormaService/WithdrawProForma": row(UNKNOWN_RECORD),
    "deals.QuoteService/AcceptQuote": row(TEAM_WRITE),
    "deals.QuoteService/ActivateQuote": row(TEAM_WRITE),
    "deals.QuoteService/CreateQuote": row(TEAM_WRITE),
    "deals.QuoteService/GetQuote": row(TEAM_READ),
    "deals.QuoteService/ListQuotes": row(TEAM_READ),
    "deals.QuoteService/PriceQuoteLines": row(
        TEAM_WRITE, set={"lines": [{"product_id": "00000000", "quantity": "1"}]}
    ),
    "deals.QuoteService/RejectQuote": row(TEAM_WRITE),
    "deals.QuoteService/ReviseQuote": row(TEAM_WRITE),
    "deals.QuoteService/WithdrawQuote": row(TEAM_WRITE),
    # A team's tasks: its supervisors and the managers above it; an expert sees only their own.
    "deals.TaskService/ListMyTasks": row(
        profile("hidden", "ok", member="denied", teammate="denied"),
        note="team_id given: a supervisor's view",
    ),
    # The backfill of a new consumer: counts only, no record in the answer.
    "deals.SnapshotService/PublishSnapshots": row(
        profile("denied", management="ok", service_with_role="ok"),
        set={"page": {"page_size": 1}},
        note="services need publish_deal_snapshots",
    ),
    # ------------------------------------------------------------ identity
    "identity.AuthService/GetSigningKeys": row(PUBLIC),
    "identity.AuthService/IssueServiceToken": row(PUBLIC),
    "identity.AuthService/ListSigningKeys": row(ADMIN),
    "identity.AuthService/Login": row(PUBLIC),
    "identity.AuthService/Logout": row(PUBLIC),
    "identity.AuthService/Refresh": row(PUBLIC),
    "identity.AuthService/WhoAmI": row(OPEN),
    "identity.AuthService/WithdrawSigningKey": row(
        ADMIN, admin="reaches", note="an empty kid, never a real one"
    ),
    "identity.UserService/ChangeOwnPassword": row(
        OPEN, service_without_role="denied", service_with_role="denied"
    ),
    "identity.UserService/CreateServiceAccount": row(ADMIN, set={"name": "matrix-account"}),
    "identity.UserService/CreateUser": row(ADMIN),
    "identity.UserService/DeactivateUser": row(ADMIN),
    "identity.UserService/GetUser": row(
        OPEN, service_without_role="denied", service_with_role="ok", note="services need read_users"
    ),
    "identity.UserService/ListDepartments": row(
        OPEN, service_without_role="any", service_with_role="any"
    ),
    "identity.UserService/ListServiceAccounts": row(ADMIN),
    "identity.UserService/ListUsers": row(
        OPEN, service_without_role="denied", service_with_role="ok", note="services need read_users"
    ),
    "identity.UserService/ReactivateUser": row(ADMIN),
    "identity.UserService/ResetPassword": row(ADMIN, fill={"id": "spare_user"}),
    "identity.UserService/SetUserDepartments": row(ADMIN),
    "identity.UserService/UpdateOwnPreferences": row(
        OPEN,
        service_without_role="denied",
        service_with_role="denied",
        note="the caller's own, nobody else's",
    ),
    "identity.UserService/UpdateServiceAccountRoles": row(ADMIN, admin="reaches"),
    "identity.UserService/UpdateUser": row(ADMIN, set={"update_mask": "displayName"}),
    # ------------------------------------------------------------ leads
    "leads.CampaignService/CreateCampaign": row(profile("denied", management="ok")),
    "leads.CampaignService/GetCampaign": row(
        profile(
            "reaches",
            no_department="denied",
            admin="denied",
            service_without_role="denied",
            service_with_role="denied",
        )
    ),
    "leads.CampaignService/ListCampaigns": row(
        profile(
            "ok",
            no_department="denied",
            admin="denied",
            service_without_role="denied",
            service_with_role="denied",
        )
    ),
    "leads.CampaignService/UpdateCampaign": row(profile("denied", management="reaches")),
    "leads.LeadExportService/ExportLeads": row(TEAM_LIST, set={"format": "EXPORT_FORMAT_CSV"}),
    "leads.LeadPrivacyService/ExportPersonalData": row(
        PRIVACY, note="data_protection_officer role"
    ),
    "leads.LeadInteractionService/CompleteLeadTask": row(
        profile("hidden"), note="the fixture holds no interaction"
    ),
    "leads.LeadInteractionService/ListLeadInteractions": row(TEAM_READ),
    "leads.LeadInteractionService/ListMyLeadTasks": row(
        profile("hidden", "ok", member="denied", teammate="denied"),
        note="team_id given: a supervisor's view (as deals' ListMyTasks)",
    ),
    "leads.LeadInteractionService/LogLeadInteraction": row(TEAM_WRITE),
    "leads.LeadService/AssignLead": row(TEAM_WRITE),
    "leads.LeadService/ConvertLead": row(TEAM_WRITE),
    "leads.LeadService/CreateLead": row(
        profile("any", service_without_role="denied", service_with_role="ok"),
        fill={"campaign_id": ""},
        note="services need capture_leads",
    ),
    "leads.LeadService/DisqualifyLead": row(TEAM_WRITE),
    "leads.LeadService/GetLead": row(TEAM_READ),
    "leads.LeadService/GetLeadHistory": row(TEAM_READ),
    "leads.LeadService/ImportLeads": row(
        profile("any", service_without_role="denied", service_with_role="any"),
        note="services need capture_leads",
    ),
    "leads.LeadService/ListLeadActivities": row(TEAM_READ),
    "leads.LeadService/MergeLeads": row(TEAM_WRITE),
    "leads.LeadService/QualifyLead": row(TEAM_WRITE),
    "leads.LeadService/ReactivateLead": row(TEAM_WRITE),
    "leads.LeadService/RecordLeadActivity": row(
        TEAM_WRITE,
        service_without_role="denied",
        service_with_role="ok",
        note="services need record_lead_activity",
    ),
    "leads.LeadService/RetryLeadConversion": row(TEAM_WRITE),
    "leads.LeadService/SearchLeads": row(TEAM_LIST),
    "leads.LeadService/StartWorkingLead": row(TEAM_WRITE),
    "leads.LeadService/UpdateLead": row(TEAM_WRITE, set={"update_mask": "company.industry"}),
    "leads.ScoringService/ExplainLeadScore": row(profile("refused", "ok")),
    "leads.ScoringService/GetScoringModel": row(
        profile(
            "ok",
            no_department="denied",
            admin="denied",
            service_without_role="denied",
            service_with_role="denied",
        )
    ),
    "leads.ScoringService/UpdateScoringModel": row(profile("denied", management="ok")),
    # The backfill of a new consumer: counts only, no record in the answer.
    "leads.SnapshotService/PublishSnapshots": row(
        profile("denied", management="ok", service_with_role="ok"),
        set={"page": {"page_size": 1}},
        note="services need publish_lead_snapshots",
    ),
    # ------------------------------------------------------------ reporting
    "reporting.MarketingReportsService/CampaignRoi": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.MarketingReportsService/Customers": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.MarketingReportsService/LeadSources": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/Dashboard": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/Forecast": row(
        REPORTS, set={**TEAM_A_QUARTER, "bucket": "PERIOD_KIND_MONTH"}
    ),
    "reporting.SalesReportsService/Funnel": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/Leaderboard": row(REPORTS, set={**TEAM_A_QUARTER, "limit": 0}),
    "reporting.SalesReportsService/LostReasons": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/SalesCycle": row(
        REPORTS, set={**TEAM_A_QUARTER, "open_deal_limit": 0}
    ),
    "reporting.SalesReportsService/SalesVelocity": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/TargetsVsActual": row(REPORTS, set=TEAM_A_QUARTER),
    "reporting.SalesReportsService/WinRate": row(REPORTS, set=TEAM_A_QUARTER),
    # ------------------------------------------------------------ territory
    "territory.AccessService/CheckAccess": row(SERVICE_ONLY, note="services need check_access"),
    "territory.AccessService/ListScopes": row(
        SERVICE_ONLY, admin="any", note="services need check_access"
    ),
    "territory.MembershipService/AddMember": row(MEMBERSHIP),
    "territory.MembershipService/CancelAbsence": row(profile("refused", "any")),
    "territory.MembershipService/EndMembership": row(MEMBERSHIP),
    "territory.MembershipService/ListAbsences": row(OPEN),
    "territory.MembershipService/ListMemberships": row(OPEN),
    "territory.MembershipService/ListPeopleNames": row(
        profile("ok", service_without_role="denied", service_with_role="denied"),
        fill={"user_id": "member_user"},
        note="persons only; names of people sharing a scope",
    ),
    "territory.MembershipService/MoveMember": row(MEMBERSHIP, fill={"to_team_id": "team_b"}),
    "territory.MembershipService/PauseMember": row(MEMBERSHIP),
    "territory.MembershipService/RecordAbsence": row(
        MEMBERSHIP, set={"starts_at": "2030-01-01T00:00:00Z", "ends_at": "2030-01-02T00:00:00Z"}
    ),
    "territory.MembershipService/ResumeMember": row(MEMBERSHIP),
    "territory.MembershipService/UpdateMembership": row(
        MEMBERSHIP, set={"update_mask": "dailyCapacity"}
    ),
    "territory.OrgService/AssignUnitManager": row(STRUCTURE, spare=True),
    "territory.OrgService/CreateOrgUnit": row(STRUCTURE),
    "territory.OrgService/DeactivateOrgUnit": row(STRUCTURE, spare=True),
    "territory.OrgService/DeleteOrgUnit": row(STRUCTURE, fill={"id": "unit_y"}),
    "territory.OrgService/GetOrgSettings": row(OPEN),
    "territory.OrgService/GetOrgUnit": row(OPEN),
    "territory.OrgService/ListOrgUnits": row(OPEN),
    "territory.OrgService/MoveOrgUnit": row(STRUCTURE, spare=True),
    "territory.OrgService/RemoveUnitManager": row(STRUCTURE, spare=True),
    "territory.OrgService/RenameOrgUnit": row(STRUCTURE, spare=True),
    "territory.OrgService/SetLevelNames": row(STRUCTURE),
    "territory.OrgService/SetUnassignedQueue": row(STRUCTURE),
    "territory.RoutingService/ChooseOwner": row(SERVICE_ONLY, note="services need choose_owners"),
    "territory.RoutingService/ChooseOwners": row(SERVICE_ONLY, note="services need choose_owners"),
    "territory.RoutingService/GetRoutingDecision": row(
        profile(
            "hidden", "any", manager="ok", service_without_role="refused", service_with_role="ok"
        ),
        note="who may assign the lead; services need route_leads",
    ),
    "territory.RoutingService/ListUnassignedLeads": row(
        profile("any", service_without_role="denied", service_with_role="ok"),
        note="queue team members (others: empty); services need route_leads",
    ),
    "territory.RoutingService/PreviewRoute": row(
        profile("any", service_without_role="denied", service_with_role="denied")
    ),
    "territory.RoutingService/RetryRouting": row(
        profile(
            "refused",
            "refused",
            service_without_role="denied",
            service_with_role="ok",
            manager="any",
        ),
        note="a supervisor+ of the queue team; services need route_leads",
    ),
    "territory.SalesLineService/CreateSalesLine": row(STRUCTURE),
    "territory.SalesLineService/DeactivateSalesLine": row(STRUCTURE, spare=True),
    "territory.SalesLineService/GetSalesLine": row(OPEN),
    "territory.SalesLineService/ListSalesLines": row(OPEN),
    "territory.SalesLineService/ListTargets": row(OPEN),
    "territory.SalesLineService/SetTargets": row(MEMBERSHIP, set={"period": "2030"}),
    "territory.SalesLineService/UpdateSalesLine": row(STRUCTURE, spare=True),
    # The backfill of a new consumer: counts only, no record in the answer.
    "territory.SnapshotService/PublishSnapshots": row(
        profile("denied", admin="ok", service_with_role="ok"),
        set={"page": {"page_size": 1}},
        note="services need publish_territory_snapshots",
    ),
    "territory.TeamService/CreateTeam": row(STRUCTURE),
    "territory.TeamService/DeactivateTeam": row(STRUCTURE, spare=True),
    "territory.TeamService/DeleteTeam": row(STRUCTURE, spare=True),
    "territory.TeamService/GetTeam": row(OPEN),
    "territory.TeamService/ListTeams": row(OPEN),
    "territory.TeamService/MoveTeam": row(STRUCTURE, spare=True),
    "territory.TeamService/RenameTeam": row(STRUCTURE, spare=True),
    "territory.TeamService/SetTeamRouting": row(STRUCTURE, spare=True),
    "territory.TerritoryService/CreateTerritory": row(STRUCTURE),
    "territory.TerritoryService/DeactivateTerritory": row(STRUCTURE, spare=True),
    "territory.TerritoryService/GetTerritory": row(OPEN),
    "territory.TerritoryService/ListRuleAttributes": row(OPEN),
    "territory.TerritoryService/ListRuleVersions": row(OPEN, fill={"id": "territory"}),
    "territory.TerritoryService/ListTerritories": row(OPEN),
    "territory.TerritoryService/SetTerritoryRules": row(STRUCTURE, spare=True),
    "territory.TerritoryService/UpdateTerritory": row(STRUCTURE, spare=True),
}

# ---------------------------------------------------------------- the document
DOC = Path(__file__).resolve().parents[2] / "docs" / "security.md"
BEGIN, END = "<!-- authorisation-matrix:begin -->", "<!-- authorisation-matrix:end -->"
SHORT = {
    "anonymous": "anon",
    "deactivated": "deact",
    "service_without_role": "svc",
    "service_with_role": "svc+role",
    "no_department": "no dept",
    "management": "mgmt",
    "sibling_manager": "sibling mgr",
    "other_team": "team B",
    "admin": "admin",
    "teammate": "teammate",
    "manager": "manager",
    "member": "member",
}


def markdown_table() -> str:
    lines = [
        "| RPC | " + " | ".join(SHORT[c] for c in CALLERS) + " | note |",
        "|---|" + "---|" * (len(CALLERS) + 1),
    ]
    for name in sorted(MATRIX):
        entry = MATRIX[name]
        lines.append(
            f"| `{name}` | " + " | ".join(entry.cells[c] for c in CALLERS) + f" | {entry.note} |"
        )
    return "\n".join(lines)


def rendered_section(document: str) -> str:
    """``document`` with the generated table between the markers."""
    head, _, rest = document.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{markdown_table()}\n{END}{tail}"


if __name__ == "__main__":
    DOC.write_text(rendered_section(DOC.read_text()))
    print(f"wrote the authorisation matrix into {DOC}")
