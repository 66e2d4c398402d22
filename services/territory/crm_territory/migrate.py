"""Database migrations of territory (alembic, own version table ``alembic_version_territory``).

    python -m crm_territory.migrate              # upgrade the settings' database to head
    python -m crm_territory.migrate downgrade base
"""
from __future__ import annotations

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "alembic_version_territory"


def config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # '%' must be doubled for configparser interpolation (URL-encoded passwords).
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(config(database_url), revision)


def main(argv: list[str] | None = None) -> None:
    from crm_territory.entrypoints.settings import load

    argv = sys.argv[1:] if argv is None else argv
    url = load().database_url
    if argv[:1] == ["downgrade"]:
        downgrade(url, argv[1] if len(argv) > 1 else "base")
    else:
        upgrade(url, argv[1] if argv[:1] == ["upgrade"] and len(argv) > 1 else "head")
    print(f"territory database migrated ({argv[0] if argv else 'upgrade'})")


if __name__ == "__main__":
    main()
