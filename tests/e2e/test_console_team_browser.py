"""The console's Team area in headless Chromium, over the real processes of identity, territory,
leads and deals: a supervisor assigns a lead of the unassigned queue to a member and reassigns
it to another; a unit manager moves a member to another team and watches the hand-over until
every open lead and deal of theirs has a new owner; a rep sees the area as not allowed; the
manager of a sibling unit sees none of the team. The pages pass the accessibility check and are
photographed for docs/console.md (English, Persian)."""

from __future__ import annotations

import grpc
import pytest
from console_sales_floor import console, deal, sign_in
from e2e_platform import (
    As,
    Stubs,
    create_person,
    create_pipeline,
    german_line,
    small_company,
    unique,
    web_form_lead,
)

from crm.identity.v1 import users_pb2
from crm.leads.v1 import lead_service_pb2 as ls
from crm.territory.v1 import org_pb2, routing_pb2, teams_pb2
from crm_devrun.bed import PlatformBed
from crm_testkit.browser import check_accessibility, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.browser]
SERVICES = ["identity", "territory", "leads", "deals"]


@pytest.fixture(scope="module")
def floor(tmp_path_factory):
    """small_company (Berlin: ann, bob, sue supervisor; Munich: cid; dee manages DACH) with
    Berlin as the unassigned queue team, and a sibling unit Nordics under EMEA whose manager nia
    runs team Oslo."""
    workdir = tmp_path_factory.mktemp("bed")
    with PlatformBed(SERVICES, workdir) as bed:
        stubs = Stubs(bed)
        admin = As(bed.admin_token())
        company = small_company(bed, stubs, admin)
        line = german_line(stubs, admin, company)
        create_pipeline(bed, admin, line.id)
        admin(
            stubs.org.SetUnassignedQueue,
            org_pb2.SetUnassignedQueueRequest(team_id=company["berlin"].id),
        )
        people = dict(company["people"])
        people["nia"] = create_person(bed, stubs, admin, "nia")
        nordics = admin(
            stubs.org.CreateOrgUnit,
            org_pb2.CreateOrgUnitRequest(
                name=unique("Nordics"), parent_id=company["emea"].id, department="sales"
            ),
        ).unit
        oslo = admin(
            stubs.teams.CreateTeam,
            teams_pb2.CreateTeamRequest(name=unique("Oslo"), unit_id=nordics.id),
        ).team
        admin(
            stubs.org.AssignUnitManager,
            org_pb2.AssignUnitManagerRequest(unit_id=nordics.id, user_id=people["nia"].user_id),
        )
        emails = {
            name: admin(stubs.users.GetUser, users_pb2.GetUserRequest(id=who.user_id)).email
            for name, who in people.items()
        }
        with console(bed, workdir) as url:
            yield dict(
                bed=bed,
                stubs=stubs,
                admin=admin,
                url=url,
                line=line,
                people=people,
                emails=emails,
                oslo=oslo,
                berlin=company["berlin"],
                munich=company["munich"],
            )


def signed_in(browser, floor, who: str, language: str = "en"):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, floor["url"], floor["emails"][who])
    if language != "en":
        context.add_cookies([{"name": "crm_lang", "value": language, "url": floor["url"]}])
    return page


