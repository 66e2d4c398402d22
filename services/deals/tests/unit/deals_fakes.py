"""In-memory unit of work and repositories for the unit tests (ports: deals_fake_ports.py).

The fake unit of work is transactional like the real one: the state is copied when a block
starts and restored on rollback, so a use case that fails half-way leaves nothing behind, and an
invoice number taken by a rolled-back transaction is given back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace

from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_deals.domain import duplicates
from crm_deals.domain.tasks import reminder_due
from crm_deals.service_layer import repositories
from crm_deals.service_layer.unit_of_work import DealsUnitOfWork


@dataclass
class State:
    records: dict[str, dict[str, object]] = field(default_factory=dict)
    history: list = field(default_factory=list)
    firings: set = field(default_factory=set)
    sequences: dict[int, int] = field(default_factory=dict)
    conversions: dict = field(default_factory=dict)

    def table(self, name: str) -> dict:
        return self.records.setdefault(name, {})


def _page(
    items: list, page: repositories.PageQuery, key=lambda x: (x.created_at, x.id)
) -> repositories.Page:
    items = sorted(items, key=key)
    if page.after_key:
        items = [i for i in items if "|".join(map(str, key(i))) > page.after_key]
    chunk = items[: page.limit]
    next_key = "|".join(map(str, key(chunk[-1]))) if len(items) > page.limit else ""
    return repositories.Page(chunk, next_key)


class _Repo:
    name = ""

    def __init__(self, uow: FakeUnitOfWork):
        self.uow = uow

    @property
    def rows(self) -> dict:
        return self.uow.state.table(self.name)

    def get(self, record_id):
        return self.rows.get(record_id)

    def add(self, record):
        assert record.id not in self.rows, f"duplicate id {record.id}"
        self.rows[record.id] = record

    def save(self, record):
        assert record.id in self.rows, f"save of unknown {record.id}"
        self.rows[record.id] = record


class Accounts(_Repo, repositories.AccountRepository):
    name = "accounts"

    def children(self, account_id):
        return sorted(
            (a for a in self.rows.values() if a.parent_account_id == account_id),
            key=lambda a: (a.created_at, a.id),
        )

    def list(self, team_ids, filter, page):
        items = [
            a
            for a in self.rows.values()
            if a.team_id in team_ids
            and not a.merged_into_id
            and (not filter.relationship or a.relationship == filter.relationship)
            and (not filter.owner_user_id or a.owner_user_id == filter.owner_user_id)
            and filter.query.lower() in a.name.lower()
        ]
        return _page(items, page)

    def customers_last_won_before(self, cutoff, limit):
        return [
            a
            for a in self.rows.values()
            if a.relationship == "customer"
            and a.last_won_at
            and a.last_won_at < cutoff
            and not a.merged_into_id
        ][:limit]

    def every(self, page):
        return _page(list(self.rows.values()), page)

    def matching(self, team_ids, keys):
        return _matching(self.rows.values(), team_ids, keys, duplicates.account_keys)


def _matching(records, team_ids, keys, keys_of):
    wanted = {(name, value) for name, value in keys.items() if value}
    return sorted(
        (
            r
            for r in records
            if r.team_id in team_ids and not r.merged_into_id and wanted & set(keys_of(r).items())
        ),
        key=lambda r: (r.created_at, r.id),
    )


class Contacts(_Repo, repositories.ContactRepository):
    name = "contacts"

    def for_account(self, account_id):
        return [c for c in self.rows.values() if c.account_id == account_id]

    def list(self, team_ids, account_id, query, page):
        return _page(
            [
                c
                for c in self.rows.values()
                if c.team_id in team_ids
                and not c.merged_into_id
                and (not account_id or c.account_id == account_id)
                and query.lower() in c.full_name.lower()
            ],
            page,
        )

    def matching(self, team_ids, keys):
        return _matching(self.rows.values(), team_ids, keys, duplicates.contact_keys)


class Pipelines(_Repo, repositories.PipelineRepository):
    name = "pipelines"

    def get_by_sales_line(self, sales_line_id):
        return next(
            (p for p in self.rows.values() if p.sales_line_id == sales_line_id and p.line_default),
            None,
        )

    def all(self):
        return list(self.rows.values())

    def add_version(self, version):
        versions = self.uow.state.table("pipeline_versions")
        assert (version.pipeline_id, version.version) not in versions
        versions[(version.pipeline_id, version.version)] = version

    def get_version(self, pipeline_id, version):
        return self.uow.state.table("pipeline_versions").get((pipeline_id, version))


class SalesLines(_Repo, repositories.SalesLineRepository):
    name = "sales_lines"

    def put(self, line):
        self.rows[line.id] = line


class TerritoryPipelines(_Repo, repositories.TerritoryPipelineRepository):
    name = "territory_pipelines"

    def put(self, territory):
        stored = self.rows.get(territory.territory_id)
        if stored is None or stored.version < territory.version:
            self.rows[territory.territory_id] = territory

    def for_line_and_team(self, sales_line_id, team_id):
        return sorted(
            (
                t
                for t in self.rows.values()
                if (t.sales_line_id, t.team_id) == (sales_line_id, team_id)
            ),
            key=lambda t: t.territory_id,
        )


class Opportunities(_Repo, repositories.OpportunityRepository):
    name = "opportunities"

    def list(self, team_ids, f, page):
        return _page(
            [
                d
                for d in self.rows.values()
                if d.team_id in team_ids
                and all(
                    not want or getattr(d, attr) == want
                    for attr, want in (
                        ("status", f.status),
                        ("sales_line_id", f.sales_line_id),
                        ("stage_key", f.stage_key),
                        ("owner_user_id", f.owner_user_id),
                        ("account_id", f.account_id),
                        ("team_id", f.team_id),
                    )
                )
            ],
            page,
        )

    def open_in_pipeline(self, pipeline_id):
        return [d for d in self.rows.values() if d.pipeline_id == pipeline_id and d.is_open]

    def open_owned_by(self, team_id, owner_user_id):
        return [
            d
            for d in self.rows.values()
            if d.team_id == team_id and d.is_open and d.owner_user_id == owner_user_id
        ]

    def open_count_by_owner(self, team_id):
        counts: dict[str, int] = {}
        for d in self.rows.values():
            if d.team_id == team_id and d.is_open:
                counts[d.owner_user_id] = counts.get(d.owner_user_id, 0) + 1
        return counts

    def for_account(self, account_id):
        return [d for d in self.rows.values() if d.account_id == account_id]

    def all_open(self, after_key, limit):
        return _page(
            [d for d in self.rows.values() if d.is_open],
            repositories.PageQuery(limit=limit, after_key=after_key),
        )

    def every(self, page):
        return _page(list(self.rows.values()), page)


class Activities(_Repo, repositories.ActivityRepository):
    name = "activities"

    def timeline(self, targets, kinds, page):
        wanted = set(targets)
        items = [
            a
            for a in self.rows.values()
            if (a.target_type, a.target_id) in wanted and (not kinds or a.kind in kinds)
        ]
        return _page(items, page, key=lambda a: (-a.occurred_at.timestamp(), a.id))

    def on_targets(self, targets):
        wanted = set(targets)
        return [a for a in self.rows.values() if (a.target_type, a.target_id) in wanted]

    def last_activity_at(self, target_type, target_id):
        times = [
            a.occurred_at
            for a in self.rows.values()
            if (a.target_type, a.target_id) == (target_type, target_id)
        ]
        return max(times) if times else None

    def open_tasks(self, team_ids, owner_user_id="", due_before=None):
        items = [
            a
            for a in self.rows.values()
            if a.is_task
            and a.done_at is None
            and a.team_id in team_ids
            and (not owner_user_id or a.owner_user_id == owner_user_id)
            and (due_before is None or a.due_at < due_before)
        ]
        return sorted(items, key=lambda a: (a.due_at, a.id))

    def reminders_due(self, now, lead, limit):
        items = [a for a in self.rows.values() if reminder_due(a, now, lead)]
        return sorted(items, key=lambda a: (a.due_at, a.id))[:limit]


class Notifications(repositories.NotificationRepository):
    """Rows by (id, user), as the worker's delivery writes them (tests add them directly)."""

    def __init__(self, uow: FakeUnitOfWork):
        self.uow = uow

    @property
    def rows(self) -> dict:
        return self.uow.state.table("notifications")

    def for_user(self, user_id, *, unread_only, before, limit):
        items = sorted(
            (
                n
                for n in self.rows.values()
                if n.user_id == user_id
                and (not unread_only or n.unread)
                and (before is None or (n.created_at, n.id) < before)
            ),
            key=lambda n: (n.created_at, n.id),
            reverse=True,
        )
        return items[:limit]

    def unread_of(self, user_id):
        return [n for n in self.rows.values() if n.user_id == user_id and n.unread]

    def mark_read(self, user_id, ids, at):
        found = []
        for key in ids:
            row = self.rows.get((key, user_id))
            if row is not None:
                found.append(key)
                if row.unread:
                    self.rows[key, user_id] = replace(row, read_at=at)
        return found


