"""The Organisation pages on fakes: an administrator builds units, a team and a sales line; a
refused change shows territory's own message at the field it names (or at the top) with the
entries kept; a manager adds a member and sets a target, a rep is refused; every change needs the
form's CSRF token; the route preview explains which rule matched (htmx fragment and plain page)."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from crm_console.domain.errors import ConsoleError, Unavailable
from crm_console.domain.organisation import Condition, DirectoryPerson, Rule, person_meant

PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form token"
    return match.group(1)


def main(page: str) -> str:
    return html.unescape(page[page.index("<main") : page.index("</main>")])


def sign_in(client, email: str) -> None:
    form = client.get("/sign-in")
    client.post(
        "/sign-in", data={"csrf_token": csrf(form.text), "email": email, "password": PASSWORD}
    )


@pytest.fixture
def org(world):
    client, identity, _, _ = world
    fake = client.app.state.console.deps.organisation
    people = {
        "root": identity.add("root@example.com", "Root", roles=("admin",)),
        "mia": identity.add("mia@example.com", "Mia"),  # manager of team-1
        "rex": identity.add("rex@example.com", "Rex"),  # a rep
    }
    identity.owners["setup"] = people["root"].user_id  # the token the tests arrange with
    return client, fake, people


def post(client, path: str, form: dict[str, str], page: str | None = None):
    token = csrf(client.get(page or path).text)
    return client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)


def create_unit(client, name: str, parent_id: str, department: str):
    form = {"form": "create-unit", "name": name, "parent_id": parent_id, "department": department}
    return post(client, "/organisation/units", form, page="/organisation")


def test_an_administrator_builds_units_a_team_and_a_sales_line(org):
    client, fake, _ = org
    sign_in(client, "root@example.com")
    answer = create_unit(client, "Sales", "", "sales")
    assert answer.status_code == 303 and answer.headers["location"].endswith("notice=unit_created")
    create_unit(client, "DACH", "unit-1", "")
    post(
        client,
        "/organisation/teams",
        {
            "form": "create-team",
            "name": "Berlin Reps",
            "unit_id": "unit-2",
            "strategy": "round_robin",
            "time_zone": "Europe/Berlin",
        },
        page="/organisation",
    )
    page = client.get("/organisation?notice=team_created")
    shown = main(page.text)
    assert "Team created." in shown
    assert shown.index("Sales") < shown.index("DACH")  # the tree: parent first
    assert 'class="org-depth-1' in shown  # DACH one level down
    assert "Berlin Reps" in shown and fake.team_rows["team-1"].time_zone == "Europe/Berlin"
    answer = post(
        client,
        "/organisation/lines",
        {
            "form": "create-line",
            "name": "SMB",
            "description": "pro-forma",
            "workflow_kind": "quote",
            "team_ids": "team-1",
        },
    )
    assert answer.status_code == 303
    assert fake.line_rows["line-1"].team_ids == ("team-1",)
    assert "SMB" in main(client.get("/organisation/lines").text)


def test_rename_and_move_a_unit_and_a_refused_move_names_its_field(org):
    client, fake, people = org
    sign_in(client, "root@example.com")
    top = fake.create_unit("setup", "Sales", "", "sales")
    region = fake.create_unit("setup", "DACH", top.id, "")
    other = fake.create_unit("setup", "Nordics", top.id, "")
    post(
        client,
        f"/organisation/units/{region.id}",
        {"form": f"rename-{region.id}", "intent": "rename", "version": "1", "name": "Central"},
        page="/organisation",
    )
    assert fake.unit_rows[region.id].name == "Central"
    post(
        client,
        f"/organisation/units/{other.id}",
        {"form": f"move-{other.id}", "intent": "move", "version": "1", "new_parent_id": region.id},
        page="/organisation",
    )
    assert fake.unit_rows[other.id].parent_id == region.id
    refused = post(
        client,
        f"/organisation/units/{top.id}",
        {"form": f"move-{top.id}", "intent": "move", "version": "1", "new_parent_id": other.id},
        page="/organisation",
    )
    assert refused.status_code == 409
    shown = main(refused.text)
    problem_id = f"move-{top.id}-new_parent_id-problem"
    assert f'id="{problem_id}"' in shown and "'Nordics' is inside 'Sales'" in shown
    assert f'aria-describedby="{problem_id}"' in shown
    post(
        client,
        f"/organisation/units/{top.id}",
        {"form": f"manager-{top.id}", "intent": "assign_manager", "person": "mia@example.com"},
        page="/organisation",
    )
    assert fake.unit_rows[top.id].manager_user_ids == (people["mia"].user_id,)


def test_a_rep_is_refused_with_territorys_message_and_the_entries_kept(org):
    client, fake, _ = org
    sign_in(client, "rex@example.com")
    refused = create_unit(client, "Rogue unit", "", "sales")
    assert refused.status_code == 409
    shown = main(refused.text)
    assert 'id="page-problem"' in shown and "only an administrator may create units" in shown
    assert 'value="Rogue unit"' in shown  # the entry is kept
    assert fake.unit_rows == {}


def test_the_console_names_the_field_of_its_own_checks(org):
    client, _, _ = org
    sign_in(client, "root@example.com")
    refused = create_unit(client, "  ", "", "")
    assert refused.status_code == 409
    assert 'id="create-unit-name-problem"' in refused.text
    assert "enter the unit&#39;s name" in refused.text


def test_every_change_needs_the_forms_token(org):
    client, fake, _ = org
    sign_in(client, "root@example.com")
    for path in (
        "/organisation/units",
        "/organisation/teams",
        "/organisation/lines",
        "/organisation/territories",
    ):
        answer = client.post(path, data={"name": "x"}, follow_redirects=False)
        assert answer.status_code == 403, path
    assert fake.unit_rows == {} and fake.team_rows == {}


@pytest.fixture
def team_one(org):
    client, fake, people = org
    unit = fake.create_unit("setup", "Sales", "", "sales")
    team = fake.create_team("setup", "Berlin Reps", unit.id, "round_robin", "UTC")
    fake.managers[team.id] = {people["mia"].user_id}
    line = fake.create_sales_line("setup", "SMB", "", "quote", (team.id,))
    return client, fake, people, team, line


def test_a_manager_adds_and_ends_a_membership(team_one):
    client, fake, people, team, _ = team_one
    sign_in(client, "mia@example.com")
    path = f"/organisation/teams/{team.id}/members"
    answer = post(
        client,
        path,
        {"form": "add-member", "person": "Rex", "role": "expert", "daily_capacity": "12"},
        page=f"/organisation/teams/{team.id}",
    )
    assert answer.status_code == 303
    page = client.get(f"/organisation/teams/{team.id}?notice=member_added")
    # the member by name (territory names the team's members to its manager), not by id
    assert "Member added." in page.text and "<td>Rex</td>" in main(page.text)
    assert people["rex"].user_id not in main(page.text)
    assert fake.named[-1] == (people["rex"].user_id,)  # one call for the page's people
    again = post(
        client,
        path,
        {
            "form": "add-member",
            "person": "rex@example.com",
            "role": "expert",
            "daily_capacity": "1",
        },
        page=f"/organisation/teams/{team.id}",
    )
    assert again.status_code == 409
    assert (
        'id="add-member-person-problem"' in again.text
        and "member of the team already" in again.text
    )
    membership = next(iter(fake.member_rows))
    ended = post(
        client,
        f"{path}/{membership}/end",
        {"form": f"end-{membership}", "reason": "left"},
        page=f"/organisation/teams/{team.id}",
    )
    assert ended.status_code == 303 and fake.member_rows[membership].ends_at is not None
    assert "Past members" in client.get(f"/organisation/teams/{team.id}").text


def test_targets_per_period_and_a_refused_row_shown_on_top(team_one):
    client, _fake, _people, team, line = team_one

    def set_target(period, team_id, amount="1", currency="EUR", deal_count="0"):
        return post(
            client,
            f"/organisation/lines/{line.id}/targets",
            {
                "form": "set-target",
                "period": period,
                "team_id": team_id,
                "amount": amount,
                "currency": currency,
                "deal_count": deal_count,
            },
            page=f"/organisation/lines/{line.id}",
        )

    sign_in(client, "mia@example.com")
    answer = set_target("2026-Q1", team.id, amount="125000", currency="eur", deal_count="8")
    assert answer.status_code == 303 and answer.headers["location"].endswith("period=2026-Q1")
    page = main(client.get(f"/organisation/lines/{line.id}?period=2026-Q1").text)
    assert "€125,000.00" in page and "Berlin Reps" in page
    refused = set_target("2026-Q3", "team-9")
    assert refused.status_code == 409 and 'id="page-problem"' in refused.text
    bad_period = set_target("Q3", team.id)
    assert 'id="set-target-period-problem"' in bad_period.text
    sign_in(client, "rex@example.com")
    rep = set_target("2026", team.id)
    assert rep.status_code == 409
    assert "only an administrator or a manager of the team may set targets" in rep.text


@pytest.fixture
def territory(team_one):
    client, fake, people, team, line = team_one
    dach = Rule("", "DACH", (Condition("country", ("DE", "AT", "CH")),))
    made = fake.create_territory("setup", "Central Europe", line.id, team.id, 1, (dach,))
    return client, fake, people, made


def test_the_route_preview_explains_which_rule_matched(territory):
    client, fake, people, _made = territory
    fake.supervisors.add(people["mia"].user_id)
    sign_in(client, "mia@example.com")
    fragment = client.get(
        "/organisation/territories/preview?country=de&industry=software&company_size=120",
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and "<html" not in fragment.text
    text = html.unescape(fragment.text)
    assert "Goes to Central Europe" in text
    assert "rule 'DACH' of territory 'Central Europe' matched" in text
    assert "country is one of DE, AT, CH" in text and "rule 1 of the territory" in text
    assert "Berlin Reps" in text  # the team by its name
    assert fake.previews[-1].country == "DE" and fake.previews[-1].company_size == 120
    page = client.get("/organisation/territories/preview?country=FR")  # without script
    assert "<html" in page.text and "Waits in the unassigned queue" in page.text
    assert 'value="FR"' in page.text  # the typed attributes stay in the form


def test_a_preview_refusal_and_a_typing_mistake_are_shown(territory):
    client, _, _, _ = territory
    sign_in(client, "rex@example.com")
    refused = client.get(
        "/organisation/territories/preview?country=DE", headers={"HX-Request": "1"}
    )
    assert "needs the admin role or a supervisor+ role" in refused.text
    mistyped = client.get(
        "/organisation/territories/preview?company_size=many", headers={"HX-Request": "1"}
    )
    assert "the company size is a whole number of employees" in mistyped.text
    empty = client.get("/organisation/territories/preview", headers={"HX-Request": "1"})
    assert "Type a lead's attributes" in empty.text


def test_adding_and_removing_rules_publishes_versions(territory):
    client, fake, _, made = territory
    sign_in(client, "root@example.com")
    path = f"/organisation/territories/{made.id}/rules"

    def change(form):
        return post(client, path, form, page=f"/organisation/territories/{made.id}")

    def add_rule(version, name, attribute, values, **extra):
        return change(
            {
                "form": "add-rule",
                "intent": "add",
                "rules_version": version,
                "rule_name": name,
                "attribute": attribute,
                "values": values,
                **extra,
            }
        )

    added = add_rule(
        "1", "Software", "industry", "software; saas", position="1", comment="software first"
    )
    assert added.status_code == 303
    rules = fake.territory_rows[made.id].rules
    assert [r.name for r in rules] == ["Software", "DACH"]
    assert rules[0].conditions[0].values == ("software", "saas")
    assert rules[1].id == made.rules[0].id  # the kept rule keeps its identity
    page = main(client.get(f"/organisation/territories/{made.id}").text)
    assert "version 2" in page and "software first" in page
    stale = add_rule("1", "Late", "country", "FR")
    assert stale.status_code == 409 and "reload and try again" in stale.text
    unknown = add_rule("2", "Odd", "shoe_size", "42")
    assert "unknown attribute &#39;shoe_size&#39;" in unknown.text
    removed = change(
        {
            "form": f"remove-{rules[0].id}",
            "intent": "remove",
            "rule_id": rules[0].id,
            "rules_version": "2",
        }
    )
    assert removed.status_code == 303
    assert [r.name for r in fake.territory_rows[made.id].rules] == ["DACH"]


def test_create_a_territory_and_a_taken_priority_is_named(team_one):
    client, _fake, _, team, line = team_one
    sign_in(client, "root@example.com")
    form = {
        "form": "create-territory",
        "name": "DE",
        "sales_line_id": line.id,
        "team_id": team.id,
        "priority": "1",
        "rule_name": "Germany",
        "attribute": "country",
        "values": "DE",
        "currency": "",
    }
    assert post(client, "/organisation/territories", form).status_code == 303
    again = post(client, "/organisation/territories", {**form, "name": "DE 2"})
    assert again.status_code == 409 and 'id="create-territory-priority-problem"' in again.text
    listed = main(client.get("/organisation/territories").text)
    assert "Germany" in listed and "country is one of DE" in listed


def test_members_and_managers_outside_what_territory_names_keep_their_ids(team_one):
    client, fake, people, team, _ = team_one
    fake.add_member("setup", team.id, people["rex"].user_id, "expert", 0)
    fake.assign_manager("setup", team.unit_id, people["root"].user_id)
    sign_in(client, "rex@example.com")  # a rep of the team: territory names its members
    shown = main(client.get(f"/organisation/teams/{team.id}").text)
    assert "<td>Rex</td>" in shown
    units = main(client.get("/organisation").text)
    # the unit's manager is in no team of Rex's: territory leaves the name out, the id stays
    assert f"Managers: {people['root'].user_id}" in units
    fake.names_refusal = Unavailable("territory did not answer")
    shown = main(client.get(f"/organisation/teams/{team.id}").text)
    assert people["rex"].user_id in shown and "<td>Rex</td>" not in shown


def test_rename_and_deactivate_a_team_and_a_refusal_shows_territorys_message(team_one):
    client, fake, people, team, _ = team_one
    fake.add_member("setup", team.id, people["rex"].user_id, "expert", 0)
    sign_in(client, "root@example.com")
    path = f"/organisation/teams/{team.id}"
    page = client.get(path).text
    assert 'id="rename-team"' in page and 'id="deactivate-team"' in page
    renamed = post(
        client, path, {"form": "rename-team", "intent": "rename", "version": "1", "name": "Core"}
    )
    assert renamed.status_code == 303 and renamed.headers["location"].endswith("team_renamed")
    assert fake.team_rows[team.id].name == "Core"
    stale = post(
        client, path, {"form": "rename-team", "intent": "rename", "version": "1", "name": "X"}
    )
    assert stale.status_code == 409 and "changed meanwhile" in main(stale.text)
    assert 'value="X"' in stale.text  # the entry kept
    refused = post(client, path, {"form": "deactivate-team", "intent": "deactivate"})
    assert refused.status_code == 409
    assert "still has 1 active member(s)" in main(refused.text)
    assert 'role="alert" id="page-problem"' in refused.text
    membership = next(iter(fake.member_rows))
    fake.end_membership("setup", membership, "left")
    done = post(client, path, {"form": "deactivate-team", "intent": "deactivate"})
    assert done.status_code == 303 and not fake.team_rows[team.id].active
    page = main(client.get(f"{path}?notice=team_deactivated").text)
    assert "Team deactivated." in page and 'id="deactivate-team"' not in page


def test_a_manager_may_not_rename_a_team_territory_says_so(team_one):
    client, fake, _people, team, _ = team_one
    sign_in(client, "mia@example.com")
    path = f"/organisation/teams/{team.id}"
    answer = post(
        client, path, {"form": "rename-team", "intent": "rename", "version": "1", "name": "Mine"}
    )
    assert answer.status_code == 409 and "only an administrator may rename teams" in answer.text
    assert fake.team_rows[team.id].name == "Berlin Reps"
    empty = post(client, path, {"form": "rename-team", "intent": "rename", "name": " "})
    assert 'id="rename-team-name-problem"' in empty.text  # the console's own check, at its field


def test_deactivate_a_unit_refused_while_teams_hang_below(team_one):
    client, fake, _people, team, _ = team_one
    sign_in(client, "root@example.com")
    unit_id = team.unit_id
    form = {"form": f"deactivate-{unit_id}", "intent": "deactivate"}
    refused = post(client, f"/organisation/units/{unit_id}", form, page="/organisation")
    assert refused.status_code == 409
    assert "still has active units or teams: Berlin Reps" in main(refused.text)
    fake.team_rows[team.id] = replace(fake.team_rows[team.id], active=False)
    done = post(client, f"/organisation/units/{unit_id}", form, page="/organisation")
    assert done.status_code == 303 and done.headers["location"].endswith("unit_deactivate")
    page = main(client.get("/organisation?notice=unit_deactivate").text)
    assert "Unit deactivated." in page and f'id="deactivate-{unit_id}"' not in page


def test_rename_reorder_and_deactivate_a_territory(territory):
    client, fake, _people, made = territory
    sign_in(client, "root@example.com")
    path = f"/organisation/territories/{made.id}"
    answer = post(
        client,
        path,
        {
            "form": "update-territory",
            "intent": "update",
            "version": str(made.version),
            "name": "DACH",
            "priority": "3",
        },
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("territory_updated")
    assert (fake.territory_rows[made.id].name, fake.territory_rows[made.id].priority) == (
        "DACH",
        3,
    )
    typo = post(
        client, path, {"form": "update-territory", "intent": "update", "name": "D", "priority": "x"}
    )
    assert 'id="update-territory-priority-problem"' in typo.text
    done = post(client, path, {"form": "deactivate-territory", "intent": "deactivate"})
    assert done.status_code == 303 and not fake.territory_rows[made.id].active
    page = main(client.get(f"{path}?notice=territory_deactivated").text)
    assert "Territory deactivated: it routes no more leads." in page
    assert "This territory is deactivated" in page


def test_a_rep_may_not_deactivate_a_territory(territory):
    client, fake, _people, made = territory
    sign_in(client, "rex@example.com")
    path = f"/organisation/territories/{made.id}"
    answer = post(client, path, {"form": "deactivate-territory", "intent": "deactivate"})
    assert answer.status_code == 409
    assert "only an administrator may deactivate territories" in main(answer.text)
    assert fake.territory_rows[made.id].active
    no_token = client.post(path, data={"form": "deactivate-territory", "intent": "deactivate"})
    assert no_token.status_code == 403 and fake.territory_rows[made.id].active


def test_a_lines_page_lists_its_pipelines_default_first_and_creates_another(team_one):
    client, _fake, _people, _team, line = team_one
    deals = client.app.state.console.deps.deals
    sign_in(client, "root@example.com")
    path = f"/organisation/lines/{line.id}"
    made = post(client, f"{path}/pipelines", {"form": "create-pipeline", "name": "Aardvark"}, path)
    assert made.status_code == 303 and made.headers["location"].endswith("pipeline_created")
    (extra,) = deals.more_pipelines
    assert extra.name == "Aardvark" and not extra.line_default
    assert extra.stages == deals.pipeline_details("setup")[0].stages  # the default's to start
    page = main(client.get(f"{path}?notice=pipeline_created").text)
    assert "Pipeline created: its territories may name it." in page
    # the default first even though "Aardvark" sorts before "SMB pipeline", and marked
    assert page.index('data-pipeline="pipeline-1"') < page.index(f'data-pipeline="{extra.id}"')
    default_item = page[page.index('data-pipeline="pipeline-1"') :]
    assert default_item.index("the line's default") < default_item.index(extra.id)
    again = post(client, f"{path}/pipelines", {"form": "create-pipeline", "name": "Aardvark"}, path)
    assert again.status_code == 409 and 'id="create-pipeline-name-problem"' in again.text
    assert "the line has a pipeline named 'Aardvark' already" in html.unescape(again.text)
    empty = post(client, f"{path}/pipelines", {"form": "create-pipeline", "name": " "}, path)
    assert empty.status_code == 409 and "enter the pipeline&#39;s name" in empty.text
    assert len(deals.more_pipelines) == 1


def test_a_territory_names_a_pipeline_of_its_line_shown_by_name_and_cleared(territory):
    client, fake, _people, made = territory
    deals = client.app.state.console.deps.deals
    extra = deals.create_pipeline("setup", made.sales_line_id, "Enterprise deals", (), True)
    sign_in(client, "root@example.com")
    path = f"/organisation/territories/{made.id}"
    form = main(client.get(path).text)
    assert f'<option value="{extra.id}">Enterprise deals</option>' in form
    assert "SMB pipeline (the line's default)" in form
    update = {"form": "update-territory", "intent": "update", "name": made.name, "priority": "1"}
    answer = post(client, path, {**update, "pipeline_id": extra.id})
    assert answer.status_code == 303 and fake.territory_rows[made.id].pipeline_id == extra.id
    listed = main(client.get("/organisation/territories").text)
    assert f'<td data-pipeline="{extra.id}">Enterprise deals</td>' in listed
    assert f'<option value="{extra.id}" selected>' in client.get(path).text
    kept = post(client, path, update)  # a form without the choice keeps it
    assert kept.status_code == 303 and fake.territory_rows[made.id].pipeline_id == extra.id
    cleared = post(client, path, {**update, "pipeline_id": ""})
    assert cleared.status_code == 303 and fake.territory_rows[made.id].pipeline_id == ""
    listed = main(client.get("/organisation/territories").text)
    assert '<td data-pipeline="">the line\'s pipeline</td>' in listed


def test_a_new_territory_names_its_pipeline_and_a_refusal_shows_territorys_message(territory):
    client, fake, _people, made = territory
    deals = client.app.state.console.deps.deals
    extra = deals.create_pipeline("setup", made.sales_line_id, "Enterprise deals", (), True)
    fake.update_territory("setup", made.id, made.name, 0, 0, pipeline_id="pipeline-1")
    sign_in(client, "root@example.com")
    form = {
        "form": "create-territory",
        "name": "Nordics",
        "sales_line_id": made.sales_line_id,
        "team_id": made.team_id,
        "priority": "2",
        "rule_name": "North",
        "attribute": "country",
        "values": "SE",
        "currency": "",
        "pipeline_id": extra.id,
    }
    choice = main(client.get("/organisation/territories").text)
    assert f'<option value="{extra.id}">SMB · Enterprise deals</option>' in choice
    refused = post(client, "/organisation/territories", form)
    assert refused.status_code == 409
    assert 'id="create-territory-pipeline_id-problem"' in refused.text
    assert "name the same one or none" in refused.text
    created = post(client, "/organisation/territories", {**form, "pipeline_id": "pipeline-1"})
    assert created.status_code == 303
    (nordics,) = (t for t in fake.territory_rows.values() if t.name == "Nordics")
    assert nordics.pipeline_id == "pipeline-1"


def test_a_person_is_found_by_name_or_e_mail_and_a_vague_text_says_what_to_type(team_one):
    client, fake, people, team, _ = team_one
    identity = client.app.state.console.deps.identity
    identity.add("rexa@example.com", "Rexa Berg")
    sign_in(client, "mia@example.com")
    path, page = f"/organisation/teams/{team.id}/members", f"/organisation/teams/{team.id}"
    form = {"form": "add-member", "role": "expert", "daily_capacity": "0"}
    several = post(client, path, {**form, "person": "Re"}, page)
    assert several.status_code == 409 and 'id="add-member-person-problem"' in several.text
    shown = main(several.text)
    assert "2 people match 'Re' (Rex <rex@example.com>, Rexa Berg <rexa@example.com>)" in shown
    assert "enter more of the name, or the e-mail" in shown and 'value="Re"' in shown
    nobody = post(client, path, {**form, "person": "Zed"}, page)
    assert nobody.status_code == 409
    assert "no one's name or e-mail contains 'Zed': check the spelling" in main(nobody.text)
    assert fake.member_rows == {}
    # the whole name is exact although "Rexa Berg" contains it too
    exact = post(client, path, {**form, "person": "REX"}, page)
    assert exact.status_code == 303
    (added,) = fake.member_rows.values()
    assert added.user_id == people["rex"].user_id
    assert identity.searches[-1] == (people["mia"].user_id, "REX", True)  # as Mia, active only


def test_a_deactivated_person_is_not_made_a_manager_but_can_be_removed(team_one):
    client, fake, people, team, _ = team_one
    identity = client.app.state.console.deps.identity
    unit_id = team.unit_id
    fake.assign_manager("setup", unit_id, people["rex"].user_id)
    identity.deactivated.add(people["rex"].user_id)
    sign_in(client, "root@example.com")
    path = f"/organisation/units/{unit_id}"
    form = {"form": f"manager-{unit_id}", "person": "rex@example.com"}
    refused = post(client, path, {**form, "intent": "assign_manager"}, "/organisation")
    assert refused.status_code == 409
    assert f'id="manager-{unit_id}-person-problem"' in refused.text
    removed = post(client, path, {**form, "intent": "remove_manager"}, "/organisation")
    assert removed.status_code == 303
    assert people["rex"].user_id not in fake.unit_rows[unit_id].manager_user_ids
    empty = post(client, path, {**form, "person": " ", "intent": "assign_manager"}, "/organisation")
    assert empty.status_code == 409 and "enter the person&#39;s name or e-mail" in empty.text


def test_more_people_than_one_search_reads_are_counted_as_more():
    many = tuple(DirectoryPerson(f"u{n}", f"ann{n}@x.de", f"Ann {n}") for n in range(6))
    with pytest.raises(ConsoleError) as vague:
        person_meant(many, "ann", "person", more=True)
    assert str(vague.value).startswith("more than 6 people match 'ann' (Ann 0 <ann0@x.de>")
    assert ", …)" in str(vague.value) and "Ann 5" not in str(vague.value)
    assert person_meant(many, "ANN3@x.de", "person", more=True) == "u3"
    assert person_meant(many[:1], "ann", "person", more=False) == "u0"


def test_a_persian_or_hebrew_form_gets_the_consoles_own_check_in_its_language(team_one):
    client, _, _, team, _ = team_one
    client.app.state.console.deps.identity.add("rexa@example.com", "Rexa Berg")
    sign_in(client, "mia@example.com")
    path, page = f"/organisation/teams/{team.id}/members", f"/organisation/teams/{team.id}"
    form = {"form": "add-member", "role": "expert", "daily_capacity": "0", "person": "Re"}
    people = "Rex <rex@example.com>, Rexa Berg <rexa@example.com>"
    client.cookies.set("crm_lang", "he", domain="console.test")
    several = post(client, path, form, page)
    assert several.status_code == 409 and 'id="add-member-person-problem"' in several.text
    assert f"2 אנשים מתאימים ל־'Re' ({people}): הזינו עוד מהשם" in main(several.text)
    client.cookies.set("crm_lang", "fa", domain="console.test")
    several = post(client, path, form, page)
    assert f"۲ نفر با 'Re' جور درمی‌آیند ({people})" in main(several.text)
    empty = post(client, path, {**form, "person": " "}, page)
    assert empty.status_code == 409 and "نام یا ایمیل فرد را وارد کنید" in main(empty.text)
    assert "people match" not in main(several.text)
