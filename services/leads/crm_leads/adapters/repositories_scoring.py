"""SQLAlchemy repositories of campaigns, scoring models and the predictive model's counts."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crm_chassis.errors import FailedPrecondition
from crm_leads.adapters import orm
from crm_leads.adapters.json_documents import from_json, to_json
from crm_leads.domain.campaign import Campaign
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.scoring.rules import ScoringModel
from crm_leads.domain.values import Channel, Money
from crm_leads.service_layer import repositories

C, S = orm.campaigns, orm.scoring_models
PM, PC, LO = orm.predictive_models, orm.predictive_counts, orm.lead_outcomes


def _campaign(row) -> Campaign:
    return Campaign(
        row.id,
        row.name,
        Channel(row.channel),
        dt.date.fromisoformat(row.starts_on),
        dt.date.fromisoformat(row.ends_on) if row.ends_on else None,
        Money(Decimal(row.cost_amount), row.cost_currency),
        row.created_at,
        row.updated_at,
        row.version,
    )


class SqlCampaignRepository(repositories.CampaignRepository):
    def __init__(self, session: Session):
        self.session = session

    def get(self, campaign_id: str) -> Campaign | None:
        row = self.session.execute(select(C).where(C.c.id == campaign_id)).first()
        return _campaign(row) if row else None

    def get_by_name(self, name: str) -> Campaign | None:
        row = self.session.execute(select(C).where(C.c.name_key == name.lower())).first()
        return _campaign(row) if row else None

    def save(self, campaign: Campaign) -> None:
        values = dict(
            name=campaign.name,
            name_key=campaign.name.lower(),
            channel=campaign.channel.value,
            starts_on=campaign.starts_on.isoformat(),
            ends_on=campaign.ends_on.isoformat() if campaign.ends_on else None,
            cost_amount=str(campaign.cost.amount),
            cost_currency=campaign.cost.currency,
            created_at=campaign.created_at,
            updated_at=campaign.updated_at,
            version=campaign.version,
        )
        changed = self.session.execute(update(C).where(C.c.id == campaign.id).values(**values))
        if changed.rowcount == 0:
            self.session.execute(insert(C).values(id=campaign.id, **values))

    def list(self, after_name: str, limit: int, channel=None) -> list[Campaign]:
        statement = select(C).where(C.c.name_key > after_name)
        if channel is not None:
            statement = statement.where(C.c.channel == channel.value)
        statement = statement.order_by(C.c.name_key).limit(limit)
        return [_campaign(row) for row in self.session.execute(statement)]


class SqlScoringModelRepository(repositories.ScoringModelRepository):
    """Remembers each line's model for the unit of work: a batch of leads of one line (applying
    a bulk import's routing decisions rescores every lead) reads and parses it once."""

    def __init__(self, session: Session):
        self.session = session
        self._read: dict[str, ScoringModel | None] = {}

    def get(self, sales_line_id: str) -> ScoringModel | None:
        if sales_line_id in self._read:
            return self._read[sales_line_id]
        row = self.session.execute(
            select(S.c.document).where(S.c.sales_line_id == sales_line_id)
        ).first()
        model = self._read[sales_line_id] = from_json(ScoringModel, row.document) if row else None
        return model

    def save(self, model: ScoringModel) -> None:
        self._read.pop(model.sales_line_id, None)  # read again (and re-parsed) after a change
        values = dict(version=model.version, updated_at=model.updated_at, document=to_json(model))
        # Optimistic: the stored version must be the one the change started from, so of two
        # concurrent saves of one line the second is refused rather than silently lost.
        changed = self.session.execute(
            update(S)
            .where(S.c.sales_line_id == model.sales_line_id, S.c.version == model.version - 1)
            .values(**values)
        )
        if changed.rowcount:
            return
        exists = self.session.execute(
            select(S.c.version).where(S.c.sales_line_id == model.sales_line_id)
        ).first()
        if exists is not None:
            raise FailedPrecondition(
                f"the scoring model of sales line {model.sales_line_id} was changed meanwhile "
                f"(it is at version {exists.version}); reload it and apply your change again",
                field="expected_version",
            )
        self.session.execute(insert(S).values(sales_line_id=model.sales_line_id, **values))

    def sales_line_ids(self) -> list[str]:
        return list(
            self.session.execute(select(S.c.sales_line_id).order_by(S.c.sales_line_id)).scalars()
        )