class Rules(_Repo, repositories.AutomationRuleRepository):
    name = "rules"

    def for_pipeline(self, pipeline_id):
        return [x for x in self.rows.values() if x.pipeline_id == pipeline_id]


class Firings(repositories.AutomationFiringRepository):
    def __init__(self, uow):
        self.uow = uow

    def claim(self, key, at):
        if key in self.uow.state.firings:
            return False
        self.uow.state.firings.add(key)
        return True


class Deliveries(_Repo, repositories.DeliveryRepository):
    name = "deliveries"

    def due(self, now, limit):
        return [d for d in self.rows.values() if d.due(now)][:limit]

    def for_rule(self, rule_id):
        return sorted(
            (d for d in self.rows.values() if d.rule_id == rule_id),
            key=lambda d: d.created_at,
            reverse=True,
        )

    def for_deal(self, deal_id, kind):
        return sorted(
            (d for d in self.rows.values() if d.deal_id == deal_id and d.kind == kind),
            key=lambda d: d.created_at,
            reverse=True,
        )

    def by_message_id(self, message_id):
        return next((d for d in self.rows.values() if d.message_id == message_id), None)


class BouncedAddresses(_Repo, repositories.BouncedAddressRepository):
    name = "bounced_addresses"

    def put(self, bounced):
        self.rows[bounced.address] = bounced

    def remove(self, address):
        return self.rows.pop(address, None) is not None

    def all(self):
        return sorted(self.rows.values(), key=lambda b: (b.bounced_at, b.address), reverse=True)


