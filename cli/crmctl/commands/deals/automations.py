"""``crmctl automations ...``: the automation rules of a pipeline (on entering a stage, won,
lost, stalled: notify, e-mail, webhook) and their deliveries, failures included. A rule names
its teams (``--team``, or ``team_ids`` in the rule file): creating, reading and changing it
needs the manager role over each of them, and it fires only for their deals."""

from __future__ import annotations

import json
from pathlib import Path

import click
from google.protobuf import json_format

from crm.deals.v1 import pipelines_pb2, resources_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError
from crmctl.wire import enum_word


def _rule_row(rule: resources_pb2.AutomationRule) -> dict:
    return {
        **message_to_dict(rule),
        "trigger": enum_word(resources_pb2.AutomationTrigger, rule.trigger),
        "actions": len(rule.actions),
        "teams": ", ".join(rule.team_ids),
    }


@click.group()
def automations() -> None:
    """Automation rules of the pipelines and their deliveries (e-mails, webhooks)."""


@automations.command("list")
@click.argument("pipeline_id")
@output_option
@pass_session
def list_rules(session, pipeline_id):
    """The rules of pipeline PIPELINE_ID."""
    found = session.call(
        Stubs(session).automations.ListAutomationRules,
        pipelines_pb2.ListAutomationRulesRequest(pipeline_id=pipeline_id),
    )
    print_rows(
        session.output,
        [_rule_row(r) for r in found.rules],
        [
            ("id", "id"),
            ("name", "name"),
            ("teams", "teams"),
            ("trigger", "trigger"),
            ("stage_key", "stage"),
            ("actions", "actions"),
            ("enabled", "enabled"),
            ("disabled_reason", "disabled because"),
        ],
        empty="no rules",
    )


@automations.command("create")
@click.argument("pipeline_id")
@click.argument("rule_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--team",
    "team_ids",
    multiple=True,
    help="A team whose deals the rule is for (repeat for several; added to the file's "
    "team_ids). You need the manager role over each.",
)
@click.option(
    "--personal-data",
    is_flag=True,
    default=None,
    help="Webhooks also carry the deal's name and texts, the account's name and the "
    "primary contact's name, e-mail and phone.",
)
@click.option(
    "--webhook-secret-stdin",
    is_flag=True,
    help="Read the webhook signing secret from standard input.",
)
@output_option
@pass_session
def create(session, pipeline_id, rule_file, team_ids, personal_data, webhook_secret_stdin):
    """Create a rule of PIPELINE_ID from RULE_FILE (JSON of crm.deals.v1.AutomationRule)."""
    try:
        rule = json_format.Parse(rule_file.read_text(), resources_pb2.AutomationRule())
    except (json.JSONDecodeError, json_format.ParseError) as exc:
        raise CliError(f"{rule_file}: not an automation rule: {exc}") from None
    rule.team_ids.extend(t for t in team_ids if t not in rule.team_ids)
    if personal_data:
        rule.include_personal_data = True
    secret = click.get_text_stream("stdin").read().strip() if webhook_secret_stdin else ""
    created = session.call(
        Stubs(session).automations.CreateAutomationRule,
        pipelines_pb2.CreateAutomationRuleRequest(
            pipeline_id=pipeline_id, rule=rule, webhook_secret=secret
        ),
    )
    print_record(session.output, message_to_dict(created))


@automations.command("enable")
@click.argument("rule_id")
@click.option("--off", is_flag=True, help="Disable the rule instead.")
@output_option
@pass_session
def enable(session, rule_id, off):
    """Enable (or, with --off, disable) rule RULE_ID."""
    changed = session.call(
        Stubs(session).automations.SetAutomationRuleEnabled,
        pipelines_pb2.SetAutomationRuleEnabledRequest(id=rule_id, enabled=not off),
    )
    print_record(session.output, _rule_row(changed))


@automations.command("deliveries")
@click.option("--rule", "rule_id", required=True, help="The rule whose deliveries to show.")
@click.option("--failed", is_flag=True, help="Only deliveries that gave up.")
@output_option
@pass_session
def deliveries(session, rule_id, failed):
    """E-mails and webhooks of a rule, sent or pending, with attempts and the last error (only
    for deals you may see)."""
    found = session.call(
        Stubs(session).automations.ListAutomationDeliveries,
        pipelines_pb2.ListAutomationDeliveriesRequest(rule_id=rule_id, failed_only=failed),
    )
    print_rows(
        session.output,
        [message_to_dict(d) for d in found.deliveries],
        [
            ("idempotency_key", "key"),
            ("deal_id", "deal"),
            ("state", "state"),
            ("attempts", "attempts"),
            ("last_error", "last error"),
        ],
        empty="no deliveries",
    )
