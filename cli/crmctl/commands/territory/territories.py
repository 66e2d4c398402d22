"""``crmctl territories ...``: territories and their versioned routing rules."""

from __future__ import annotations

import json

import click
from google.protobuf import json_format

from crm.territory.v1 import territories_pb2
from crmctl.commands.territory.arguments import read_rules
from crmctl.commands.territory.lookup import line_id, team_id, territory_id
from crmctl.commands.territory.rows import row
from crmctl.commands.territory.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.paging import pages

TERRITORY_COLUMNS = [
    ("priority", "priority"),
    ("id", "id"),
    ("name", "name"),
    ("sales_line_id", "line"),
    ("team_id", "team"),
    ("rules_version", "rules v"),
    ("rule_count", "rules"),
    ("pipeline_id", "pipeline"),
    ("active", "active"),
]
RULE_COLUMNS = [("position", "#"), ("id", "id"), ("name", "name"), ("description", "matches")]


def _territory_row(territory) -> dict:
    return dict(message_to_dict(territory), rule_count=len(territory.rules))


def _rule_rows(rules) -> list[dict]:
    return [
        {"position": i, "id": r.id, "name": r.name, "description": r.description}
        for i, r in enumerate(rules, start=1)
    ]


def _print_territory(session, territory) -> None:
    if session.output != "table":
        print_record(session.output, message_to_dict(territory))
        return
    print_record(
        "table",
        _territory_row(territory),
        fields=[(k, h) for k, h in TERRITORY_COLUMNS] + [("version", "version")],
    )
    print_rows("table", _rule_rows(territory.rules), RULE_COLUMNS, empty="no rules")


@click.group()
def territories() -> None:
    """Territories: a sales line bound to a team, with ordered routing rules (changes need the
    admin role). Rules files are JSON or YAML: a list of {name, id?, conditions: [{attribute,
    values? | ranges?: [{min, max}], currency?}]}; see `crmctl territories attributes`."""


@territories.command("list")
@click.option("--line", default="", help="Only this sales line (id or name).")
@click.option("--team", default="", help="Only this team (id or name).")
@click.option("--all", "include_inactive", is_flag=True, help="Include deactivated ones.")
@output_option
@pass_session
def list_territories(session, line, team, include_inactive):
    """List territories in routing order (priority, then name)."""
    request = territories_pb2.ListTerritoriesRequest(
        sales_line_id=line_id(session, line) if line else "",
        team_id=team_id(session, team) if team else "",
        include_inactive=include_inactive,
    )
    found = list(pages(session, Stubs(session).territories.ListTerritories, request))
    if session.output != "table":
        print_rows(session.output, [message_to_dict(t) for t in found], [])
        return
    print_rows(
        "table", [_territory_row(t) for t in found], TERRITORY_COLUMNS, empty="no territories"
    )


@territories.command("show")
@click.argument("territory")
@output_option
@pass_session
def show(session, territory):
    """Show a territory with its current rules, in the order they are tried."""
    found = session.call(
        Stubs(session).territories.GetTerritory,
        territories_pb2.GetTerritoryRequest(id=territory_id(session, territory)),
    )
    _print_territory(session, found.territory)


@territories.command("create")
@click.argument("name")
@click.option("--line", required=True, help="The sales line (id or name).")
@click.option("--team", required=True, help="The team (id or name); must work the line.")
@click.option(
    "--priority",
    type=click.IntRange(min=1),
    required=True,
    help="Position in routing order (lower is tried first).",
)
@click.option(
    "--rules",
    "rules_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="JSON or YAML file with the first rules.",
)
@click.option(
    "--pipeline",
    default="",
    help="Deals pipeline id of the line for this territory's deals (`crmctl pipelines create "
    "--line NAME --additional`); default: the line's pipeline.",
)
@output_option
@pass_session
def create(session, name, line, team, priority, rules_file, pipeline):
    """Create a territory with its first rules (version 1)."""
    created = session.call(
        Stubs(session).territories.CreateTerritory,
        territories_pb2.CreateTerritoryRequest(
            name=name,
            sales_line_id=line_id(session, line),
            team_id=team_id(session, team),
            priority=priority,
            rules=read_rules(rules_file),
            pipeline_id=pipeline,
        ),
    )
    _print_territory(session, created.territory)


