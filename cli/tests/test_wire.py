"""crmctl.wire: enum words, money and instants, the one place every command reads and writes
them."""

from __future__ import annotations

import pytest

from crm.common.v1 import money_pb2
from crm.identity.v1 import users_pb2
from crm.territory.v1 import teams_pb2
from crmctl.session import CliError
from crmctl.wire import (
    enum_prefix,
    enum_value,
    enum_word,
    enum_words,
    instant,
    money,
    money_text,
    optional_money,
    time_text,
    timestamp,
)


def test_enum_words_follow_the_proto_prefix_convention():
    assert enum_prefix(teams_pb2.RoutingStrategy) == "ROUTING_STRATEGY_"
    assert enum_prefix(users_pb2.User.Status) == "STATUS_"  # a nested enum
    assert enum_words(teams_pb2.RoutingStrategy, separator="-") == {
        "round-robin": teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN,
        "load-balanced": teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED,
    }
    assert (
        enum_word(teams_pb2.RoutingStrategy, teams_pb2.ROUTING_STRATEGY_LOAD_BALANCED)
        == "load_balanced"
    )
    assert (
        enum_word(teams_pb2.RoutingStrategy, "ROUTING_STRATEGY_ROUND_ROBIN", separator="-")
        == "round-robin"
    )  # the name JSON output carries
    assert enum_word(teams_pb2.RoutingStrategy, 0) == ""
    assert enum_word(teams_pb2.RoutingStrategy, "ROUTING_STRATEGY_UNSPECIFIED") == ""


def test_an_enum_word_is_read_in_any_case_and_an_unknown_one_names_the_words():
    assert enum_value(teams_pb2.TeamRole, "Supervisor") == teams_pb2.TEAM_ROLE_SUPERVISOR
    assert (
        enum_value(teams_pb2.RoutingStrategy, "round-robin")
        == teams_pb2.ROUTING_STRATEGY_ROUND_ROBIN
    )
    assert enum_value(teams_pb2.TeamRole, "") == 0 and enum_value(teams_pb2.TeamRole, None) == 0
    with pytest.raises(CliError, match="'boss' is not one of expert, supervisor, manager"):
        enum_value(teams_pb2.TeamRole, "boss")


def test_money_is_an_exact_amount_and_a_currency():
    assert money("1200.50 eur") == money_pb2.Money(amount="1200.50", currency="EUR")
    assert money("  7 ", default_currency="CHF") == money_pb2.Money(amount="7", currency="CHF")
    assert money_text(money_pb2.Money(amount="0.10", currency="EUR")) == "0.10 EUR"
    assert money_text(money_pb2.Money()) == ""
    assert optional_money("") is None and optional_money(None) is None
    with pytest.raises(CliError, match="name the currency of '12'"):
        money("12")
    for text in ("12,50 EUR", "lots EUR", "12 EURO", "EUR 12", "1 2 EUR"):
        with pytest.raises(CliError, match="is not an amount with a currency"):
            money(text)


def test_money_is_checked_by_the_rules_the_services_apply():
    """crm_chassis.wire.money: a supported currency, no more decimals than it has, not
    negative."""
    assert money("1000 JPY") == money_pb2.Money(amount="1000", currency="JPY")
    for text, reason in (
        ("12.505 EUR", "more than 2 decimal places"),
        ("10.5 JPY", "more than 0 decimal places"),
        ("12 XYZ", "'XYZ' is not a supported ISO 4217 currency"),
        ("-5 EUR", "must be at least 0"),
    ):
        with pytest.raises(CliError, match=reason):
            money(text)


def test_instants_are_iso_8601_in_utc_unless_an_offset_is_named():
    assert instant("2026-07-01", "--since").isoformat() == "2026-07-01T00:00:00+00:00"
    assert instant("2026-07-01T09:00+02:00", "--since").isoformat() == "2026-07-01T09:00:00+02:00"
    assert timestamp("2026-03-01T09:30:00Z", "--at").ToJsonString() == "2026-03-01T09:30:00Z"
    assert instant("", "--since") is None and timestamp(None, "--at") is None
    assert time_text(timestamp("2026-03-01T09:30:00.5Z", "--at")) == "2026-03-01T09:30:00+00:00"
    with pytest.raises(CliError, match="--since: 'next week' is not an ISO 8601 time"):
        instant("next week", "--since")
