"""``crmctl pipelines ...``: the pipeline (ordered stages) of each sales line. Everyone reads
them; administrators and the management department create and revise them. A LINE is the sales
line's id or exact name (``crmctl lines list`` shows them)."""

from __future__ import annotations

import click

from crm.deals.v1 import pipelines_pb2, resources_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.territory.lookup import line_id
from crmctl.names import names
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows
from crmctl.session import CliError
from crmctl.wire import enum_word, enum_words

FORECASTS = enum_words(resources_pb2.ForecastCategory)
STAGE_HELP = (
    "KEY:NAME:PROBABILITY:FORECAST[:DAYS] in order (repeatable), FORECAST one of "
    "pipeline, best_case, commit; e.g. qualify:Qualify:10:pipeline:14"
)


def stage(spec: str) -> resources_pb2.Stage:
    parts = spec.split(":")
    if (
        len(parts) not in (4, 5)
        or not parts[2].isdigit()
        or parts[3] not in FORECASTS
        or (len(parts) == 5 and not parts[4].isdigit())
    ):
        raise CliError(f"a stage is {STAGE_HELP}; got {spec!r}")
    return resources_pb2.Stage(
        key=parts[0],
        name=parts[1],
        default_probability=int(parts[2]),
        forecast_category=FORECASTS[parts[3]],
        expected_days=int(parts[4]) if len(parts) == 5 else 0,
    )


def show_pipeline(session, pipeline: resources_pb2.Pipeline) -> None:
    if session.output != "table":
        print_record(session.output, message_to_dict(pipeline))
        return
    click.echo(
        f"{pipeline.name} (sales line {names(session).line(pipeline.sales_line_id)}, "
        f"id {pipeline.id}, version {pipeline.version})"
    )
    rows = [
        {
            **message_to_dict(s),
            "forecast_category": enum_word(resources_pb2.ForecastCategory, s.forecast_category),
        }
        for s in pipeline.stages
    ]
    print_rows(
        "table",
        rows,
        [
            ("key", "key"),
            ("name", "stage"),
            ("default_probability", "%"),
            ("forecast_category", "forecast"),
            ("expected_days", "days"),
        ],
    )


@click.group()
def pipelines() -> None:
    """Pipelines of the sales lines (changes: admins and management)."""


@pipelines.command("list")
@output_option
@pass_session
def list_pipelines(session):
    """Every pipeline, by name."""
    response = session.call(
        Stubs(session).pipelines.ListPipelines, pipelines_pb2.ListPipelinesRequest()
    )
    rows = [{**message_to_dict(p), "stages": [s.key for s in p.stages]} for p in response.pipelines]
    print_rows(
        session.output,
        rows,
        [
            ("id", "id"),
            ("name", "name"),
            ("sales_line_id", "sales line"),
            ("line_default", "line default"),
            ("version", "version"),
            ("stages", "stages"),
        ],
        empty="no pipelines",
    )


@pipelines.command("show")
@click.argument("line")
@click.option(
    "--version",
    type=click.IntRange(min=0),
    default=0,
    help="An earlier version (0 = the current one).",
)
@output_option
@pass_session
def show(session, line, version):
    """The pipeline of sales line LINE, as it is now or was at --version."""
    show_pipeline(
        session,
        session.call(
            Stubs(session).pipelines.GetPipeline,
            pipelines_pb2.GetPipelineRequest(sales_line_id=line_id(session, line), version=version),
        ),
    )


@pipelines.command("create")
@click.option("--line", "line", required=True, help="The sales line (id or name).")
@click.option("--name", "-n", required=True, help="Name of the pipeline.")
@click.option("--stage", "stages", multiple=True, required=True, help=STAGE_HELP)
@click.option(
    "--additional",
    is_flag=True,
    help="Another pipeline of a line that has one, for a territory of the line to name "
    "(`crmctl territories update T --pipeline ID`).",
)
@output_option
@pass_session
def create(session, line, name, stages, additional):
    """Create the pipeline of a sales line (deals keeps it; the line's deals follow it), or with
    --additional another one for the line's territories."""
    specs = [stage(s) for s in stages]
    show_pipeline(
        session,
        session.call(
            Stubs(session).pipelines.CreatePipeline,
            pipelines_pb2.CreatePipelineRequest(
                sales_line_id=line_id(session, line),
                name=name,
                stages=specs,
                additional=additional,
            ),
        ),
    )


@pipelines.command("revise")
@click.argument("line")
@click.option(
    "--stage",
    "stages",
    multiple=True,
    required=True,
    help="The complete new stage list: " + STAGE_HELP,
)
@click.option(
    "--move",
    "moves",
    multiple=True,
    help="REMOVED=KEPT: where the open deals of a removed stage go (repeatable).",
)
@click.option("--name", "-n", default="", help="New name.")
@output_option
@pass_session
def revise(session, line, stages, moves, name):
    """Replace the stages of sales line LINE's pipeline (a new version)."""
    current = session.call(
        Stubs(session).pipelines.GetPipeline,
        pipelines_pb2.GetPipelineRequest(sales_line_id=line_id(session, line)),
    )
    if any("=" not in m for m in moves):
        raise CliError("a move is REMOVED=KEPT, e.g. --move demo=propose")
    request = pipelines_pb2.RevisePipelineRequest(
        id=current.id,
        stages=[stage(s) for s in stages],
        name=name,
        moves=dict(m.split("=", 1) for m in moves),
        expected_version=current.version,
    )
    show_pipeline(session, session.call(Stubs(session).pipelines.RevisePipeline, request))
