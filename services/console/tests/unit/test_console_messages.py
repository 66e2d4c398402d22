"""The console's own sentences (its checks in the domain, service layer and entrypoints) reach a
Persian or Hebrew reader in their language, with their parameters and the plural for a count;
a sentence a service wrote is shown as the service wrote it."""

from __future__ import annotations

import html
import re

import pytest

from crm_console.domain import lead_query
from crm_console.domain.errors import ConsoleError, Refused, Tn_
from crm_console.domain.organisation import DirectoryPerson, person_meant
from crm_console.entrypoints.i18n import Language, say

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FA, HE, EN = Language("fa"), Language("he"), Language("en")


def people(n: int) -> tuple[DirectoryPerson, ...]:
    return tuple(DirectoryPerson(f"u{i}", f"ann{i}@example.com", f"Ann {i}") for i in range(n))


def refusal(found: tuple[DirectoryPerson, ...], typed: str, more: bool = False) -> ConsoleError:
    with pytest.raises(ConsoleError) as raised:
        person_meant(found, typed, "person", more)
    return raised.value


def test_no_one_found_is_said_in_persian_and_hebrew_with_what_was_typed():
    error = refusal((), " Zoe ")
    assert error.field == "person"
    assert error.message == "no one's name or e-mail contains 'Zoe': check the spelling"
    assert say(error, EN) == error.message
    assert say(error, FA) == "نام یا ایمیل هیچ‌کس 'Zoe' را در بر ندارد: املای آن را بررسی کنید"
    assert say(error, HE) == "אין אף אחד שהשם או הדוא״ל שלו מכילים 'Zoe': בדקו את האיות"


def test_several_people_found_is_the_plural_with_the_count_in_the_languages_digits():
    error = refusal(people(2), "Ann")
    named = "Ann 0 <ann0@example.com>, Ann 1 <ann1@example.com>"
    assert error.message == (
        f"2 people match 'Ann' ({named}): enter more of the name, or the e-mail"
    )
    assert say(error, FA) == (
        f"۲ نفر با 'Ann' جور درمی‌آیند ({named}): بخش بیشتری از نام یا ایمیل را وارد کنید"
    )
    assert say(error, HE) == (f"2 אנשים מתאימים ל־'Ann' ({named}): הזינו עוד מהשם, או את הדוא״ל")


def test_more_than_identity_sent_uses_the_singular_for_one_and_the_plural_for_more():
    one = refusal(people(1), "Ann", more=True)
    assert one.message.startswith("more than 1 person matches 'Ann' (Ann 0 <ann0@example.com>, …)")
    assert say(one, HE).startswith("יותר מאדם אחד מתאימים ל־'Ann'")
    assert say(one, FA).startswith("بیش از ۱ نفر با 'Ann' جور درمی‌آیند")
    many = refusal(people(6), "Ann", more=True)
    assert many.message.startswith("more than 6 people match 'Ann'")
    assert say(many, HE).startswith("יותר מ־6 אנשים מתאימים ל־'Ann'")
    assert say(many, FA).startswith("بیش از ۶ نفر با 'Ann' جور درمی‌آیند")


def test_a_count_in_a_plain_plural_sentence_is_translated_per_form():
    error = ConsoleError(
        Tn_("a quote has at most %(num)s line", "a quote has at most %(num)s lines", 1)
    )
    assert error.message == "a quote has at most 1 line"
    assert say(error, HE) == "בהצעת מחיר יש לכל היותר שורה אחת"
    error = ConsoleError(
        Tn_("a quote has at most %(num)s line", "a quote has at most %(num)s lines", 50)
    )
    assert say(error, HE) == "בהצעת מחיר יש לכל היותר 50 שורות"
    assert say(error, FA) == "پیش‌فاکتور حداکثر ۵۰ ردیف دارد"


def test_a_query_the_console_cannot_read_is_named_in_the_readers_language():
    with pytest.raises(ConsoleError) as raised:
        lead_query.parse([("min_score", "abc")])
    assert raised.value.message == "min_score: 'abc' is not a whole number"
    assert say(raised.value, FA) == "min_score: 'abc' عدد صحیح نیست"
    assert say(raised.value, HE) == "min_score: 'abc' אינו מספר שלם"


def test_a_services_own_sentence_is_shown_as_the_service_wrote_it():
    error = Refused("stage 'won' is closed", field="stage_key")
    assert error.text is None
    assert say(error, FA) == say(error, HE) == "stage 'won' is closed"


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("fa", "مرتب‌سازی: 'bogus' یکی از "),
        ("he", "מיון: 'bogus' אינו אחד מ־"),
    ],
)
def test_a_persian_or_hebrew_search_page_says_what_is_wrong_in_its_language(
    world, language, sentence
):
    client, identity, _, _ = world
    ann = identity.add("ann@example.com", "Ann")
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "email": ann.email,
            "password": "correct horse battery staple",
        },
    )
    client.cookies.set("crm_lang", language, domain="console.test")
    answer = html.unescape(client.get("/leads?sort=bogus").text)
    assert sentence in answer, answer[answer.find('role="alert"') :][:300]
    assert "is not one of" not in answer
