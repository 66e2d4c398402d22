"""SQLAlchemy engine and sessions for one service's own database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, DateTime, Dialect, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

if TYPE_CHECKING:
    from crm_chassis.settings import ServiceSettings

_READ_ONLY_OPTION = "crm_read_only"
#: Execution options of a connection that never writes: ``engine.connect().execution_options(
#: **READ_ONLY)``. On SQLite its transactions do not take the write lock (see make_engine), so
#: a read made while the caller's own unit of work holds that lock does not wait for it.
READ_ONLY = {_READ_ONLY_OPTION: True}


def make_engine(
    url: str, *, pool_size: int = 10, max_overflow: int | None = None, echo: bool = False
) -> Engine:
    """An engine tuned per backend.

    SQLite (the embedded default): WAL so readers don't block the writer, foreign keys on, and a
    busy timeout so the api, worker and relay processes can share one file.
    PostgreSQL: a bounded pool (``pool_size`` kept open, up to ``max_overflow`` more during a
    burst; default as many again), connections recycled after 30 minutes. No pre-ping: it costs a
    round trip on every checkout (every call of every api, ~0.3 ms here). A connection the server
    dropped fails its next statement instead; SQLAlchemy then invalidates the whole pool (a
    disconnect error), the call answers UNAVAILABLE (crm_chassis.grpc.status) and the platform's
    clients retry UNAVAILABLE (crm_chassis.grpc.client), so a database restart costs one retried
    call per process, not one round trip on every call.
    """
    if not url:
        # Production settings have no SQLite fallback (crm_chassis.settings): never guess one.
        raise ValueError(
            "no database URL: set CRM_<SERVICE>_DATABASE_URL (a SQLite file is the "
            "fallback of CRM_ENV=local and CRM_ENV=test runs only)"
        )
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(parsed.database)) or ".", exist_ok=True)
        engine = create_engine(
            url, echo=echo, connect_args={"check_same_thread": False, "timeout": 30}
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(
            dbapi_conn: Any, _record: Any
        ) -> None:  # pragma: no cover - exercised via sqlite tests
            # pysqlite's own transaction handling would defer BEGIN; we want SQLAlchemy to own it.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:  # pragma: no cover
            # IMMEDIATE takes the write lock up front: no deadlock between two upgrading readers.
            # A connection that only reads (READ_ONLY) begins deferred: in WAL mode it reads the
            # last commit without waiting for the writer, even a writer in its own process.
            conn.exec_driver_sql(
                "BEGIN"
                if conn.get_execution_options().get(_READ_ONLY_OPTION)
                else "BEGIN IMMEDIATE"
            )

        return engine
    # values_plus_batch: an executemany of UPDATEs goes out in pages (psycopg2 execute_batch),
    # not one round trip per row (INSERTs already use multi-row VALUES).
    options = (
        {"executemany_mode": "values_plus_batch"}
        if parsed.get_backend_name() == "postgresql"
        and parsed.get_driver_name() in ("psycopg2", "")
        else {}
    )
    return create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size if max_overflow is None else max_overflow,
        pool_recycle=1800,
        **options,
    )


def make_service_engine(settings: ServiceSettings) -> Engine:
    """The engine of a service process: its own database with the pool its settings give
    (``database_pool_size``, ``database_max_overflow``)."""
    return make_engine(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # expire_on_commit=False: use cases return domain objects read after commit without reloading.
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite has no time zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC datetimes")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)
