"""``crmctl scoring ...``: the scoring model of a sales line, and why a lead scores what it does.

A model file is JSON, the shape `crmctl scoring show LINE -o json` prints::

    {"fit_rules": [{"id": "de", "attribute": "country", "operator": "equals",
                    "values": ["DE"], "points": 30}],
     "engagement_rules": [{"kind": "demo_requested", "points": 40, "half_life_days": "7",
                           "max_points": 60}],
     "interaction_rules": [{"kind": "call", "outcome": "connected", "points": 15,
                            "half_life_days": "14", "max_points": 30}]}
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from crm.leads.v1 import lead_pb2, scoring_pb2
from crmctl.commands.leads.stubs import Stubs
from crmctl.options import output_option, pass_session
from crmctl.output import print_rows
from crmctl.session import CliError, Session
from crmctl.wire import enum_value, enum_word, time_text


def model_to_file(model: scoring_pb2.ScoringModel) -> dict:
    return {
        "sales_line_id": model.sales_line_id,
        "version": model.version,
        "updated_at": time_text(model.updated_at),
        "fit_rules": [
            {
                "id": r.id,
                "attribute": r.attribute,
                "operator": enum_word(scoring_pb2.RuleOperator, r.operator),
                "values": list(r.values),
                "points": r.points,
                "label": r.label,
            }
            for r in model.fit_rules
        ],
        "engagement_rules": [
            {
                "kind": enum_word(lead_pb2.ActivityKind, r.kind),
                "points": r.points,
                "half_life_days": r.half_life_days,
                "max_points": r.max_points,
            }
            for r in model.engagement_rules
        ],
        "interaction_rules": [
            {
                "kind": r.kind,
                "outcome": r.outcome,
                "points": r.points,
                "half_life_days": r.half_life_days,
                "max_points": r.max_points,
            }
            for r in model.interaction_rules
        ],
        "predictive": {
            "outcomes": model.predictive.outcomes,
            "won": model.predictive.won,
            "active": model.predictive.active,
            "weight": model.predictive.weight,
        },
    }


def _enum(enum_type, word, where: str) -> int:
    try:
        return enum_value(enum_type, str(word or ""))
    except CliError as exc:
        raise CliError(f"{where}: {exc}") from None


def model_from_file(line: str, data: dict) -> scoring_pb2.ScoringModel:
    """The rules of a model file; the service validates them and names each problem."""
    try:
        fits = [
            scoring_pb2.FitRule(
                id=str(r.get("id", "")),
                attribute=str(r.get("attribute", "")),
                operator=_enum(
                    scoring_pb2.RuleOperator, r.get("operator"), f"fit_rules[{i}].operator"
                ),
                values=[str(v) for v in r.get("values", [])],
                points=int(r.get("points", 0)),
                label=str(r.get("label", "")),
            )
            for i, r in enumerate(data.get("fit_rules", []))
        ]
        engagements = [
            scoring_pb2.EngagementRule(
                kind=_enum(lead_pb2.ActivityKind, r.get("kind"), f"engagement_rules[{i}].kind"),
                points=int(r.get("points", 0)),
                half_life_days=str(r.get("half_life_days", "")),
                max_points=int(r.get("max_points", 0)),
            )
            for i, r in enumerate(data.get("engagement_rules", []))
        ]
        counted = [
            scoring_pb2.InteractionRule(
                kind=str(r.get("kind", "")),
                outcome=str(r.get("outcome", "")),
                points=int(r.get("points", 0)),
                half_life_days=str(r.get("half_life_days", "")),
                max_points=int(r.get("max_points", 0)),
            )
            for r in data.get("interaction_rules", [])
        ]
    except (AttributeError, TypeError, ValueError) as exc:
        raise CliError(
            f"the model file does not have the shape `crmctl scoring show LINE -o "
            f"json` prints ({exc})"
        ) from None
    return scoring_pb2.ScoringModel(
        sales_line_id=line, fit_rules=fits, engagement_rules=engagements, interaction_rules=counted
    )


def print_model(session: Session, model: scoring_pb2.ScoringModel) -> None:
    data = model_to_file(model)
    if session.output == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(
        f"sales line {model.sales_line_id}: version {model.version}"
        + (f", changed {data['updated_at']}" if data["updated_at"] else "")
    )
    print_rows(
        "table",
        [dict(r, values=r["values"]) for r in data["fit_rules"]],
        [
            ("id", "id"),
            ("attribute", "attribute"),
            ("operator", "operator"),
            ("values", "values"),
            ("points", "points"),
            ("label", "label"),
        ],
        empty="no fit rules",
    )
    print_rows(
        "table",
        data["engagement_rules"],
        [
            ("kind", "activity"),
            ("points", "points"),
            ("half_life_days", "half-life (d)"),
            ("max_points", "max points"),
        ],
        empty="no engagement rules",
    )
    print_rows(
        "table",
        data["interaction_rules"],
        [
            ("kind", "interaction"),
            ("outcome", "outcome"),
            ("points", "points"),
            ("half_life_days", "half-life (d)"),
            ("max_points", "max points"),
        ],
        empty="no interaction rules",
    )
    p = data["predictive"]
    click.echo(
        f"predictive: {p['outcomes']} outcomes ({p['won']} won), "
        + (f"active, weight {p['weight']}" if p["active"] else "not active yet")
    )


@click.group()
def scoring() -> None:
    """Scoring models per sales line (marketing and management change them)."""


@scoring.command("show")
@click.argument("sales_line")
@output_option
@pass_session
def show(session, sales_line):
    """Show the model of a sales line (-o json prints a file `scoring set` takes)."""
    print_model(
        session,
        session.call(
            Stubs(session).scoring.GetScoringModel,
            scoring_pb2.GetScoringModelRequest(sales_line_id=sales_line),
        ),
    )


@scoring.command("set")
@click.argument("sales_line")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--expected-version",
    type=int,
    default=0,
    help="Refuse unless the model is at this version (default: the file's "
    "'version', when it has one).",
)
@output_option
@pass_session
def set_model(session, sales_line, file, expected_version):
    """Replace the rules of SALES_LINE's model with those of FILE (JSON); the line's leads
    are rescored in the background."""
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CliError(f"{file} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise CliError(f"{file} must hold a JSON object with fit_rules and engagement_rules")
    saved = session.call(
        Stubs(session).scoring.UpdateScoringModel,
        scoring_pb2.UpdateScoringModelRequest(
            model=model_from_file(sales_line, data),
            expected_version=expected_version or int(data.get("version", 0)),
        ),
    )
    print_model(session, saved)


@scoring.command("explain")
@click.argument("lead")
@output_option
@pass_session
def explain(session, lead):
    """Why a lead scores what it does: every factor, largest first."""
    response = session.call(
        Stubs(session).scoring.ExplainLeadScore, scoring_pb2.ExplainLeadScoreRequest(lead_id=lead)
    )
    score = response.score
    rows = [
        {
            "points": f.points,
            "kind": enum_word(lead_pb2.FactorKind, f.kind),
            "factor": f.label,
            "source": f.source_id,
        }
        for f in response.factors
    ]
    if session.output == "json":
        click.echo(
            json.dumps(
                {
                    "score": score.score,
                    "rules_score": score.rules_score,
                    "grade": enum_word(lead_pb2.Grade, score.grade),
                    "factors": rows,
                },
                indent=2,
            )
        )
        return
    click.echo(
        f"score {score.score} (grade {enum_word(lead_pb2.Grade, score.grade)}, "
        f"rules {score.rules_score}, model version {score.model_version})"
    )
    print_rows(
        "table",
        rows,
        [("points", "points"), ("kind", "kind"), ("factor", "factor"), ("source", "source")],
        empty="no factor applies",
    )