class CustomerEmailTemplates(_Repo, repositories.CustomerEmailTemplateRepository):
    name = "customer_email_templates"

    def for_pipeline(self, pipeline_id, stage_key=""):
        return sorted(
            (
                t
                for t in self.rows.values()
                if t.pipeline_id == pipeline_id and (not stage_key or t.stage_key == stage_key)
            ),
            key=lambda t: (t.stage_key, t.language),
        )


class Quotes(_Repo, repositories.QuoteRepository):
    name = "quotes"

    def for_opportunity(self, opportunity_id):
        return [q for q in self.rows.values() if q.opportunity_id == opportunity_id]


class Orders(_Repo, repositories.OrderRepository):
    name = "orders"

    def for_quote(self, quote_id):
        return next((o for o in self.rows.values() if o.quote_id == quote_id), None)

    def for_opportunity(self, opportunity_id):
        return [o for o in self.rows.values() if o.opportunity_id == opportunity_id]


class Invoices(_Repo, repositories.InvoiceRepository):
    name = "invoices"

    def for_order(self, order_id):
        return [i for i in self.rows.values() if i.order_id == order_id]

    def for_opportunity(self, opportunity_id):
        return [i for i in self.rows.values() if i.opportunity_id == opportunity_id]

    def list(self, team_ids, opportunity_id, page, status=""):
        return _page(
            [
                i
                for i in self.rows.values()
                if i.team_id in team_ids
                and (not opportunity_id or i.opportunity_id == opportunity_id)
                and (
                    not status
                    or i.status == status
                    or (status == "partly_paid" and i.is_partly_paid)
                )
            ],
            page,
        )


class Sequence(repositories.InvoiceNumberSequence):
    def __init__(self, uow):
        self.uow = uow

    def next(self, year):
        value = self.uow.state.sequences.get(year, 0) + 1
        self.uow.state.sequences[year] = value
        return value


class History(repositories.HistoryRepository):
    def __init__(self, uow):
        self.uow = uow

    def append(self, entries):
        self.uow.state.history.extend(entries)

    def for_record(self, record_type, record_id, page, merged_ids=()):
        ids = {record_id, *merged_ids}
        items = [
            e for e in self.uow.state.history if e.record_type == record_type and e.record_id in ids
        ]
        return repositories.Page(items[: page.limit], "")


class Conversions(repositories.ConversionRepository):
    def __init__(self, uow):
        self.uow = uow

    def get(self, conversion_id):
        return self.uow.state.conversions.get(conversion_id)

    def add(self, record):
        self.uow.state.conversions[record.conversion_id] = record


class Contracts(_Repo, repositories.ContractRepository):
    name = "contracts"

    def for_opportunity(self, opportunity_id):
        return sorted(
            (c for c in self.rows.values() if c.opportunity_id == opportunity_id),
            key=lambda c: (c.created_at, c.id),
        )

    def renewals_due(self, today, limit):
        due = [
            c
            for c in self.rows.values()
            if c.status == "signed" and not c.renewal_opportunity_id and c.renewal_due_on <= today
        ]
        return sorted(due, key=lambda c: (c.renewal_due_on, c.id))[:limit]