@territories.command("update")
@click.argument("territory")
@click.option("--name", default="", help="New name.")
@click.option("--priority", type=click.IntRange(min=1), default=None, help="New priority.")
@click.option(
    "--pipeline",
    default=None,
    help="Deals pipeline id of the line for this territory's deals; \"\" = the line's pipeline.",
)
@click.option("--expected-version", type=int, default=0)
@output_option
@pass_session
def update(session, territory, name, priority, pipeline, expected_version):
    """Rename a territory, change its priority or the pipeline its deals go into."""
    request = territories_pb2.UpdateTerritoryRequest(
        id=territory_id(session, territory),
        name=name,
        priority=priority or 0,
        expected_version=expected_version,
    )
    if pipeline is not None:
        request.pipeline_id = pipeline
    updated = session.call(Stubs(session).territories.UpdateTerritory, request)
    _print_territory(session, updated.territory)


@territories.group("rules")
def rules() -> None:
    """A territory's routing rules."""


@rules.command("set")
@click.argument("territory")
@click.argument("rules_file", type=click.Path(dir_okay=False))
@click.option("--comment", default="", help="Why the rules change (kept with the version).")
@click.option(
    "--expected-rules-version",
    type=int,
    default=0,
    help="Refuse unless the current rules are this version (safe concurrent edits).",
)
@output_option
@pass_session
def set_rules(session, territory, rules_file, comment, expected_rules_version):
    """Publish a new version of TERRITORY's rules from RULES_FILE (JSON or YAML). Send a rule's
    id back to keep it across versions."""
    changed = session.call(
        Stubs(session).territories.SetTerritoryRules,
        territories_pb2.SetTerritoryRulesRequest(
            id=territory_id(session, territory),
            rules=read_rules(rules_file),
            comment=comment,
            expected_rules_version=expected_rules_version,
        ),
    )
    _print_territory(session, changed.territory)


@rules.command("get")
@click.argument("territory")
@click.option("--yaml", "as_yaml", is_flag=True, help="YAML instead of JSON.")
@pass_session
def get_rules(session, territory, as_yaml):
    """Print TERRITORY's current rules in the file format `rules set` reads, with their ids
    (edit and send back: the ids keep each rule's identity across versions)."""
    found = session.call(
        Stubs(session).territories.GetTerritory,
        territories_pb2.GetTerritoryRequest(id=territory_id(session, territory)),
    ).territory
    rules_data = []
    for rule in found.rules:
        data = json_format.MessageToDict(rule, preserving_proto_field_name=True)
        data.pop("description", None)  # read only: the server words it
        rules_data.append(data)
    if as_yaml:
        import yaml  # only this output needs it

        click.echo(yaml.safe_dump(rules_data, sort_keys=False, allow_unicode=True), nl=False)
    else:
        click.echo(json.dumps(rules_data, indent=2, ensure_ascii=False))


@territories.command("versions")
@click.argument("territory")
@output_option
@pass_session
def versions(session, territory):
    """Every published version of a territory's rules, newest first."""
    found = session.call(
        Stubs(session).territories.ListRuleVersions,
        territories_pb2.ListRuleVersionsRequest(id=territory_id(session, territory)),
    )
    if session.output == "json":
        print_rows("json", [message_to_dict(v) for v in found.versions], [])
        return
    print_rows(
        "table",
        [
            dict(message_to_dict(v), rules="; ".join(f"{r.name}: {r.description}" for r in v.rules))
            for v in found.versions
        ],
        [
            ("rules_version", "version"),
            ("changed_at", "when"),
            ("changed_by", "by"),
            ("comment", "comment"),
            ("rules", "rules"),
        ],
        empty="no versions",
    )


@territories.command("deactivate")
@click.argument("territory")
@output_option
@pass_session
def deactivate(session, territory):
    """Deactivate a territory: it stops routing at once."""
    result = session.call(
        Stubs(session).territories.DeactivateTerritory,
        territories_pb2.DeactivateTerritoryRequest(id=territory_id(session, territory)),
    )
    _print_territory(session, result.territory)


@territories.command("attributes")
@output_option
@pass_session
def attributes(session):
    """The lead attributes rules may test, with the kind of condition each takes."""
    found = session.call(
        Stubs(session).territories.ListRuleAttributes, territories_pb2.ListRuleAttributesRequest()
    )
    print_rows(
        session.output,
        [row(a) for a in found.attributes],
        [("name", "attribute"), ("kind", "kind"), ("description", "description")],
    )
