from decimal import Decimal

import pytest

from crm_chassis.currencies import MINOR_UNITS, check_currency, minor_unit, minor_units
from crm_chassis.errors import InvalidArgument


def test_codes_are_normalised_and_unknown_ones_refused_with_the_field():
    assert check_currency(" eur ") == "EUR"
    with pytest.raises(InvalidArgument) as err:
        check_currency("ABC", field="price.currency")
    assert err.value.field == "price.currency" and "ISO 4217" in err.value.message
    with pytest.raises(InvalidArgument, match="required"):
        check_currency("")


@pytest.mark.parametrize(
    "code,digits,unit", [("EUR", 2, "0.01"), ("JPY", 0, "1"), ("KWD", 3, "0.001")]
)
def test_minor_units_follow_iso_4217(code, digits, unit):
    assert minor_units(code) == digits and minor_unit(code) == Decimal(unit)


def test_table_holds_only_well_formed_codes_and_known_exponents():
    assert all(len(c) == 3 and c.isupper() for c in MINOR_UNITS)
    assert set(MINOR_UNITS.values()) <= {0, 2, 3}
