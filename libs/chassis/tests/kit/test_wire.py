"""Money, decimals and enums between their protobuf form and the domain's."""

from __future__ import annotations

import enum
from decimal import Decimal

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from crm.common.v1 import money_pb2
from crm_chassis.errors import InvalidArgument
from crm_chassis.wire import enums, money
from crm_chassis.wire.decimals import format_decimal, parse_decimal


# ------------------------------------------------------------------ decimals
@pytest.mark.parametrize(
    "text, value",
    [
        ("12.50", Decimal("12.50")),
        ("-3", Decimal(-3)),
        (" 0.5 ", Decimal("0.5")),
        (".5", Decimal("0.5")),
        (7, Decimal(7)),
    ],
)
def test_parse_decimal_accepts_plain_decimals(text, value):
    assert parse_decimal(text, "quantity") == value


@pytest.mark.parametrize(
    "text, says",
    [
        ("", "is required"),
        ("1e3", "not a plain decimal"),
        ("1,000", "not a plain decimal"),
        ("NaN", "not a plain decimal"),
        ("1.2.3", "not a plain decimal"),
        ("1000000000000000", "too large"),
        (1.5, "must be a decimal string"),
    ],
)
def test_parse_decimal_refuses_with_the_field_named(text, says):
    with pytest.raises(InvalidArgument) as raised:
        parse_decimal(text, "line.quantity")
    assert raised.value.field == "line.quantity" and says in str(raised.value)
    assert str(raised.value).startswith("line.quantity")


def test_parse_decimal_bounds():
    assert parse_decimal("1.50", "q", max_decimals=1) == Decimal("1.50")
    with pytest.raises(InvalidArgument, match="more than 1 decimal places"):
        parse_decimal("1.55", "q", max_decimals=1)
    with pytest.raises(InvalidArgument, match="at least 0"):
        parse_decimal("-1", "q", minimum=Decimal(0))
    with pytest.raises(InvalidArgument, match="greater than 0"):
        parse_decimal("0", "q", minimum=Decimal(0), allow_equal_minimum=False)
    with pytest.raises(InvalidArgument, match="at most 100"):
        parse_decimal("100.01", "q", maximum=Decimal(100))


def test_format_decimal_drops_insignificant_zeros_and_exponents():
    assert [format_decimal(Decimal(t)) for t in ("2.50", "1E+2", "-0", "0.000")] == [
        "2.5",
        "100",
        "0",
        "0",
    ]


# ------------------------------------------------------------------ money
def test_money_to_proto_has_exactly_the_minor_unit_digits():
    assert money.to_proto(Decimal("12.5"), "EUR") == money_pb2.Money(amount="12.50", currency="EUR")
    assert money.to_proto(Decimal("1234.5"), "JPY").amount == "1235"
    assert money.to_proto(Decimal("0.0005"), "KWD").amount == "0.001"


def test_money_from_proto_is_exact_and_normalises_the_currency():
    assert money.from_proto(money_pb2.Money(amount="12.5", currency="eur"), "price") == (
        Decimal("12.50"),
        "EUR",
    )
    assert money.from_proto(money_pb2.Money(amount="1.500", currency="EUR"), "price") == (
        Decimal("1.50"),
        "EUR",
    )


@pytest.mark.parametrize(
    "amount, currency, field, says",
    [
        ("1.00", "XYZ", "price.currency", "not a supported ISO 4217 currency"),
        ("1.00", "", "price.currency", "is required"),
        ("1.001", "EUR", "price.amount", "more than 2 decimal places, the minor unit of EUR"),
        ("1.5", "JPY", "price.amount", "more than 0 decimal places"),
        ("-1.00", "EUR", "price.amount", "at least 0"),
        ("ten", "EUR", "price.amount", "not a plain decimal"),
    ],
)
def test_money_from_proto_refuses_what_it_would_have_to_guess(amount, currency, field, says):
    with pytest.raises(InvalidArgument) as raised:
        money.from_proto(money_pb2.Money(amount=amount, currency=currency), "price")
    assert raised.value.field == field and says in str(raised.value)


def test_negative_money_only_where_allowed():
    assert money.from_proto(
        money_pb2.Money(amount="-1.5", currency="EUR"), "adjustment", allow_negative=True
    ) == (Decimal("-1.50"), "EUR")


def test_optional_and_required_money_fields_of_a_message():

    class Holder:
        def __init__(self, value=None):
            self.price = value

        def HasField(self, name):
            return getattr(self, name) is not None

    assert money.optional_from_proto(Holder(), "price") is None
    with pytest.raises(InvalidArgument, match='price is required, e.g. {amount: "100.00"'):
        money.required_from_proto(Holder(), "price")
    assert money.required_from_proto(
        Holder(money_pb2.Money(amount="2", currency="USD")), "price"
    ) == (Decimal("2.00"), "USD")


# ------------------------------------------------------------------ enums
def _color_enum() -> EnumTypeWrapper:
    pool = descriptor_pool.DescriptorPool()
    proto = descriptor_pb2.FileDescriptorProto(name="colors.proto", package="kit.test")
    color = proto.enum_type.add(name="Color")
    for number, name in enumerate(("COLOR_UNSPECIFIED", "COLOR_RED", "COLOR_DARK_BLUE")):
        color.value.add(name=name, number=number)
    pool.Add(proto)
    return EnumTypeWrapper(pool.FindEnumTypeByName("kit.test.Color"))


Color = _color_enum()


class DomainColor(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark_blue"


class SmallerColor(enum.Enum):
    RED = "red"


def test_words_and_numbers():
    assert enums.prefix_of(Color) == "COLOR"
    assert enums.words(Color) == ["red", "dark_blue"]
    assert enums.word_of(Color, 2, "color") == "dark_blue" and enums.word_of(Color, 0, "c") == ""
    assert enums.number_of(Color, "Dark_Blue", "color") == 2
    assert enums.number_of(Color, "COLOR_RED", "color") == 1
    assert enums.number_of(Color, "", "color") == 0


def test_unknown_numbers_and_words_are_refused_with_the_choices():
    with pytest.raises(InvalidArgument) as raised:
        enums.word_of(Color, 9, "filter.color")
    assert raised.value.field == "filter.color" and "unknown value 9" in str(raised.value)
    assert "red, dark_blue" in str(raised.value)
    with pytest.raises(InvalidArgument, match="'green' is not one of red, dark_blue"):
        enums.number_of(Color, "green", "color")


def test_domain_enums_by_name():
    assert enums.to_domain(Color, 2, DomainColor, "color") is DomainColor.DARK_BLUE
    assert enums.to_domain(Color, 0, DomainColor, "color") is None
    assert enums.from_domain(Color, DomainColor.DARK_BLUE) == 2
    assert enums.from_domain(Color, None) == 0
    with pytest.raises(InvalidArgument, match="color is required: one of red, dark_blue"):
        enums.required_to_domain(Color, 0, DomainColor, "color")
    with pytest.raises(InvalidArgument, match="COLOR_DARK_BLUE is not supported; use one of red"):
        enums.to_domain(Color, 2, SmallerColor, "color")


def test_an_enum_without_the_unspecified_convention_is_a_programming_error():
    pool = descriptor_pool.DescriptorPool()
    proto = descriptor_pb2.FileDescriptorProto(name="odd.proto", package="kit.test")
    odd = proto.enum_type.add(name="Odd")
    odd.value.add(name="NONE", number=0)
    pool.Add(proto)
    with pytest.raises(ValueError, match="UNSPECIFIED"):
        enums.prefix_of(EnumTypeWrapper(pool.FindEnumTypeByName("kit.test.Odd")))
