"""SQLAlchemy repositories of deals' aggregates (accounts, contacts, pipelines, deals,
activities, rules, quotes, orders, invoices) on one session of the unit of work.

``save`` is optimistic: ``UPDATE ... WHERE id = :id AND version = <the version this unit of work
read>``; when no row matches, someone committed a change in between and the save is refused with
FailedPrecondition (PostgreSQL re-checks the WHERE after waiting for the other writer's row
lock, so the later of two concurrent writers is the one refused).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Table, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_deals.adapters import orm, records
from crm_deals.adapters.secret_box import SecretBox
from crm_deals.domain import duplicates
from crm_deals.domain.accounts import Account, Contact
from crm_deals.domain.activities import Activity
from crm_deals.domain.automation import AutomationRule
from crm_deals.domain.billing import ISSUED, PARTLY_PAID, Invoice, Order
from crm_deals.domain.customer_emails import CustomerEmailTemplate
from crm_deals.domain.opportunities import OPEN, Opportunity
from crm_deals.domain.pipelines import Pipeline, PipelineVersion
from crm_deals.domain.quotes import Quote
from crm_deals.domain.tasks import reminder_due
from crm_deals.service_layer.repositories import (
    AccountFilter,
    AccountRepository,
    ActivityRepository,
    AutomationRuleRepository,
    ContactRepository,
    CustomerEmailTemplateRepository,
    DealFilter,
    InvoiceRepository,
    OpportunityRepository,
    OrderRepository,
    Page,
    PageQuery,
    PipelineRepository,
    QuoteRepository,
)

_KEY_SEPARATOR = "|"


def encode_key(at: dt.datetime, record_id: str) -> str:
    return f"{at.isoformat()}{_KEY_SEPARATOR}{record_id}"


def decode_key(key: str) -> tuple[dt.datetime, str]:
    try:
        at, record_id = key.split(_KEY_SEPARATOR, 1)
        return dt.datetime.fromisoformat(at), record_id
    except ValueError:
        raise InvalidArgument(
            "page cursor is not one this service returned", field="page.cursor"
        ) from None


class SqlRecordRepository:
    """get/add/save of one aggregate type kept as columns + JSON document."""

    table: Table
    record_cls: type

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "table" in cls.__dict__:
            # The hot read, built once (building and cache-keying a select costs more than
            # running it; docs/adding-a-service.md, hot read paths).
            cls._get_statement = select(cls.table.c.version, cls.table.c.body).where(
                cls.table.c.id == bindparam("record_id")
            )
            cls._insert_statement = insert(cls.table)

    def __init__(self, session: Session):
        self.session = session
        self._read_versions: dict[str, int] = {}  # version of each record as this uow read it

    def columns(self, record) -> dict:
        """The queryable columns of ``record`` besides id, created_at, version and body."""
        return {}

    def _load(self, row) -> object:
        record = self._from_document(row.body)
        self._read_versions[record.id] = row.version
        return record

    def _from_document(self, body: str):
        return records.loads(self.record_cls, body)

    def _document(self, record) -> str:
        return records.dumps(record)

    def _select(self, *where, order_by=(), limit: int | None = None) -> list:
        stmt = select(self.table.c.version, self.table.c.body).where(*where).order_by(*order_by)
        if limit is not None:
            stmt = stmt.limit(limit)
        return [self._load(row) for row in self.session.execute(stmt)]

    def get(self, record_id: str):
        row = self.session.execute(self._get_statement, {"record_id": record_id}).first()
        return self._load(row) if row is not None else None

    def _having(self, column: str, value) -> list:
        """The records whose ``column`` equals ``value``, oldest first."""
        c = self.table.c
        return self._select(c[column] == value, order_by=(c.created_at, c.id))

    def add(self, record) -> None:
        self.session.execute(
            self._insert_statement,
            dict(
                id=record.id,
                created_at=record.created_at,
                version=record.version,
                body=self._document(record),
                **self.columns(record),
            ),
        )
        self._read_versions[record.id] = record.version

    def save(self, record) -> None:
        expected = self._read_versions.get(record.id)
        if expected is None:
            raise RuntimeError(
                f"save of {record.RECORD_TYPE} {record.id} that this unit of work "
                "did not read or add"
            )
        result = self.session.execute(
            update(self.table)
            .where(self.table.c.id == record.id, self.table.c.version == expected)
            .values(version=record.version, body=self._document(record), **self.columns(record))
        )
        if result.rowcount != 1:
            raise FailedPrecondition(
                f"{record.RECORD_TYPE} {record.id} was changed by someone else meanwhile (it is no "
                f"longer at version {expected}); read it again and repeat your change"
            )
        self._read_versions[record.id] = record.version

    def _page(self, where: list, page: PageQuery) -> Page:
        c = self.table.c
        if page.after_key:
            at, record_id = decode_key(page.after_key)
            where = [*where, or_(c.created_at > at, and_(c.created_at == at, c.id > record_id))]
        items = self._select(*where, order_by=(c.created_at, c.id), limit=page.limit + 1)
        more = len(items) > page.limit
        items = items[: page.limit]
        return Page(items, encode_key(items[-1].created_at, items[-1].id) if more else "")


def _contains(column, text: str):
    """Case-insensitive substring match; LIKE wildcards in the text match literally."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def _matching(repository: SqlRecordRepository, team_ids, keys: dict[str, str]) -> list:
    """Unmerged records of ``team_ids`` sharing a duplicate key (each key column indexed with
    the team)."""
    c = repository.table.c
    shared = [c[f"match_{name}"] == value for name, value in keys.items() if value]
    if not shared or not team_ids:
        return []
    return repository._select(
        c.team_id.in_(sorted(team_ids)),
        c.merged_into_id.is_(None),
        or_(*shared),
        order_by=(c.created_at, c.id),
        limit=50,
    )


