"""What a report covers: a person, a team, an org unit's subtree, a sales line or the company,
optionally narrowed to one sales line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from crm_chassis.errors import InvalidArgument


class ScopeKind(Enum):
    PERSON = "person"
    TEAM = "team"
    UNIT = "unit"
    SALES_LINE = "sales_line"
    COMPANY = "company"


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind
    id: str = ""
    sales_line_id: str = ""

    @classmethod
    def of(cls, kind: ScopeKind | None, id: str = "", sales_line_id: str = "") -> Scope:
        """The scope a request names, or INVALID_ARGUMENT saying what to send."""
        if kind is None:
            raise InvalidArgument(
                "scope.kind is required: person, team, unit, sales_line or company",
                field="scope.kind",
            )
        id = (id or "").strip()
        line = (sales_line_id or "").strip()
        if kind is ScopeKind.COMPANY:
            if id:
                raise InvalidArgument("a company scope takes no scope.id", field="scope.id")
        elif not id:
            raise InvalidArgument(
                f"scope.id is required for a {kind.value} scope: the {kind.value}'s id",
                field="scope.id",
            )
        if kind is ScopeKind.SALES_LINE:
            if line and line != id:
                raise InvalidArgument(
                    "a sales_line scope takes no other scope.sales_line_id",
                    field="scope.sales_line_id",
                )
            line = id
        return cls(kind, id, line)
