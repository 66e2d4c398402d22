"""The board's cards with their words and figures ready to print.

A board shows up to hundreds of cards; written in the template, each card cost a Babel call per
figure and a Jinja gettext call (a derived template context) per label, most of the page's
time. Here the column's translations are looked up once, a card's labels are one ``%`` each, and
the day counts seen on the board are formatted once per render. The template prints the values
(autoescaped, so a deal's name stays text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_console.domain.deals import Board, Card, Column, Stage
from crm_console.entrypoints.i18n import Language


@dataclass(frozen=True)
class CardView:
    card: Card
    stalled: bool
    mine: bool
    figures: str  # "€1,000.10 · 10%"
    age: str  # "3 days in stage"
    back_label: str  # the keyboard move's accessible name ("" at the first stage)
    on_label: str  # ("" at the last stage)


@dataclass(frozen=True)
class ColumnView:
    column: Column
    previous: Stage | None
    following: Stage | None
    cards: tuple[CardView, ...]


def columns(board: Board, lang: Language, now: dt.datetime, user_id: str) -> tuple[ColumnView, ...]:
    _ = lang.gettext
    no_revenue = _("No revenue yet")
    back = _("Move %(deal)s back to %(stage)s")
    on = _("Move %(deal)s on to %(stage)s")
    ages: dict[int, str] = {}

    def age(days: int) -> str:
        if days not in ages:
            words = lang.ngettext("%(num)s day in stage", "%(num)s days in stage", days)
            ages[days] = words % {"num": lang.number(days)}
        return ages[days]

    def view(card: Card, stage: Stage, previous: Stage | None, following: Stage | None) -> CardView:
        days = card.days_in_stage(now)
        revenue = card.revenue
        money = lang.money(revenue.amount, revenue.currency) if revenue else no_revenue
        return CardView(
            card=card,
            stalled=bool(stage.expected_days) and days > stage.expected_days,
            mine=bool(user_id) and card.owner_user_id == user_id,
            figures=f"{money} · {lang.number(card.probability)}%",
            age=age(days),
            back_label=back % {"deal": card.name, "stage": previous.name} if previous else "",
            on_label=on % {"deal": card.name, "stage": following.name} if following else "",
        )

    found = []
    for column in board.columns:
        previous, following = board.neighbours(column.stage.key)
        cards = tuple(view(c, column.stage, previous, following) for c in column.cards)
        found.append(ColumnView(column, previous, following, cards))
    return tuple(found)