def queued_lead(floor) -> str:
    """A lead no rule routes (country FR): it waits in Berlin's unassigned queue."""
    request = web_form_lead(floor["line"].id)
    request.lead.location.country = "FR"
    lead_id = floor["admin"](floor["stubs"].leads.CreateLead, request).lead.id
    sue, routing = floor["people"]["sue"], floor["stubs"].routing

    def waiting():
        # territory lists the decision once it commits it; leads makes the lead the queue team's
        # when its worker applies lead_routed, a moment later: both, before a supervisor acts.
        queue = sue(routing.ListUnassignedLeads, routing_pb2.ListUnassignedLeadsRequest())
        if not any(d.lead_id == lead_id for d in queue.decisions):
            return None
        code = sue.code(floor["stubs"].leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
        return code == grpc.StatusCode.OK or None

    floor["bed"].wait_for(waiting, 60, "the lead never reached the unassigned queue")
    return lead_id


def owner_of(floor, who: str, lead_id: str) -> str:
    person = floor["people"][who]
    lead = person(floor["stubs"].leads.GetLead, ls.GetLeadRequest(lead_id=lead_id))
    return lead.assignment.owner_user_id


def test_a_supervisor_assigns_from_the_queue_and_reassigns_within_the_team(browser, floor):
    people, berlin = floor["people"], floor["berlin"]
    lead_id = queued_lead(floor)
    page = signed_in(browser, floor, "sue")
    page.get_by_role("link", name="Team").click()
    page.wait_for_url(f"**/team/{berlin.id}")  # sue runs one team: straight to it
    assert page.get_by_role("heading", name="Unassigned queue").count()
    # the members by the names territory gives their supervisor, not by their user ids
    for who in ("ann", "bob", "sue"):
        assert page.get_by_role("link", name=who.title(), exact=True).count() == 1
        assert people[who].user_id not in page.locator("main").inner_text()
    check_accessibility(page)
    screenshot(page, "team-en")
    page.locator(f"#assign-{lead_id}").select_option(people["ann"].user_id)
    page.locator(f"form[action$='/queue/{lead_id}/assign'] button").click()
    page.get_by_text("Lead assigned.").wait_for()
    assert owner_of(floor, "sue", lead_id) == people["ann"].user_id

    page.goto(f"{floor['url']}/team/{berlin.id}/members/{people['ann'].user_id}")
    check_accessibility(page)
    screenshot(page, "team-member-en")
    page.locator(f"#lead-owner-{lead_id}").select_option(people["bob"].user_id)
    page.locator(f"form[action$='/leads/{lead_id}/reassign'] button").click()
    page.get_by_text("Lead reassigned.").wait_for()
    assert owner_of(floor, "sue", lead_id) == people["bob"].user_id


def test_moving_a_member_shows_the_hand_over_until_it_is_done(browser, floor):
    people, berlin, stubs = floor["people"], floor["berlin"], floor["stubs"]
    bob = people["bob"]
    lead_id = queued_lead(floor)
    people["sue"](
        stubs.leads.AssignLead,
        ls.AssignLeadRequest(lead_id=lead_id, team_id=berlin.id, owner_user_id=bob.user_id),
    )
    bobs_deal = deal(
        floor["bed"], stubs, bob, berlin.id, floor["line"].id, unique("Bob rollout"), "900.00"
    )
    page = signed_in(browser, floor, "dee")  # dee manages DACH: above Berlin and Munich
    page.goto(f"{floor['url']}/team/{berlin.id}/members/{bob.user_id}")
    assert page.get_by_role("link", name=bobs_deal.name).count()
    page.get_by_label("New team").select_option(floor["munich"].id)
    page.get_by_role("button", name="Move", exact=True).click()
    page.wait_for_url(f"**/team/{berlin.id}/handover/{bob.user_id}*")
    page.locator(".handover-done").wait_for(timeout=90_000)  # htmx polls until nothing is left
    assert page.locator(".count-leads").inner_text() == "0"
    assert page.locator(".count-deals").inner_text() == "0"
    check_accessibility(page)
    screenshot(page, "team-handover-en")
    assert owner_of(floor, "sue", lead_id) != bob.user_id

    persian = signed_in(browser, floor, "dee", "fa")
    persian.goto(f"{floor['url']}/team/{berlin.id}")
    assert persian.locator("html").get_attribute("dir") == "rtl"
    check_accessibility(persian)
    screenshot(persian, "team-fa")
    persian.goto(f"{floor['url']}/team/{berlin.id}/members/{people['ann'].user_id}")
    screenshot(persian, "team-member-fa")


def test_a_rep_is_not_allowed_and_a_sibling_units_manager_sees_none_of_the_team(browser, floor):
    people, berlin, url = floor["people"], floor["berlin"], floor["url"]
    lead_id = queued_lead(floor)
    rep = signed_in(browser, floor, "ann")
    assert not rep.get_by_role("link", name="Team", exact=True).count()
    rep.goto(f"{url}/team/{berlin.id}")
    assert rep.get_by_role("heading", name="The Team pages are not open to you").count()

    nia = signed_in(browser, floor, "nia")
    nia.get_by_role("link", name="Team", exact=True).click()
    nia.wait_for_url(f"**/team/{floor['oslo'].id}")  # the only team nia runs
    assert berlin.name not in nia.content() and lead_id not in nia.content()
    assert nia.get_by_text("No lead waits in a queue you can assign from.").count()
    for path in (f"/team/{berlin.id}", f"/team/{berlin.id}/members/{people['ann'].user_id}"):
        nia.goto(f"{url}{path}")
        assert nia.get_by_role("heading", name="Not found").count(), path
        assert "Ann" not in nia.locator("main").inner_text()
