"""What the seeding steps share: the stubs, the administrator, the company as data, the
platform's ids of the demo's keys, and a signed-in caller per person."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from crm_devrun.demo.calls import Caller, Stubs
from crm_devrun.demo.company import Company
from crm_devrun.demo.records import History


class Say(Protocol):
    def __call__(self, text: str, *, transient: bool = False) -> None:
        """A line of progress; a transient one is replaced by the next."""


@dataclass
class Seeding:
    stubs: Stubs
    admin: Caller
    company: Company
    history: History
    lead_rows: list[dict[str, str]]
    today: dt.date
    months: int
    say: Say
    ids: dict[str, str] = field(default_factory=dict)  # demo key -> platform id
    people: dict[str, Caller] = field(default_factory=dict)  # person key -> signed in

    def id(self, key: str) -> str:
        return self.ids[key] if key else ""

    @property
    def head(self) -> Caller:
        """The head of sales: manager of the division, so they see every team."""
        return self.people["head"]
