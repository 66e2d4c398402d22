import pytest

from crm_chassis.errors import ValidationErrors
from crm_identity.domain import password_policy


def test_a_long_passphrase_is_accepted():
    assert password_policy.problems("violet tractor hums at dawn", "jo@example.com") == []
    password_policy.check("violet tractor hums at dawn", email="jo@example.com")


@pytest.mark.parametrize(
    "password, words",
    [
        ("short", "at least 12 characters (has 5)"),
        ("x" * 129 + "yz", "at most 128"),
        ("jo.doe@example.com", "e-mail address"),
        ("JO.DOE.LONGNAME", "e-mail address"),
        ("password1234", "most common"),
        ("aaaaaaaaaaaaaa", "one character repeated"),
    ],
)
def test_each_rule_has_a_clear_message(password, words):
    email = "jo.doe.longname@example.com" if password.startswith("JO.") else "jo.doe@example.com"
    found = password_policy.problems(password, email)
    assert any(words in problem for problem in found), found


def test_check_reports_every_broken_rule_against_the_field():
    with pytest.raises(ValidationErrors) as err:
        password_policy.check("jo", email="jo@example.com", field="new_password")
    assert err.value.field == "new_password"
    assert len(err.value.problems) == 2
    assert err.value.message.startswith("new_password: password must be at least 12")
