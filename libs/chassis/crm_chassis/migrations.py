"""alembic for one service: its own version table ``alembic_version_<service>`` (services may
share a database server), the URL from the service's settings, batch mode on SQLite.

A service's ``crm_<name>/migrate.py``::

    MIGRATIONS = ServiceMigrations.of(__file__)
    VERSION_TABLE, upgrade, downgrade, main = MIGRATIONS.exports()

and its ``migrations/env.py``: ``run_alembic_env(MIGRATIONS)``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crm_chassis.db import make_engine


class ServiceMigrations:
    def __init__(self, service: str, directory: Path, database_url: Callable[[], str]) -> None:
        self.service = service
        self.directory = Path(directory)
        self.version_table = f"alembic_version_{service}"
        self._database_url = database_url

    @classmethod
    def of(cls, module_file: str) -> ServiceMigrations:
        """For ``crm_<name>/migrate.py``: migrations in ``services/<name>/migrations``, the URL
        from ``crm_<name>.entrypoints.settings.load()``. Found from the file, not ``__name__``,
        which is ``__main__`` under ``python -m``."""
        package = Path(module_file).resolve().parent.name  # "crm_leads"

        def database_url() -> str:
            import importlib

            url: str = (
                importlib.import_module(f"{package}.entrypoints.settings").load().database_url
            )
            return url

        return cls(
            package.removeprefix("crm_"),
            Path(module_file).resolve().parent.parent / "migrations",
            database_url,
        )

    def exports(self) -> tuple[str, Callable[..., None], Callable[..., None], Callable[..., Any]]:
        """(VERSION_TABLE, upgrade, downgrade, main): what a service's migrate module offers."""
        return self.version_table, self.upgrade, self.downgrade, self.main

    def config(self, database_url: str) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(self.directory))
        # '%' must be doubled for configparser interpolation (URL-encoded passwords).
        cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
        cfg.attributes["configure_logger"] = False
        return cfg

    def upgrade(self, database_url: str, revision: str = "head") -> None:
        command.upgrade(self.config(database_url), revision)

    def downgrade(self, database_url: str, revision: str = "base") -> None:
        command.downgrade(self.config(database_url), revision)

    def pending(self, database_url: str) -> str | None:
        """None when the database is at the head revision; else where it is and should be."""
        head = set(ScriptDirectory.from_config(self.config(database_url)).get_heads())
        engine = make_engine(database_url, pool_size=1)
        try:
            with engine.connect() as connection:
                current = set(
                    MigrationContext.configure(
                        connection, opts={"version_table": self.version_table}
                    ).get_current_heads()
                )
        finally:
            engine.dispose()
        if current == head:
            return None
        return (
            f"the {self.service} database is at {', '.join(sorted(current)) or 'no revision'}"
            f", the code needs {', '.join(sorted(head))} (its migrate Job upgrades it)"
        )

    def wait(self, database_url: str, seconds: float, interval: float = 2.0) -> str | None:
        """Poll until the database is at head: None, or why not when ``seconds`` ran out."""
        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + seconds
        while True:
            try:
                problem = self.pending(database_url)
            except OperationalError as exc:
                problem = f"the {self.service} database is unreachable ({exc.orig!r})"
            if problem is None or time.monotonic() + interval > deadline:
                return problem
            time.sleep(interval)

    def main(self, argv: list[str] | None = None) -> None:
        """``python -m crm_<name>.migrate [upgrade [REV] | downgrade [REV] | wait [SECONDS]]``
        on the settings' database (upgrade to head by default). ``wait`` changes nothing: it
        exits 0 once the database is at head, 1 when SECONDS (default 300) ran out first (a
        Kubernetes init container: the process starts only after its migrate Job)."""
        argv = sys.argv[1:] if argv is None else argv
        url = self._database_url()
        if not url:  # production settings have no SQLite fallback (crm_chassis.settings)
            raise SystemExit(
                f"crm {self.service} migrate: CRM_{self.service.upper()}_DATABASE_URL "
                "is not set (a SQLite file is the fallback of CRM_ENV=local and "
                "CRM_ENV=test runs only)"
            )
        if argv[:1] == ["wait"]:
            problem = self.wait(url, float(argv[1]) if len(argv) > 1 else 300.0)
            if problem:
                raise SystemExit(f"crm {self.service} migrate wait: {problem}")
            print(f"{self.service} database is at head")
            return
        if argv[:1] == ["downgrade"]:
            self.downgrade(url, argv[1] if len(argv) > 1 else "base")
        else:
            self.upgrade(url, argv[1] if argv[:1] == ["upgrade"] and len(argv) > 1 else "head")
        print(f"{self.service} database migrated ({argv[0] if argv else 'upgrade'})")

    def settings_url(self) -> str:
        return self._database_url()


def run_alembic_env(migrations: ServiceMigrations) -> None:
    """The body of a service's ``migrations/env.py``: URL from the Config (``migrate.py``) or,
    when alembic is run by hand, from the service's settings."""
    from alembic import context

    url = context.config.get_main_option("sqlalchemy.url") or migrations.settings_url()
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, version_table=migrations.version_table)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                version_table=migrations.version_table,
                render_as_batch=engine.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()
