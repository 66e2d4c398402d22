"""``crmctl customer-emails templates set|list``, ``preview`` and ``list``: the e-mails a deal's
consenting contacts get when a person moves it into a stage."""

from __future__ import annotations

import pathlib

import click

from crm.deals.v1 import customer_emails_pb2 as ce
from crm.deals.v1 import pipelines_pb2
from crmctl.commands.deals.stubs import Stubs
from crmctl.commands.territory.lookup import line_id
from crmctl.options import output_option, pass_session
from crmctl.output import message_to_dict, print_record, print_rows

TEMPLATE_COLUMNS = [
    ("stage_key", "stage"),
    ("language", "language"),
    ("subject", "subject"),
    ("enabled", "enabled"),
    ("version", "version"),
    ("id", "id"),
]
SENT_COLUMNS = [
    ("created_at", "when"),
    ("state", "state"),
    ("attempts", "attempts"),
    ("last_error", "error"),
    ("sent_at", "sent"),
    ("id", "id"),
]


def _pipeline_id(session, line: str) -> str:
    pipeline = session.call(
        Stubs(session).pipelines.GetPipeline,
        pipelines_pb2.GetPipelineRequest(sales_line_id=line_id(session, line)),
    )
    return pipeline.id


@click.group("customer-emails")
def customer_emails() -> None:
    """E-mails to a deal's consenting contacts when it enters a stage."""


@customer_emails.group("templates")
def templates() -> None:
    """The templates per pipeline stage and language."""


@templates.command("set")
@click.argument("line")
@click.argument("stage")
@click.option("--language", default="", help="Language tag (de, pt-br); default: the fallback.")
@click.option("--subject", "-s", required=True, help="Subject ({{ contact.first_name }}, ...).")
@click.option(
    "--body-file",
    type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path),
    required=True,
    help="The HTML body (placeholder values are HTML-escaped).",
)
@click.option("--disabled", is_flag=True, help="Keep the template but send nothing.")
@output_option
@pass_session
def set_template(session, line, stage, language, subject, body_file, disabled):
    """Write the template of STAGE of sales line LINE's pipeline."""
    template = session.call(
        Stubs(session).customer_emails.SetCustomerEmailTemplate,
        ce.SetCustomerEmailTemplateRequest(
            pipeline_id=_pipeline_id(session, line),
            stage_key=stage,
            language=language,
            subject=subject,
            body=body_file.read_text(encoding="utf-8"),
            disabled=disabled,
        ),
    )
    print_record(
        session.output, message_to_dict(template), fields=[*TEMPLATE_COLUMNS, ("body", "body")]
    )


@templates.command("list")
@click.argument("line")
@click.option("--stage", default="", help="Only this stage.")
@output_option
@pass_session
def list_templates(session, line, stage):
    """The templates of sales line LINE's pipeline."""
    response = session.call(
        Stubs(session).customer_emails.ListCustomerEmailTemplates,
        ce.ListCustomerEmailTemplatesRequest(
            pipeline_id=_pipeline_id(session, line), stage_key=stage
        ),
    )
    rows = [message_to_dict(t) for t in response.templates]
    print_rows(session.output, rows, TEMPLATE_COLUMNS, empty="no templates")


@customer_emails.command("preview")
@click.argument("deal_id")
@click.option("--stage", default="", help="The stage it would enter (default: its current one).")
@output_option
@pass_session
def preview(session, deal_id, stage):
    """What DEAL's contacts would receive, without sending anything."""
    response = session.call(
        Stubs(session).customer_emails.PreviewCustomerEmail,
        ce.PreviewCustomerEmailRequest(deal_id=deal_id, stage_key=stage),
    )
    rows = [message_to_dict(e) for e in response.emails]
    rows += [{"to_address": "", "subject": f"(not sent: {reason})"} for reason in response.skipped]
    print_rows(
        session.output,
        rows,
        [("to_address", "to"), ("subject", "subject"), ("html_body", "body")],
        empty="nothing would be sent",
    )


@customer_emails.command("list")
@click.argument("deal_id")
@output_option
@pass_session
def list_sent(session, deal_id):
    """DEAL's customer e-mails and their state (pending, sent, failed with the error;
    withheld, or bounced with what the receiving side reported)."""
    response = session.call(
        Stubs(session).customer_emails.ListCustomerEmails,
        ce.ListCustomerEmailsRequest(deal_id=deal_id),
    )
    rows = [message_to_dict(e) for e in response.emails]
    print_rows(session.output, rows, SENT_COLUMNS, empty="no customer e-mails")


@customer_emails.group("bounces")
def bounces() -> None:
    """Bounces reported after an e-mail was accepted (delivery status notifications)."""


@bounces.command("ingest")
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=pathlib.Path),
)
@output_option
@pass_session
def ingest_bounces(session, files):
    """Read each DSN FILE (an .eml message as received, RFC 3464): the e-mails it names are
    marked bounced; a hard bounce stops customer e-mails to the address until cleared."""
    rows = []
    for file in files:
        response = session.call(
            Stubs(session).customer_emails.IngestBounce,
            ce.IngestBounceRequest(message=file.read_bytes()),
        )
        if not response.results:
            rows.append({"file": str(file), "outcome": "no failed recipient (nothing recorded)"})
        rows += [dict(message_to_dict(r), file=str(file)) for r in response.results]
    print_rows(
        session.output,
        rows,
        [
            ("file", "file"),
            ("recipient", "recipient"),
            ("status", "status"),
            ("severity", "severity"),
            ("outcome", "outcome"),
        ],
        empty="no bounces",
    )


@bounces.command("list")
@output_option
@pass_session
def list_bounced(session):
    """The addresses that bounced hard (nothing is sent to them until cleared)."""
    response = session.call(
        Stubs(session).customer_emails.ListBouncedAddresses, ce.ListBouncedAddressesRequest()
    )
    rows = [message_to_dict(b) for b in response.addresses]
    print_rows(
        session.output,
        rows,
        [
            ("bounced_at", "when"),
            ("address", "address"),
            ("status", "status"),
            ("reason", "reason"),
        ],
        empty="no bounced addresses",
    )


@bounces.command("clear")
@click.argument("address")
@pass_session
def clear_bounced(session, address):
    """Send customer e-mails to ADDRESS again (it was corrected or exists again)."""
    session.call(
        Stubs(session).customer_emails.ClearBouncedAddress,
        ce.ClearBouncedAddressRequest(address=address),
    )
    click.echo(f"{address}: customer e-mails go to it again")
