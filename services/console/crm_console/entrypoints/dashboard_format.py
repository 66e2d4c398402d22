"""The dashboards' figures as text in the page's language: plain functions the templates call
(a Jinja macro per cell cost most of a 1,000,000-deal dashboard's time). reporting's decimals
arrive as text with one decimal ("12.5"); money is one line per currency, never added up."""

from __future__ import annotations

from decimal import Decimal

from markupsafe import Markup, escape

from crm_console.domain.deals import Money
from crm_console.entrypoints.i18n import Language

NONE = "—"


class Formats:
    def __init__(self, lang: Language) -> None:
        self._lang = lang

    def num(self, value: int) -> str:
        return self._lang.number(value)

    def days(self, text: str) -> str:
        return self._lang.number(Decimal(text)) if text else NONE

    def pct(self, text: str) -> str:
        return f"{self._lang.number(Decimal(text))}%" if text else NONE

    def ratio(self, text: str) -> str:
        return f"× {self._lang.number(Decimal(text))}" if text else NONE

    def money(self, value: Money | None) -> str:
        # Plain text, escaped by the template: Markup's % formatting doubled a money cell's cost.
        return NONE if value is None else self._lang.money(value.amount, value.currency)

    def moneys(self, values: tuple[Money, ...]) -> Markup:
        """One line per currency."""
        if not values:
            return Markup(NONE)
        return Markup("<br>").join(escape(self.money(v)) for v in values)
