"""Entry point of ``crmctl``: global options, pluggable command groups, one error format."""

from __future__ import annotations

import click
import grpc

from crmctl import errors
from crmctl.commands import load_commands
from crmctl.config import ConfigError
from crmctl.output import OUTPUT_CHOICE
from crmctl.session import CliError, Session


class CrmctlGroup(click.Group):
    """Root group: any gRPC or configuration error of any subcommand becomes one stderr line and
    exit status 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (grpc.RpcError, CliError, ConfigError) as exc:
            session = ctx.obj if isinstance(ctx.obj, Session) else None
            errors.report(exc, session.last_address if session else None)
            ctx.exit(1)
        finally:
            if isinstance(ctx.obj, Session):
                ctx.obj.close()


@click.group(cls=CrmctlGroup)
@click.option(
    "--output",
    "-o",
    type=OUTPUT_CHOICE,
    default="table",
    show_default=True,
    help="How results are printed (every command also accepts it).",
)
@click.option(
    "--identity",
    "identity_address",
    metavar="HOST:PORT",
    help="Address of the identity service (default: $CRM_IDENTITY_ADDRESS, "
    "config.toml, 127.0.0.1:50051).",
)
@click.version_option(package_name="crm-ctl")
@click.pass_context
def cli(ctx: click.Context, output: str, identity_address: str | None) -> None:
    """Command line of the CRM platform."""
    ctx.obj = Session(output=output, overrides={"identity": identity_address})


for command in load_commands():
    cli.add_command(command)


def main() -> None:  # console script
    cli(prog_name="crmctl")


if __name__ == "__main__":  # pragma: no cover
    main()
