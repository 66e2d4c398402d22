import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_chassis.errors import FailedPrecondition, InvalidArgument
from crm_identity.domain.users import (
    ACTIVE,
    DEACTIVATED,
    User,
    email_key,
    normalise_email,
    token_accepted,
    validate_display_name,
)

NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


def make(**kwargs):
    values = dict(
        id="u1", email="Jo.Doe@Example.COM", display_name="Jo", password_hash="h", now=NOW
    )
    values.update(kwargs)
    return User.create(**values)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("  Jo.Doe@Example.COM ", "Jo.Doe@example.com"),
        ("a+tag@sub.example.org.", "a+tag@sub.example.org"),
        ("o'neil@example.ie", "o'neil@example.ie"),
    ],
)
def test_email_is_trimmed_and_domain_lowercased(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize(
    "raw, words",
    [
        ("", "required"),
        ("no-at-sign.example.com", "exactly one '@'"),
        ("a@b@example.com", "exactly one '@'"),
        ("@example.com", "before '@'"),
        ("jo..doe@example.com", "not allowed"),
        ("jo doe@example.com", "not allowed"),
        ("jo@localhost", "domain"),
        ("jo@-bad-.com", "domain"),
        ("x" * 65 + "@example.com", "1..64"),
        ("jo@" + "a" * 250 + ".com", "longer than 254"),
    ],
)
def test_invalid_emails_say_what_is_wrong(raw, words):
    with pytest.raises(InvalidArgument) as err:
        normalise_email(raw)
    assert err.value.field == "email"
    assert words in err.value.message


def test_email_key_ignores_case_of_the_whole_address():
    assert (
        email_key(" Jo.Doe@EXAMPLE.com") == email_key("jo.doe@example.com") == "jo.doe@example.com"
    )


@pytest.mark.parametrize(
    "raw, words",
    [("   ", "required"), ("x" * 201, "longer than 200"), ("Jo\x07", "control characters")],
)
def test_display_name_rules(raw, words):
    with pytest.raises(InvalidArgument) as err:
        validate_display_name(raw)
    assert err.value.field == "display_name" and words in err.value.message


def test_unknown_department_and_role_are_refused_with_the_known_ones_listed():
    with pytest.raises(InvalidArgument) as err:
        make(departments=["sales", "finance"])
    assert err.value.field == "departments" and "'finance'" in err.value.message
    assert "after_sales_service" in err.value.message
    with pytest.raises(InvalidArgument) as err:
        make(roles=["root"])
    assert err.value.field == "roles" and "'root'" in err.value.message


def test_new_user_is_active_at_version_one():
    user = make(departments=["sales"], roles=["admin"])
    assert (user.status, user.version, user.is_admin) == (ACTIVE, 1, True)
    assert user.email == "Jo.Doe@example.com" and user.email_key == "jo.doe@example.com"


def test_every_change_increments_the_version_and_noops_do_not():
    user = make()
    assert user.update_profile(now=NOW, display_name="Jo") == []
    assert user.version == 1
    assert user.update_profile(now=NOW, display_name="Joanna", roles=["admin"]) == [
        "display_name",
        "roles",
    ]
    assert user.version == 2
    assert user.set_departments(["sales"], NOW) == (frozenset({"sales"}), frozenset())
    assert user.set_departments(["sales"], NOW) is None
    assert user.version == 3


def test_deactivate_and_reactivate_transitions():
    user = make()
    later = NOW + dt.timedelta(minutes=1)
    assert user.deactivate(later) is True
    assert (user.status, user.version, user.updated_at) == (DEACTIVATED, 2, later)
    assert user.deactivate(later) is False and user.version == 2
    user.reactivate(later)
    assert user.status == ACTIVE and user.version == 3
    with pytest.raises(FailedPrecondition, match="already active"):
        user.reactivate(later)


def test_check_version_refuses_a_stale_expected_version():
    user = make()
    user.check_version(0)  # 0 = no expectation
    user.check_version(1)
    with pytest.raises(FailedPrecondition) as err:
        user.check_version(7)
    assert err.value.field == "expected_version" and "version 1, not 7" in err.value.message


def test_password_change_ends_tokens_issued_before_it():
    user = make()
    reset_at = NOW + dt.timedelta(minutes=5, microseconds=400_000)
    user.set_password_hash("h2", reset_at)
    before = NOW + dt.timedelta(minutes=4)
    assert not user.accepts_token_issued_at(before)
    # iat has milliseconds: earlier in the same second is refused, the reset's millisecond is not.
    assert not user.accepts_token_issued_at(reset_at.replace(microsecond=0))
    assert not user.accepts_token_issued_at(reset_at - dt.timedelta(milliseconds=1))
    assert user.accepts_token_issued_at(reset_at.replace(microsecond=400_000))
    assert user.accepts_token_issued_at(reset_at + dt.timedelta(milliseconds=1))
    assert not token_accepted(DEACTIVATED, NOW, NOW + dt.timedelta(hours=1))


def test_every_invalid_field_is_reported_at_once():
    from crm_chassis.errors import ValidationErrors

    with pytest.raises(ValidationErrors) as err:
        make(email="nope", display_name="", departments=["finance"])
    assert [field for field, _ in err.value.problems] == ["email", "display_name", "departments"]


_local = st.from_regex(r"[A-Za-z0-9_+-]{1,20}(\.[A-Za-z0-9_+-]{1,10})?", fullmatch=True)
_domain = st.from_regex(r"[A-Za-z0-9]{1,15}(\.[A-Za-z]{2,6}){1,2}", fullmatch=True)


@given(_local, _domain, st.sampled_from(["", " ", "\t"]))
def test_normalisation_is_idempotent_and_keys_ignore_case(local, domain, pad):
    normal = normalise_email(f"{pad}{local}@{domain}{pad}")
    assert normalise_email(normal) == normal
    assert normal.split("@")[1] == domain.lower()
    assert email_key(normal) == email_key(normal.upper()) == normal.lower()


def test_catalog_roles_are_known_and_an_unknown_role_is_refused():
    from crm_chassis.errors import InvalidArgument
    from crm_identity.domain.users import validate_roles

    assert validate_roles(["catalog_manager", "pricing_manager"]) == {
        "catalog_manager",
        "pricing_manager",
    }
    import pytest

    with pytest.raises(InvalidArgument):
        validate_roles(["catalog_owner"])