class SqlAccountRepository(SqlRecordRepository, AccountRepository):
    table, record_cls = orm.accounts, Account

    def columns(self, a: Account) -> dict:
        return dict(
            team_id=a.team_id,
            owner_user_id=a.owner_user_id,
            relationship=a.relationship,
            name=a.name,
            last_won_at=a.last_won_at,
            parent_account_id=a.parent_account_id or None,
            merged_into_id=a.merged_into_id or None,
            **{f"match_{k}": v or None for k, v in duplicates.account_keys(a).items()},
        )

    def matching(self, team_ids, keys):
        return _matching(self, team_ids, keys)

    def children(self, account_id):
        return self._having("parent_account_id", account_id)

    def list(self, team_ids, filter: AccountFilter, page) -> Page[Account]:
        c = self.table.c
        where = [c.team_id.in_(sorted(team_ids)), c.merged_into_id.is_(None)]
        if filter.relationship:
            where.append(c.relationship == filter.relationship)
        if filter.owner_user_id:
            where.append(c.owner_user_id == filter.owner_user_id)
        if filter.query:
            where.append(_contains(c.name, filter.query))
        return self._page(where, page)

    def customers_last_won_before(self, cutoff, limit):
        c = self.table.c
        return self._select(
            c.relationship == "customer",
            c.last_won_at < cutoff,
            c.merged_into_id.is_(None),  # a merged-away account is read-only
            order_by=(c.last_won_at, c.id),
            limit=limit,
        )

    def every(self, page):
        return self._page([], page)


class SqlContactRepository(SqlRecordRepository, ContactRepository):
    table, record_cls = orm.contacts, Contact

    def columns(self, x: Contact) -> dict:
        return dict(
            team_id=x.team_id,
            account_id=x.account_id,
            full_name=x.full_name,
            merged_into_id=x.merged_into_id or None,
            **{f"match_{k}": v or None for k, v in duplicates.contact_keys(x).items()},
        )

    def matching(self, team_ids, keys):
        return _matching(self, team_ids, keys)

    def for_account(self, account_id):
        return self._having("account_id", account_id)

    def list(self, team_ids, account_id, query, page):
        c = self.table.c
        where = [c.team_id.in_(sorted(team_ids)), c.merged_into_id.is_(None)]
        if account_id:
            where.append(c.account_id == account_id)
        if query:
            where.append(_contains(c.full_name, query))
        return self._page(where, page)


