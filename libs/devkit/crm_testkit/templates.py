"""Throw-away PostgreSQL databases already migrated, copied from a template migrated once.

Running a service's migrations is a Python process importing alembic and the service, then some
hundred DDL statements: seconds on a loaded machine, paid by every platform bed for every service.
The result depends only on the migrations and their environment, which cannot change while a test
process runs, so the first database asked for a ``key`` is migrated as a template and every later
one is a copy of it (``CREATE DATABASE ... TEMPLATE``, a copy of files on the server).

    with migrated_postgres_database("bed_leads", key, migrate) as url: ...

``migrate(url)`` brings an empty database to the wanted state; ``key`` names that state (the
service and whatever of the environment its migrations may read): equal keys share a template.
The templates live as long as the process and are dropped when it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from crm_testkit.infrastructure import PG_ADMIN_URL, drop_postgres_database

_templates: dict[Hashable, str] = {}
_lock = threading.Lock()


def _url_of(name: str) -> str:
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def _create(name: str, template: str | None = None) -> None:
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            source = f' TEMPLATE "{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{source}'))
    finally:
        admin.dispose()


def _template(prefix: str, key: Hashable, migrate: Callable[[str], object]) -> str:
    with _lock:
        if key not in _templates:
            name = f"crmtest_tpl_{prefix}_{uuid.uuid4().hex[:10]}"
            _create(name)
            try:
                migrate(_url_of(name))
            except BaseException:
                drop_postgres_database(name)
                raise
            if not _templates:
                atexit.register(_drop_templates)
            _templates[key] = name
        return _templates[key]


def _drop_templates() -> None:
    while _templates:
        drop_postgres_database(_templates.popitem()[1])


@contextlib.contextmanager
def migrated_postgres_database(
    prefix: str, key: Hashable, migrate: Callable[[str], object]
) -> Iterator[str]:
    """A database in the state ``migrate(url)`` leaves an empty one in (a copy of the template
    for ``key``), its URL yielded, dropped afterwards."""
    template = _template(prefix, key, migrate)
    name = f"crmtest_{prefix}_{uuid.uuid4().hex[:10]}"
    _create(name, template)
    try:
        yield _url_of(name)
    finally:
        drop_postgres_database(name)