class SqlPredictiveRepository(repositories.PredictiveRepository):
    """Saves a model as the increments since it was read: concurrent outcomes of one line add
    up instead of overwriting each other."""

    def __init__(self, session: Session):
        self.session = session
        self._read: dict[str, tuple[int, int, dict[str, tuple[int, int]]]] = {}
        self._models: dict[str, PredictiveModel] = {}
        dialect = session.get_bind().dialect.name
        self._insert = functools.partial(pg_insert if dialect == "postgresql" else sqlite_insert)

    def get(self, sales_line_id: str) -> PredictiveModel:
        # Once per line and unit of work (see SqlScoringModelRepository); the model handed out
        # is the one save() takes the increments of.
        known = self._models.get(sales_line_id)
        if known is not None:
            return known
        head = self.session.execute(
            select(PM.c.won, PM.c.lost).where(PM.c.sales_line_id == sales_line_id)
        ).first()
        # No head row: the line learned nothing (its counts are written with it), so the
        # common case of scoring on a young line costs one query, not two.
        counts = (
            {}
            if head is None
            else {
                row.feature_value: [row.won, row.lost]
                for row in self.session.execute(
                    select(PC.c.feature_value, PC.c.won, PC.c.lost).where(
                        PC.c.sales_line_id == sales_line_id
                    )
                )
            }
        )
        model = PredictiveModel(
            sales_line_id, head.won if head else 0, head.lost if head else 0, counts
        )
        self._remember(model)
        return model

    def _remember(self, model: PredictiveModel) -> None:
        self._models[model.sales_line_id] = model
        self._read[model.sales_line_id] = (
            model.won,
            model.lost,
            {key: tuple(value) for key, value in model.counts.items()},
        )

    def _add(self, table, keys: dict, won: int, lost: int) -> None:
        statement = self._insert(table).values(**keys, won=won, lost=lost)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={"won": table.c.won + won, "lost": table.c.lost + lost}
        )
        self.session.execute(statement)

    def save(self, model: PredictiveModel) -> None:
        won0, lost0, counts0 = self._read.get(model.sales_line_id, (0, 0, {}))
        line = model.sales_line_id
        if (model.won - won0, model.lost - lost0) != (0, 0):
            self._add(PM, {"sales_line_id": line}, model.won - won0, model.lost - lost0)
        for key in sorted(set(counts0) | set(model.counts)):
            before, after = counts0.get(key, (0, 0)), model.counts.get(key, [0, 0])
            delta = (after[0] - before[0], after[1] - before[1])
            if delta != (0, 0):
                self._add(PC, {"sales_line_id": line, "feature_value": key}, *delta)
        self.session.execute(
            delete(PC).where(PC.c.sales_line_id == line, PC.c.won <= 0, PC.c.lost <= 0)
        )
        self._remember(model)

    def outcome_of(self, lead_id: str) -> tuple[str, dict[str, str], bool] | None:
        row = self.session.execute(select(LO).where(LO.c.lead_id == lead_id)).first()
        return (row.sales_line_id, dict(row.features), row.won) if row else None

    def set_outcome(
        self, lead_id: str, sales_line_id: str, features: dict[str, str], won: bool
    ) -> None:
        values = dict(sales_line_id=sales_line_id, features=dict(features), won=won)
        changed = self.session.execute(update(LO).where(LO.c.lead_id == lead_id).values(**values))
        if changed.rowcount == 0:
            self.session.execute(insert(LO).values(lead_id=lead_id, **values))

    def clear_outcome(self, lead_id: str) -> None:
        self.session.execute(delete(LO).where(LO.c.lead_id == lead_id))