class SqlPipelineRepository(SqlRecordRepository, PipelineRepository):
    table, record_cls = orm.pipelines, Pipeline

    def columns(self, p: Pipeline) -> dict:
        return dict(
            sales_line_id=p.sales_line_id,
            default_for_line=p.sales_line_id if p.line_default else None,
        )

    def get_by_sales_line(self, sales_line_id):
        found = self._select(self.table.c.default_for_line == sales_line_id)
        return found[0] if found else None

    def all(self):
        c = self.table.c
        return self._select(order_by=(c.created_at, c.id))

    def add_version(self, version: PipelineVersion) -> None:
        self.session.execute(
            insert(orm.pipeline_versions).values(
                pipeline_id=version.pipeline_id,
                version=version.version,
                body=records.dumps(version),
            )
        )

    def get_version(self, pipeline_id, version):
        t = orm.pipeline_versions
        body = self.session.execute(
            select(t.c.body).where(t.c.pipeline_id == pipeline_id, t.c.version == version)
        ).scalar()
        return records.loads(PipelineVersion, body) if body is not None else None


class SqlOpportunityRepository(SqlRecordRepository, OpportunityRepository):
    table, record_cls = orm.opportunities, Opportunity

    def columns(self, d: Opportunity) -> dict:
        return dict(
            team_id=d.team_id,
            account_id=d.account_id,
            sales_line_id=d.sales_line_id,
            pipeline_id=d.pipeline_id,
            stage_key=d.stage_key,
            status=d.status,
            owner_user_id=d.owner_user_id,
        )

    def list(self, team_ids, f: DealFilter, page):
        c = self.table.c
        where = [c.team_id.in_(sorted(team_ids))]
        for column, wanted in (
            (c.status, f.status),
            (c.sales_line_id, f.sales_line_id),
            (c.stage_key, f.stage_key),
            (c.owner_user_id, f.owner_user_id),
            (c.account_id, f.account_id),
            (c.team_id, f.team_id),
        ):
            if wanted:
                where.append(column == wanted)
        return self._page(where, page)

    def open_in_pipeline(self, pipeline_id):
        c = self.table.c
        return self._select(
            c.pipeline_id == pipeline_id, c.status == OPEN, order_by=(c.created_at, c.id)
        )

    def open_owned_by(self, team_id, owner_user_id):
        c = self.table.c
        return self._select(
            c.team_id == team_id,
            c.status == OPEN,
            c.owner_user_id == owner_user_id,
            order_by=(c.created_at, c.id),
        )

    def open_count_by_owner(self, team_id):
        c = self.table.c
        rows = self.session.execute(
            select(c.owner_user_id, func.count())
            .where(c.team_id == team_id, c.status == OPEN)
            .group_by(c.owner_user_id)
        )
        return {owner: count for owner, count in rows}

    def for_account(self, account_id):
        return self._having("account_id", account_id)

    def all_open(self, after_key, limit):
        return self._page(
            [self.table.c.status == OPEN], PageQuery(limit=limit, after_key=after_key)
        )

    def every(self, page):
        return self._page([], page)


class SqlActivityRepository(SqlRecordRepository, ActivityRepository):
    table, record_cls = orm.activities, Activity

    def columns(self, a: Activity) -> dict:
        return dict(
            team_id=a.team_id,
            target_type=a.target_type,
            target_id=a.target_id,
            kind=a.kind,
            occurred_at=a.occurred_at,
            owner_user_id=a.owner_user_id,
            due_at=a.due_at,
            done_at=a.done_at,
            reminded_for=a.reminded_for,
        )

    def _on(self, targets):
        c = self.table.c
        return or_(
            *(and_(c.target_type == kind, c.target_id == target_id) for kind, target_id in targets)
        )

    def timeline(self, targets, kinds, page):
        if not targets:
            return Page([], "")
        c = self.table.c
        where = [self._on(targets)]
        if kinds:
            where.append(c.kind.in_(sorted(kinds)))
        if page.after_key:  # newest first: the next page is older, or as old with a larger id
            at, record_id = decode_key(page.after_key)
            where.append(or_(c.occurred_at < at, and_(c.occurred_at == at, c.id > record_id)))
        items = self._select(*where, order_by=(c.occurred_at.desc(), c.id), limit=page.limit + 1)
        more = len(items) > page.limit
        items = items[: page.limit]
        return Page(items, encode_key(items[-1].occurred_at, items[-1].id) if more else "")

    def on_targets(self, targets):
        if not targets:
            return []
        c = self.table.c
        return self._select(self._on(targets), order_by=(c.created_at, c.id))

    def last_activity_at(self, target_type, target_id):
        c = self.table.c
        return self.session.execute(
            select(func.max(c.occurred_at)).where(
                c.target_type == target_type, c.target_id == target_id
            )
        ).scalar()

    def open_tasks(self, team_ids, owner_user_id="", due_before=None):
        if not team_ids:
            return []
        c = self.table.c
        where = [c.kind == "task", c.done_at.is_(None), c.team_id.in_(sorted(team_ids))]
        if owner_user_id:
            where.append(c.owner_user_id == owner_user_id)
        if due_before is not None:
            where.append(c.due_at < due_before)
        return self._select(*where, order_by=(c.due_at, c.id))

    def reminders_due(self, now, lead, limit):
        c = self.table.c
        candidates = self._select(
            c.kind == "task",
            c.done_at.is_(None),
            c.due_at.between(now - lead, now + lead),
            or_(c.reminded_for.is_(None), c.reminded_for != c.due_at),
            order_by=(c.due_at, c.id),
            limit=limit,
        )
        return [a for a in candidates if reminder_due(a, now, lead)]


