"""Territories: a sales line bound to a team, with an ordered, versioned list of routing rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_territory.domain.rule_checks import check_ruleset
from crm_territory.domain.rules import Rule


@dataclass(frozen=True)
class RuleSetVersion:
    """One published version of a territory's rules, kept for audit and for explanations."""

    version: int
    rules: tuple[Rule, ...]
    changed_at: dt.datetime
    changed_by: str
    comment: str = ""


@dataclass
class Territory:
    """Territories are tried by ascending ``priority``; within one, rules in their order."""

    id: str
    name: str
    sales_line_id: str
    team_id: str
    priority: int
    history: list[RuleSetVersion] = field(default_factory=list)
    active: bool = True
    version: int = 1
    # The deals pipeline (id) of the line this territory's deals go into; "" = the line's.
    pipeline_id: str = ""

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self.history[-1].rules if self.history else ()

    @property
    def rules_version(self) -> int:
        return self.history[-1].version if self.history else 0

    def publish_rules(
        self, rules: list[Rule], *, at: dt.datetime, by: str, comment: str = ""
    ) -> RuleSetVersion:
        check_ruleset(rules)
        published = RuleSetVersion(self.rules_version + 1, tuple(rules), at, by, comment)
        self.history.append(published)
        self.version += 1
        return published

    def rules_at(self, version: int) -> RuleSetVersion | None:
        return next((v for v in self.history if v.version == version), None)
