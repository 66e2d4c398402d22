"""The console's pipeline board and deal page in headless Chromium, over the real processes of
identity, territory, deals and catalog: a teammate logs a call on a colleague's deal and
completes her task; a card is dragged to the next stage (a stale drag snaps back with deals'
message) and the deal is won in the dialog; a quote is priced by the catalog, explained,
accepted and ordered; the order is invoiced, issued and paid in parts by the team's supervisor
(and a won deal's priced lines invoiced directly); a member of another team gets the not-found
page; a person's own time zone is chosen on the settings page; a Hebrew reader gets a
right-to-left deal page with Gregorian dates and shekels. The board and the deal page pass the
accessibility check and are photographed for docs/console.md (English, Persian, Hebrew)."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
from console_sales_floor import SERVICES, company, console, deal, priced_product, sign_in
from e2e_platform import As, Stubs, create_pipeline, german_line
from google.protobuf.timestamp_pb2 import Timestamp

from crm.common.v1 import money_pb2
from crm.deals.v1 import (
    activities_pb2,
    activities_pb2_grpc,
    billing_pb2,
    billing_pb2_grpc,
    deals_pb2,
    resources_pb2,
)
from crm_devrun.bed import PlatformBed
from crm_testkit.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture(scope="module")
def floor(tmp_path_factory, browser):
    workdir = tmp_path_factory.mktemp("bed")
    with PlatformBed(SERVICES, workdir) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        org = company(bed, stubs, admin)
        line = german_line(stubs, admin, {"berlin": org["berlin"], "munich": org["munich"]})
        create_pipeline(bed, admin, line.id)
        product = priced_product(bed, stubs, admin)
        with console(bed, workdir) as url:
            yield dict(bed=bed, stubs=stubs, line=line, product=product, url=url, **org)


def signed_in(browser, floor, who: str, language: str = "en"):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, floor["url"], floor["emails"][who])
    if language != "en":  # the person's choice, as the language form leaves it
        context.add_cookies([{"name": "crm_lang", "value": language, "url": floor["url"]}])
    return page


def new_deal(floor, name: str, revenue: str = "1000.00", currency: str = "EUR"):
    ann = floor["people"]["ann"]
    return deal(
        floor["bed"],
        floor["stubs"],
        ann,
        floor["berlin"].id,
        floor["line"].id,
        name,
        revenue,
        currency,
    )


def get_deal(floor, who: str, deal_id: str):
    person = floor["people"][who]
    return person(floor["stubs"].deals.GetDeal, deals_pb2.GetDealRequest(id=deal_id))


def test_a_teammate_logs_a_call_and_completes_a_task_on_a_colleagues_deal(browser, floor):
    ann = floor["people"]["ann"]
    rollout = new_deal(floor, "Vogel rollout")
    activities = activities_pb2_grpc.ActivityServiceStub(floor["bed"].channel("deals"))
    task = ann(
        activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=rollout.id),
            kind=resources_pb2.ACTIVITY_KIND_TASK,
            subject="Send the security questionnaire",
            due_at=Timestamp(seconds=1893456000),  # 2030-01-01
        ),
    )
    page = signed_in(browser, floor, "bob")
    page.goto(f"{floor['url']}/deals/{rollout.id}")
    page.get_by_label("Kind").select_option("call")
    page.get_by_label("Subject").fill("Intro call with Lena")
    page.get_by_label("Direction (calls, e-mails)").select_option("outbound")
    page.get_by_label("Minutes (calls, meetings)").fill("20")
    page.get_by_role("button", name="Log", exact=True).click()
    page.get_by_text("Activity logged.").wait_for()
    assert page.locator("li.activity-call").filter(has_text="Intro call with Lena").count() == 1
    page.get_by_role("button", name="Complete the task Send the security questionnaire").click()
    page.get_by_text("Task completed.").wait_for()

    timeline = ann(
        activities.ListTimeline,
        activities_pb2.ListTimelineRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=rollout.id)
        ),
    ).activities
    call = next(a for a in timeline if a.kind == resources_pb2.ACTIVITY_KIND_CALL)
    assert (call.logged_by, call.duration_minutes) == (floor["people"]["bob"].user_id, 20)
    done = next(a for a in timeline if a.id == task.id)
    assert done.HasField("done_at")
    check_accessibility(page)
    screenshot(page, "deal-en")
    page.context.close()


def test_my_day_lists_my_overdue_task_from_deals_list_my_tasks(browser, floor):
    """deals' ListMyTasks through the console's gateway: an overdue task of Ann's is on her day
    (linked to its deal), one due in 2030 is not."""
    ann = floor["people"]["ann"]
    renewal = new_deal(floor, "Vogel renewal")
    activities = activities_pb2_grpc.ActivityServiceStub(floor["bed"].channel("deals"))
    for subject, due in (("Chase the signature", time.time() - 86400), ("Plan 2030", 1893456000)):
        ann(
            activities.LogActivity,
            activities_pb2.LogActivityRequest(
                target=resources_pb2.RecordRef(type="opportunity", id=renewal.id),
                kind=resources_pb2.ACTIVITY_KIND_TASK,
                subject=subject,
                due_at=Timestamp(seconds=int(due)),
            ),
        )
    page = signed_in(browser, floor, "ann")
    page.goto(f"{floor['url']}/")
    tasks = page.locator("section[aria-labelledby=my-tasks]")
    link = tasks.get_by_role("link", name="Chase the signature")
    link.wait_for()
    assert link.get_attribute("href") == f"/deals/{renewal.id}"
    assert tasks.get_by_text("Overdue").count() >= 1
    assert tasks.get_by_text("Plan 2030").count() == 0
    check_accessibility(page)
    page.context.close()


def card(page, deal_id: str):
    return page.locator(f'li.deal-card[data-deal="{deal_id}"]')


def column(page, stage: str):
    return page.locator(f'ol.cards[data-stage="{stage}"]')


def drag(page, deal_id: str, stage: str) -> None:
    page.locator(f'li.deal-card[data-deal="{deal_id}"] p.figures').drag_to(column(page, stage))


def test_a_card_is_dragged_to_the_next_stage_and_the_deal_is_won(browser, floor):
    rollout = new_deal(floor, "Board rollout", "2000.00")
    stale = new_deal(floor, "Stale rollout", "500.00")
    page = signed_in(browser, floor, "ann")
    page.goto(f"{floor['url']}/board/{floor['line'].id}")
    check_accessibility(page)
    screenshot(page, "board-en")

    drag(page, rollout.id, "proposal")
    page.locator("#board-status").filter(has_text="Deal moved.").wait_for()
    column(page, "proposal").locator(f'li[data-deal="{rollout.id}"]').wait_for()
    assert get_deal(floor, "ann", rollout.id).stage_key == "proposal"

    # Someone moves the other card meanwhile: the board's copy is stale, deals refuses the
    # drag (expected version) and the card snaps back with deals' own message.
    ann = floor["people"]["ann"]
    ann(
        floor["stubs"].deals.MoveDealToStage,
        deals_pb2.MoveDealToStageRequest(id=stale.id, stage_key="negotiation"),
    )
    drag(page, stale.id, "proposal")
    page.locator("#board-status.problem").wait_for()
    assert re.search("version", page.locator("#board-status").inner_text(), re.I)
    assert column(page, "new").locator(f'li[data-deal="{stale.id}"]').count() == 1
    assert get_deal(floor, "ann", stale.id).stage_key == "negotiation"

    card(page, rollout.id).get_by_role("link", name=re.compile("Close")).click()
    dialog = page.locator("#close-dialog")
    dialog.get_by_label("Actual revenue").fill("2100.00")
    dialog.get_by_role("button", name="Close as won").click()
    page.locator("#board-status").filter(has_text="Deal closed as won.").wait_for()
    assert card(page, rollout.id).count() == 0
    won = get_deal(floor, "ann", rollout.id)
    assert (won.status, won.actual_revenue.amount) == (resources_pb2.DEAL_STATUS_WON, "2100.00")
    page.context.close()


def test_keyboard_moves_use_the_cards_own_buttons(browser, floor):
    keyed = new_deal(floor, "Keyboard rollout")
    page = signed_in(browser, floor, "ann")
    page.goto(f"{floor['url']}/board/{floor['line'].id}")
    button = page.get_by_role("button", name="Move Keyboard rollout on to Proposal")
    button.focus()
    page.keyboard.press("Enter")
    page.locator("#board-status").filter(has_text="Deal moved.").wait_for()
    assert get_deal(floor, "ann", keyed.id).stage_key == "proposal"
    page.context.close()


def test_a_quote_is_priced_by_the_catalog_explained_accepted_and_ordered(browser, floor):
    offer = new_deal(floor, "Quoted rollout")
    page = signed_in(browser, floor, "ann")
    page.goto(f"{floor['url']}/deals/{offer.id}")
    page.get_by_label("Product of line 1").select_option(floor["product"].id)
    page.get_by_label("Quantity of line 1").fill("3")
    page.get_by_role("button", name="Explain the price").click()
    pricing = page.locator("#pricing")
    pricing.wait_for()
    assert "270.00" in pricing.locator(".pricing-net").inner_text()
    assert pricing.locator(".explanation li").count() >= 1
    page.get_by_label("Product of line 1").select_option(floor["product"].id)
    page.get_by_label("Quantity of line 1").fill("3")
    page.get_by_role("button", name="Save the priced lines").click()
    page.get_by_text("Quote priced by the catalog.").wait_for()
    quote = page.locator("article.quote").first
    assert "270.00" in quote.locator(".quote-total").inner_text()
    quote.get_by_role("button", name=re.compile("^Activate")).click()
    page.get_by_text("Quote activated.").wait_for()
    page.locator("article.quote-active").get_by_role("button", name=re.compile("^Accept")).click()
    page.get_by_text("Quote accepted.").wait_for()
    page.locator("article.quote-won").get_by_role(
        "button", name=re.compile("^Make the order")
    ).click()
    page.get_by_text("Order made.").wait_for()
    assert "270.00" in page.locator(".order").inner_text()
    page.context.close()


def test_another_teams_member_gets_the_same_page_as_for_a_deal_that_does_not_exist(browser, floor):
    theirs = new_deal(floor, "Berlin only")
    page = signed_in(browser, floor, "cid")
    hidden = page.goto(f"{floor['url']}/deals/{theirs.id}")
    hidden_text = page.locator("main").inner_text()
    missing = page.goto(f"{floor['url']}/deals/{uuid.uuid4().hex}")
    missing_text = page.locator("main").inner_text()
    assert hidden.status == missing.status == 404
    assert hidden_text == missing_text
    assert "Berlin only" not in page.content()
    page.context.close()


def test_persian_board_and_deal_page(browser, floor):
    shown = new_deal(floor, "Persian rollout")
    page = signed_in(browser, floor, "ann", language="fa")
    page.goto(f"{floor['url']}/board/{floor['line'].id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check_accessibility(page)
    screenshot(page, "board-fa")
    page.goto(f"{floor['url']}/deals/{shown.id}")
    check_accessibility(page)
    screenshot(page, "deal-fa")
    page.context.close()


def ordered_quote(floor, deal_id: str) -> None:
    """Ann's quote of 3 seats (270.00 EUR) accepted and ordered through deals' API."""
    ann = floor["people"]["ann"]
    quotes = billing_pb2_grpc.QuoteServiceStub(floor["bed"].channel("deals"))
    orders = billing_pb2_grpc.OrderServiceStub(floor["bed"].channel("deals"))
    quote = ann(quotes.CreateQuote, billing_pb2.CreateQuoteRequest(opportunity_id=deal_id))
    line = deals_pb2.LineInput(product_id=floor["product"].id, quantity="3", unit="seat")
    ann(quotes.PriceQuoteLines, billing_pb2.PriceQuoteLinesRequest(id=quote.id, lines=[line]))
    ann(quotes.ActivateQuote, billing_pb2.ActivateQuoteRequest(id=quote.id))
    ann(quotes.AcceptQuote, billing_pb2.AcceptQuoteRequest(id=quote.id))
    ann(orders.CreateOrder, billing_pb2.CreateOrderRequest(quote_id=quote.id))


def pay(page, amount: str, method: str, reference: str) -> None:
    form = page.locator("form.payment-form")
    form.get_by_label("Amount (EUR)").fill(amount)
    form.get_by_label("Method").select_option(method)
    form.get_by_label("Reference").fill(reference)
    form.get_by_role("button", name="Record the payment").click()


def test_an_order_is_invoiced_issued_and_paid_in_parts_by_the_supervisor(browser, floor):
    ordered = new_deal(floor, "Invoiced rollout")
    ordered_quote(floor, ordered.id)
    page = signed_in(browser, floor, "sue")
    page.goto(f"{floor['url']}/deals/{ordered.id}")  # a fresh page: listed by deals
    documents = page.locator("section[aria-labelledby=documents]")
    assert "270.00" in documents.locator("article.order").inner_text()
    documents.get_by_role("button", name="Make the invoice").click()
    page.get_by_text("Invoice drafted.").wait_for()
    page.get_by_role("button", name="Issue the invoice").click()
    page.get_by_text("Invoice issued.").wait_for()
    number = documents.locator("article.invoice h4").inner_text()
    assert re.search(r"INV-\d{4}-\d{6}", number)
    pay(page, "100.00", "cheque", "CHQ-7")
    page.get_by_text("Payment recorded.").wait_for()
    assert "170.00" in documents.locator(".invoice-balance").inner_text()
    assert "100.00" in documents.locator(".invoice-paid").inner_text()
    assert "CHQ-7" in documents.locator("article.invoice table").inner_text()
    pay(page, "500.00", "card", "TX-1")  # more than the balance: deals' own message
    problem = page.locator("p.problem[role=alert]")
    problem.wait_for()
    assert "balance" in problem.inner_text()
    pay(page, "170.00", "bank_transfer", "TX-2")
    page.get_by_text("Payment recorded.").wait_for()
    assert "0.00" in documents.locator(".invoice-balance").inner_text()
    assert documents.locator("article.invoice-paid").count() == 1
    assert documents.locator("form.payment-form").count() == 0
    page.reload()  # still there after a reload: deals lists the deal's documents
    assert documents.locator("article.invoice table tbody tr").count() == 2
    check_accessibility(page)
    screenshot(page, "deal-invoice-en")
    page.context.close()


def test_a_won_deals_priced_lines_are_invoiced_from_the_deal_page(browser, floor):
    won = new_deal(floor, "Directly invoiced rollout")
    ann = floor["people"]["ann"]
    line = deals_pb2.LineInput(product_id=floor["product"].id, quantity="2", unit="seat")
    ann(floor["stubs"].deals.SetDealLines, deals_pb2.SetDealLinesRequest(id=won.id, lines=[line]))
    ann(
        floor["stubs"].deals.CloseDealWon,
        deals_pb2.CloseDealWonRequest(
            id=won.id,
            actual_revenue=money_pb2.Money(amount="180.00", currency="EUR"),
            actual_close_date=dt.date.today().isoformat(),
        ),
    )
    rep = signed_in(browser, floor, "ann")  # an expert: deals refuses, the page says why
    rep.goto(f"{floor['url']}/deals/{won.id}")
    rep.get_by_role("button", name="Invoice the deal's priced lines").click()
    rep.locator("p.problem[role=alert]").wait_for()
    rep.context.close()
    page = signed_in(browser, floor, "sue")
    page.goto(f"{floor['url']}/deals/{won.id}")
    page.get_by_role("button", name="Invoice the deal's priced lines").click()
    page.get_by_text("Invoice drafted.").wait_for()
    draft = page.locator("article.invoice-draft")
    assert "180.00" in draft.inner_text() and "(draft, no number yet)" in draft.inner_text()
    assert page.get_by_role("button", name="Invoice the deal's priced lines").count() == 0
    page.context.close()


def test_a_person_chooses_their_own_time_zone(browser, floor):
    page = signed_in(browser, floor, "bob")
    page.goto(f"{floor['url']}/settings")
    page.get_by_role("combobox", name="Time zone").fill("Mars/Olympus")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("is not a time zone: choose one from the list").wait_for()
    page.get_by_role("combobox", name="Time zone").fill("Asia/Tehran")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Settings saved.").wait_for()
    assert page.get_by_role("combobox", name="Time zone").input_value() == "Asia/Tehran"
    shown = page.get_by_text("Now in your time zone").inner_text()
    tehran = dt.datetime.now(ZoneInfo("Asia/Tehran"))
    assert str(tehran.day) in shown and str(tehran.year) in shown
    check_accessibility(page)
    page.context.close()
    # Another person in the same browser profile keeps the console's zone.
    other = signed_in(browser, floor, "ann")
    other.goto(f"{floor['url']}/settings")
    assert other.get_by_role("combobox", name="Time zone").input_value() == "UTC"
    other.context.close()


def test_a_hebrew_reader_gets_a_right_to_left_deal_page_with_gregorian_dates_and_shekels(
    browser, floor
):
    shekel = new_deal(floor, "Tel Aviv rollout", "1234.50", currency="ILS")
    ann = floor["people"]["ann"]
    activities = activities_pb2_grpc.ActivityServiceStub(floor["bed"].channel("deals"))
    ann(
        activities.LogActivity,
        activities_pb2.LogActivityRequest(
            target=resources_pb2.RecordRef(type="opportunity", id=shekel.id),
            kind=resources_pb2.ACTIVITY_KIND_NOTE,
            subject="Budget confirmed",
        ),
    )
    page = signed_in(browser, floor, "ann", language="he")
    page.goto(f"{floor['url']}/deals/{shekel.id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "he"
    revenue = page.locator("section[aria-labelledby=details] dd").nth(3).inner_text()
    assert "₪" in revenue and "1,234.50" in revenue
    logged = page.locator("li.activity-note time").first.inner_text()
    assert str(dt.datetime.now(dt.UTC).year) in logged  # Gregorian, Western digits
    assert not re.search("[۰-۹]", logged)
    check_accessibility(page)
    screenshot(page, "deal-he")
    page.goto(f"{floor['url']}/board/{floor['line'].id}")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check_accessibility(page)
    screenshot(page, "board-he")
    page.context.close()