class SqlCustomerEmailTemplateRepository(SqlRecordRepository, CustomerEmailTemplateRepository):
    table, record_cls = orm.customer_email_templates, CustomerEmailTemplate

    def columns(self, t: CustomerEmailTemplate) -> dict:
        return dict(pipeline_id=t.pipeline_id, stage_key=t.stage_key, language=t.language)

    def for_pipeline(self, pipeline_id, stage_key=""):
        c = self.table.c
        where = [c.pipeline_id == pipeline_id]
        if stage_key:
            where.append(c.stage_key == stage_key)
        return self._select(*where, order_by=(c.stage_key, c.language))


class SqlAutomationRuleRepository(SqlRecordRepository, AutomationRuleRepository):
    """Webhook secrets are sealed in the document when a key is configured (secret_box.py)."""

    table, record_cls = orm.automation_rules, AutomationRule

    def __init__(self, session: Session, secrets: SecretBox | None = None):
        super().__init__(session)
        self.secrets = secrets

    def _document(self, rule: AutomationRule) -> str:
        if self.secrets is None or not rule.webhook_secret:
            return records.dumps(rule)
        return records.dumps(rule, webhook_secret=self.secrets.seal(rule.webhook_secret, rule.id))

    def _from_document(self, body: str) -> AutomationRule:
        rule = records.loads(AutomationRule, body)
        if self.secrets is not None and rule.webhook_secret:
            rule.webhook_secret = self.secrets.open(rule.webhook_secret, rule.id)
        return rule

    def columns(self, rule: AutomationRule) -> dict:
        return dict(pipeline_id=rule.pipeline_id)

    def for_pipeline(self, pipeline_id):
        return self._having("pipeline_id", pipeline_id)


class SqlQuoteRepository(SqlRecordRepository, QuoteRepository):
    table, record_cls = orm.quotes, Quote

    def columns(self, q: Quote) -> dict:
        return dict(team_id=q.team_id, opportunity_id=q.opportunity_id)

    def for_opportunity(self, opportunity_id):
        return self._having("opportunity_id", opportunity_id)


class SqlOrderRepository(SqlRecordRepository, OrderRepository):
    table, record_cls = orm.orders, Order

    def columns(self, o: Order) -> dict:
        return dict(team_id=o.team_id, opportunity_id=o.opportunity_id, quote_id=o.quote_id)

    def for_quote(self, quote_id):
        c = self.table.c
        found = self._select(c.quote_id == quote_id, order_by=(c.created_at, c.id), limit=1)
        return found[0] if found else None

    def for_opportunity(self, opportunity_id):
        return self._having("opportunity_id", opportunity_id)


class SqlInvoiceRepository(SqlRecordRepository, InvoiceRepository):
    table, record_cls = orm.invoices, Invoice

    def columns(self, i: Invoice) -> dict:
        return dict(
            team_id=i.team_id,
            opportunity_id=i.opportunity_id,
            order_id=i.order_id,
            number=i.number or None,
            status=i.status,
            partly_paid=i.is_partly_paid,
        )

    def for_order(self, order_id):
        return self._having("order_id", order_id)

    def list(self, team_ids, opportunity_id, page, status=""):
        c = self.table.c
        where = [c.team_id.in_(sorted(team_ids))]
        if opportunity_id:
            where.append(c.opportunity_id == opportunity_id)
        if status == PARTLY_PAID:  # issued, with payments short of the total
            where += [c.status == ISSUED, c.partly_paid.is_(True)]
        elif status:
            where.append(c.status == status)
        return self._page(where, page)

    def for_opportunity(self, opportunity_id):
        return self._having("opportunity_id", opportunity_id)
