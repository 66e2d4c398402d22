"""alembic environment of territory: URL from the Config (crm_territory.migrate) or settings."""
from __future__ import annotations

from alembic import context

from crm_chassis.db import make_engine

VERSION_TABLE = "alembic_version_territory"

config = context.config
url = config.get_main_option("sqlalchemy.url")
if not url:
    from crm_territory.entrypoints.settings import load
    url = load().database_url


def run_migrations_offline() -> None:
    context.configure(url=url, literal_binds=True, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as connection:
            context.configure(connection=connection, version_table=VERSION_TABLE,
                              render_as_batch=engine.dialect.name == "sqlite")
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
