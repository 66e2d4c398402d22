"""``crm-outbox quarantined|retry --service NAME``: inspect and release quarantined outbox rows.

Works on the service's own database (its settings, as the relay reads them), so run it where the
relay runs (in Kubernetes: ``kubectl exec deploy/<service>-relay -- crm-outbox ...``).

``quarantined`` lists the quarantined rows (id, event type, aggregate, attempts, last error).
``retry`` puts them back to pending with no attempts (all of them, or ``--id`` ones): the relay
publishes each alone next, and the subsequent events of their aggregates follow in order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from sqlalchemy import Engine, MetaData, RowMapping, select, update
from sqlalchemy.exc import DBAPIError

from crm_chassis.outbox.tables import PENDING, QUARANTINED, outbox_table


def quarantined_rows(engine: Engine) -> Sequence[RowMapping]:
    table = outbox_table(MetaData())
    with engine.connect() as conn:
        return (
            conn.execute(
                select(
                    table.c.id,
                    table.c.event_type,
                    table.c.aggregate_type,
                    table.c.aggregate_id,
                    table.c.attempts,
                    table.c.last_error,
                    table.c.occurred_at,
                )
                .where(table.c.status == QUARANTINED)
                .order_by(table.c.id)
            )
            .mappings()
            .all()
        )


def retry_quarantined(engine: Engine, ids: list[int] | None = None) -> int:
    """Quarantined rows (all, or those of ``ids``) back to pending; returns how many."""
    table = outbox_table(MetaData())
    statement = update(table).where(table.c.status == QUARANTINED)
    if ids:
        statement = statement.where(table.c.id.in_(ids))
    with engine.begin() as conn:
        return conn.execute(statement.values(status=PENDING, attempts=0)).rowcount


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    from crm_chassis.db import make_engine
    from crm_chassis.settings import ServiceSettings

    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="crm-outbox", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("quarantined", "retry"))
    parser.add_argument("--service", required=True, help="service whose outbox to work on")
    parser.add_argument(
        "--id",
        type=int,
        action="append",
        dest="ids",
        help="retry only this row (repeatable); default: every quarantined row",
    )
    args = parser.parse_args(argv)
    engine = make_engine(ServiceSettings.load(args.service).database_url, pool_size=1)
    try:
        return _run(engine, args, out)
    except DBAPIError as exc:
        print(
            f"crm-outbox: cannot work on {args.service}'s outbox: {exc.orig!r}. Is its "
            f"database reachable and migrated (python -m crm_{args.service}.migrate)?",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()


def _run(engine: Engine, args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "quarantined":
        rows = quarantined_rows(engine)
        for row in rows:
            print(
                f"{row['id']}\t{row['event_type']}\t{row['aggregate_type']}/"
                f"{row['aggregate_id']}\tattempts={row['attempts']}\t"
                f"{row['occurred_at'].isoformat()}\t{row['last_error'] or ''}",
                file=out,
            )
        print(f"{len(rows)} quarantined row(s) in {args.service}'s outbox", file=out)
    else:
        count = retry_quarantined(engine, args.ids)
        print(
            f"{count} row(s) of {args.service}'s outbox back to pending; the relay "
            "publishes them next",
            file=out,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
