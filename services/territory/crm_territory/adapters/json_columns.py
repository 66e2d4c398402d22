"""JSON text of the domain values kept in single columns: rule sets, ledgers, lead facts, owner
choices and the detail of routing decisions. Decimals travel as strings (exact), datetimes as
ISO 8601 with their offset."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import orjson

from crm_territory.domain.assignment import (
    CandidateNote,
    MemberLoad,
    OwnerChoice,
    SkipReason,
    TeamLedger,
)
from crm_territory.domain.leads import LeadFacts
from crm_territory.domain.routing import RuleMatch
from crm_territory.domain.rules import Condition, Rule, ValueRange
from crm_territory.domain.teams import RoutingStrategy
from crm_territory.domain.territories import Territory
from crm_territory.domain.values import Money


def dumps(value) -> str:
    # orjson: a decision's detail is written per routed lead (~4x faster than json.dumps here).
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _undec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


# ------------------------------------------------------------------ rules
def rule_to_dict(rule: Rule) -> dict:
    return {
        "id": rule.id,
        "name": rule.name,
        "conditions": [
            {
                "attribute": c.attribute,
                "values": sorted(c.values),
                "ranges": [[_dec(r.minimum), _dec(r.maximum)] for r in c.ranges],
                "currency": c.currency,
            }
            for c in rule.conditions
        ],
    }


# A decision's detail repeats its matched rule: its dict is built once per (immutable, shared)
# rule object, keyed by identity; the entry holds the rule, and the dict is only serialised.
_RULE_DICTS: dict[int, tuple[Rule, dict]] = {}
_RULE_DICTS_MAX = 4096


def _shared_rule_dict(rule: Rule) -> dict:
    cached = _RULE_DICTS.get(id(rule))
    if cached is None or cached[0] is not rule:
        if len(_RULE_DICTS) >= _RULE_DICTS_MAX:
            _RULE_DICTS.clear()
        cached = _RULE_DICTS[id(rule)] = (rule, rule_to_dict(rule))
    return cached[1]


def rule_from_dict(data: dict) -> Rule:
    return Rule(
        data["id"],
        data["name"],
        tuple(
            Condition(
                c["attribute"],
                frozenset(c["values"]),
                tuple(ValueRange(_undec(lo), _undec(hi)) for lo, hi in c["ranges"]),
                c["currency"],
            )
            for c in data["conditions"]
        ),
    )


def rules_to_text(rules) -> str:
    return dumps([rule_to_dict(r) for r in rules])


def rules_from_text(text: str) -> tuple[Rule, ...]:
    return tuple(rule_from_dict(d) for d in json.loads(text))


# ------------------------------------------------------------------ ledgers
def ledger_members_to_text(ledger: TeamLedger) -> str:
    return dumps(
        {
            uid: [
                m.queue_key,
                m.enrolled,
                m.day.isoformat() if m.day else None,
                m.assigned_on_day,
                m.open_items,
                m.total_assigned,
            ]
            for uid, m in ledger.members.items()
        }
    )


def ledger_from_row(team_id: str, seq: int, members: str) -> TeamLedger:
    loads = {}
    for uid, (key, enrolled, day, on_day, open_items, total) in json.loads(members).items():
        loads[uid] = MemberLoad(
            uid,
            key,
            enrolled,
            dt.date.fromisoformat(day) if day else None,
            on_day,
            open_items,
            total,
        )
    return TeamLedger(team_id, seq, loads)


# ------------------------------------------------------------------ leads
def lead_to_dict(lead: LeadFacts) -> dict:
    revenue = lead.annual_revenue
    return {
        "lead_id": lead.lead_id,
        "country": lead.country,
        "region": lead.region,
        "city": lead.city,
        "postal_code": lead.postal_code,
        "industry": lead.industry,
        "company_size": lead.company_size,
        "annual_revenue": [str(revenue.amount), revenue.currency] if revenue else None,
        "product_interests": list(lead.product_interests),
        "lead_source": lead.lead_source,
        "campaign": lead.campaign,
        "sales_line_id": lead.sales_line_id,
        "created_at": lead.created_at.isoformat() if lead.created_at else None,
        "version": lead.version,
    }


def lead_from_dict(data: dict) -> LeadFacts:
    revenue = data["annual_revenue"]
    created = data["created_at"]
    return LeadFacts(
        data["lead_id"],
        country=data["country"],
        region=data["region"],
        city=data["city"],
        postal_code=data["postal_code"],
        industry=data["industry"],
        company_size=data["company_size"],
        annual_revenue=Money(Decimal(revenue[0]), revenue[1]) if revenue else None,
        product_interests=tuple(data["product_interests"]),
        lead_source=data["lead_source"],
        campaign=data["campaign"],
        sales_line_id=data["sales_line_id"],
        created_at=dt.datetime.fromisoformat(created) if created else None,
        version=data.get("version", 0),
    )  # decisions stored before it was kept: unknown


# ------------------------------------------------------------------ owner choices
def choice_to_dict(choice: OwnerChoice) -> dict:
    return {
        "strategy": choice.strategy.value,
        "owner": choice.owner_user_id,
        "reason": choice.reason,
        "notes": [
            [
                n.user_id,
                n.skip_reason.value if n.skip_reason else None,
                n.queue_key,
                n.open_items,
                n.assigned_today,
                n.daily_capacity,
            ]
            for n in choice.notes
        ],
    }


def choice_from_dict(data: dict) -> OwnerChoice:
    return OwnerChoice(
        RoutingStrategy(data["strategy"]),
        data["owner"],
        data["reason"],
        tuple(
            CandidateNote(uid, SkipReason(skip) if skip else None, key, open_items, today, capacity)
            for uid, skip, key, open_items, today, capacity in data["notes"]
        ),
    )


# ------------------------------------------------------------------ decision detail
def match_to_dict(match: RuleMatch) -> dict:
    t = match.territory
    # The territory as it was when the decision was taken (its name may change later).
    return {
        "territory": [t.id, t.name, t.sales_line_id, t.team_id, t.priority],
        "rule": _shared_rule_dict(match.rule),
        "position": match.position,
        "rules_version": match.rules_version,
    }


def match_from_dict(data: dict) -> RuleMatch:
    tid, name, line_id, team_id, priority = data["territory"]
    return RuleMatch(
        Territory(tid, name, line_id, team_id, priority),
        rule_from_dict(data["rule"]),
        data["position"],
        data["rules_version"],
    )
