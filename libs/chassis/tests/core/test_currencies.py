from decimal import Decimal

import pytest

from crm_chassis.currencies import (
    ACTIVE,
    MINOR_UNITS,
    WITHDRAWN,
    check_currency,
    display_amount,
    is_withdrawn,
    minor_unit,
    minor_units,
)
from crm_chassis.errors import InvalidArgument


def test_codes_are_normalised_and_unknown_ones_refused_with_the_field():
    assert check_currency(" eur ") == "EUR"
    with pytest.raises(InvalidArgument) as err:
        check_currency("ABC", field="price.currency")
    assert err.value.field == "price.currency" and "ISO 4217" in err.value.message
    with pytest.raises(InvalidArgument, match="required"):
        check_currency("")


@pytest.mark.parametrize(
    "code,digits,unit",
    [
        ("EUR", 2, "0.01"),
        ("JPY", 0, "1"),
        ("KWD", 3, "0.001"),
        ("IRR", 2, "0.01"),  # ISO 4217 gives the rial two minor digits, though none circulate
        ("CLF", 4, "0.0001"),
        ("XAF", 0, "1"),
        ("VES", 2, "0.01"),
    ],
)
def test_minor_units_follow_iso_4217(code, digits, unit):
    assert minor_units(code) == digits and minor_unit(code) == Decimal(unit)


def test_every_active_currency_of_list_one_is_accepted():
    # a sample of every region, the codes replaced recently, and fund codes
    for code in [
        "IRR",
        "AFN",
        "IQD",
        "SAR",
        "TRY",
        "RUB",
        "NGN",
        "KES",
        "BRL",
        "MXN",
        "SLE",
        "ZWG",
        "XCG",
        "VED",
        "MRU",
        "STN",
        "BYN",
        "USN",
    ]:
        assert check_currency(code) == code
    assert len(ACTIVE) >= 160


def test_codes_without_a_minor_unit_and_the_testing_codes_are_refused():
    for code in ("XAU", "XDR", "XTS", "XXX"):
        with pytest.raises(InvalidArgument, match="not a supported ISO 4217"):
            check_currency(code)


def test_withdrawn_codes_are_accepted_for_history_and_marked():
    assert check_currency("HRK") == "HRK" and is_withdrawn("HRK") and not is_withdrawn("EUR")
    assert not set(WITHDRAWN) & set(ACTIVE)


def test_toman_is_refused_with_the_rial_to_send_instead():
    with pytest.raises(InvalidArgument, match="send IRR amounts") as err:
        check_currency("irt", field="price.currency")
    assert err.value.field == "price.currency"


def test_table_holds_only_well_formed_codes_and_known_exponents():
    assert all(len(c) == 3 and c.isupper() for c in MINOR_UNITS)
    assert set(MINOR_UNITS.values()) <= {0, 2, 3, 4}


@pytest.mark.parametrize(
    "amount,currency,locale,shown",
    [
        ("1234567.80", "IRR", "fa_IR", "123456.78 IRT"),
        ("1250000", "IRR", "fa-IR", "125000 IRT"),
        ("15", "IRR", "fa", "1.5 IRT"),
        ("1234567.8", "IRR", "en_US", "1234567.80 IRR"),
        ("1234567.8", "IRR", "", "1234567.80 IRR"),
        ("12.5", "EUR", "fa_IR", "12.50 EUR"),
        ("1200", "JPY", "", "1200 JPY"),
    ],
)
def test_display_shows_rials_in_tomans_only_where_the_locale_uses_them(
    amount, currency, locale, shown
):
    assert display_amount(Decimal(amount), currency, locale) == shown