class ProFormas(_Repo, repositories.ProFormaRepository):
    name = "proformas"

    def for_opportunity(self, opportunity_id):
        return sorted(
            (p for p in self.rows.values() if p.opportunity_id == opportunity_id),
            key=lambda p: (p.created_at, p.id),
        )


class FakeUnitOfWork(FakeUnitOfWorkBase, DealsUnitOfWork):
    def __init__(self):
        super().__init__()
        self.state = State()
        self._committed_state = copy.deepcopy(self.state)
        self.accounts, self.contacts = Accounts(self), Contacts(self)
        self.pipelines, self.opportunities = Pipelines(self), Opportunities(self)
        self.activities, self.automation_rules = Activities(self), Rules(self)
        self.automation_firings, self.quotes = Firings(self), Quotes(self)
        self.orders, self.invoices = Orders(self), Invoices(self)
        self.invoice_numbers, self.history = Sequence(self), History(self)
        self.conversions, self.deliveries = Conversions(self), Deliveries(self)
        self.sales_lines = SalesLines(self)
        self.territory_pipelines = TerritoryPipelines(self)
        self.import_keys = ImportKeys(self)
        self.notifications = Notifications(self)
        self.customer_email_templates = CustomerEmailTemplates(self)
        self.bounced_addresses = BouncedAddresses(self)
        self.contracts, self.proformas = Contracts(self), ProFormas(self)
        self.privacy_requests, self.consents = PrivacyRequests(self), Consents(self)
        self.personal_data = PersonalData(self)

    def __enter__(self):
        self._committed_state = copy.deepcopy(self.state)
        return self

    def commit(self):
        super().commit()
        self._committed_state = copy.deepcopy(self.state)

    def rollback(self):
        super().rollback()
        self.state = copy.deepcopy(self._committed_state)

    def events(self, event_type: str) -> list:
        return [m for t, m in self.emitted if t == event_type]


class ImportKeys(repositories.ImportKeyRepository):
    def __init__(self, uow):
        self.uow = uow

    @property
    def rows(self) -> dict:
        return self.uow.state.table("import_keys")

    def find(self, kind, external_ids):
        return {e: self.rows[(kind, e)] for e in external_ids if (kind, e) in self.rows}

    def add(self, kind, external_id, record_id, at):
        assert (kind, external_id) not in self.rows, "import key added twice"
        self.rows[(kind, external_id)] = record_id


class PrivacyRequests(_Repo, repositories.PrivacyRequestRepository):
    name = "privacy_requests"

    def recent(self, limit):
        return sorted(self.rows.values(), key=lambda r: (r.requested_at, r.id), reverse=True)[
            :limit
        ]


class Consents(repositories.ConsentRepository):
    def __init__(self, uow):
        self.uow = uow

    @property
    def rows(self) -> list:
        return self.uow.state.records.setdefault("consents", [])  # type: ignore[return-value]

    def add(self, record):
        self.rows.append(record)

    def for_contact(self, contact_id):
        return [r for r in self.rows if r.contact_id == contact_id]

    def delete_for_contact(self, contact_id):
        kept = [r for r in self.rows if r.contact_id != contact_id]
        removed = len(self.rows) - len(kept)
        self.uow.state.records["consents"] = kept  # type: ignore[assignment]
        return removed


class PersonalData(repositories.PersonalDataRepository):
    """Scans of the fake tables; customer e-mails are the committed commands (the fake keeps no
    delivery commands). Tombstoning in the fake counts what the SQL repository would change."""

    def __init__(self, uow):
        self.uow = uow

    def contacts_with_email(self, email):
        found = self.uow.state.table("contacts").values()
        return sorted(
            (c for c in found if c.email.lower() == email), key=lambda c: (c.created_at, c.id)
        )

    def activities_mentioning(self, values):
        found = self.uow.state.table("activities").values()
        return [a for a in found if any(v in f"{a.subject} {a.body}".lower() for v in values)]

    def _emails(self, email):
        return [m for m in self.uow.events("customer_email_requested") if m.to_address == email]

    def customer_emails_to(self, email):
        return [
            {"id": m.cause.idempotency_key, "to_address": m.to_address, "subject": m.subject}
            for m in self._emails(email)
        ]

    def tombstone(self, person, record_ids, email):
        tombstoned = self.uow.state.records.setdefault("tombstoned", {})
        tombstoned[email] = person  # type: ignore[index]
        return {"customer_emails": len(self._emails(email))}

    def tombstone_request(self, request_id):
        self.uow.state.records.setdefault("tombstoned_requests", {})[request_id] = True  # type: ignore[index]
        return 1
