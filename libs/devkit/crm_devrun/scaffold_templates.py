"""The files ``crm-dev new-service NAME`` writes: a small working service in the platform's
shape (see docs/adding-a-service.md), as ``string.Template`` texts keyed by their path.

Placeholders: ``$name`` (service name), ``$Name`` (its CamelCase), ``$NAME`` (upper case),
``$package`` (``crm_<name>``), ``$grpc_port``, ``$api_port``, ``$worker_port``,
``$relay_port``. The example aggregate is a note: the api adds and reads notes, every added note
is published as ``note_added`` by the relay, and the worker consumes it and acknowledges the
note (a use case run inside the handler's transaction).
"""

from __future__ import annotations

SERVICE_TOML = """\
# $name's manifest (format: crm_chassis/manifest.py).
name = "$name"
package = "$package"
grpc_port = $grpc_port
# Rights of this service's own service account (crm_chassis/service_roles.py).
service_roles = []
publishes = ["note_added"]

[processes]
api = $api_port
worker = $worker_port
relay = $relay_port

[[subscriptions]]              # one per @idempotent_event_handler of the worker
source = "$name"
event = "note_added"
method = "on_note_added"
"""

PYPROJECT = """\
[build-system]
requires = ["setuptools>=68,<81"]
build-backend = "setuptools.build_meta"

[project]
name = "crm-$name"
version = "0.1.0"
description = "$name service of the CRM platform."
requires-python = ">=3.11"
# What the service imports at run time (versions as in constraints.txt); the chassis
# brings the rest of the platform's runtime (nameko, pika, alembic, structlog...).
dependencies = [
    "crm-chassis",
    "grpcio>=1.85,<2",
    "protobuf>=7.36,<8",
    "SQLAlchemy>=2.1,<2.2",
]

[tool.setuptools.packages.find]
include = ["$package*"]
"""

IMPORTLINTER = """\
[importlinter]
root_packages =
    $package
    crm_chassis
include_external_packages = True

[importlinter:contract:layers]
name = Clean architecture layers of the $name service
type = layers
layers =
    $package.entrypoints
    $package.adapters
    $package.service_layer
    $package.domain

[importlinter:contract:pure-core]
name = Domain and service layer import no infrastructure
type = forbidden
source_modules =
    $package.domain
    $package.service_layer
forbidden_modules =
    grpc
    nameko
    pika
    sqlalchemy
    eventlet
    crm_chassis.grpc
    crm_chassis.db
    crm_chassis.sql_unit_of_work
    prometheus_client

[importlinter:contract:domain-pure]
name = The domain needs nothing of the chassis but its error types
type = forbidden
source_modules =
    $package.domain
forbidden_modules =
    crm
    crm_chassis.sql_unit_of_work
    crm_chassis.auth
    crm_chassis.outbox
    crm_chassis.events
    crm_chassis.messaging
allow_indirect_imports = True
"""

PROTO = """\
syntax = "proto3";

// The $name service: notes, and the event that announces each new one.
package crm.$name.v1;

import "crm/common/v1/events.proto";
import "google/protobuf/timestamp.proto";

// Adds and reads notes.
service ${Name}Service {
  // Adds a note written by the caller.
  rpc AddNote(AddNoteRequest) returns (AddNoteResponse);
  // One note by id.
  rpc GetNote(GetNoteRequest) returns (GetNoteResponse);
}

// A short text someone wrote.
message Note {
  // Opaque id.
  string id = 1;
  // The text, 1 to 500 characters.
  string text = 2;
  // Subject id of the author.
  string author_id = 3;
  // When it was added.
  google.protobuf.Timestamp created_at = 4;
  // When the worker acknowledged it (unset until then).
  google.protobuf.Timestamp acknowledged_at = 5;
  // Version, incremented by every change.
  int64 version = 6;
}

// Request of AddNote.
message AddNoteRequest {
  // The text, 1 to 500 characters.
  string text = 1;
}

// Response of AddNote.
message AddNoteResponse {
  // The note added.
  Note note = 1;
}

// Request of GetNote.
message GetNoteRequest {
  // Id of the note.
  string id = 1;
}

// Response of GetNote.
message GetNoteResponse {
  // The note.
  Note note = 1;
}

// Event note_added: a note was added.
message NoteAdded {
  // Event metadata (id, type, aggregate, actor).
  crm.common.v1.EventMeta meta = 1;
  // The note as added.
  Note note = 2;
}
"""

PACKAGE_INIT = '''\
"""The $name service: notes (the example the service scaffold starts from)."""
'''

DOMAIN_INIT = '''\
"""$name's domain: plain Python, no I/O."""
'''

DOMAIN_NOTES = '''\
"""A note: a short text with its author, acknowledged once by the worker."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_chassis.errors import InvalidArgument

MAX_TEXT = 500


@dataclass
class Note:
    id: str
    text: str
    author_id: str
    created_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    version: int = 1

    @classmethod
    def create(cls, *, id: str, text: str, author_id: str, now: dt.datetime) -> Note:
        cleaned = text.strip()
        if not cleaned:
            raise InvalidArgument("text is required: write what the note says", field="text")
        if len(cleaned) > MAX_TEXT:
            raise InvalidArgument(f"text has {len(cleaned)} characters; at most {MAX_TEXT}",
                                  field="text")
        return cls(id=id, text=cleaned, author_id=author_id, created_at=now)

    def acknowledge(self, now: dt.datetime) -> bool:
        """Marks the note acknowledged; False (and no change) when it already is."""
        if self.acknowledged_at is not None:
            return False
        self.acknowledged_at = now
        self.version += 1
        return True
'''

SERVICE_LAYER_INIT = '''\
"""$name's use cases: ``use_case(deps, caller, *, arguments)``, each opening its own unit of
work."""
'''

REPOSITORIES = '''\
"""The repository port the use cases see (adapters implement it)."""
from __future__ import annotations

import abc

from $package.domain.notes import Note


class NoteRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, note: Note) -> None: ...

    @abc.abstractmethod
    def update(self, note: Note) -> None: ...

    @abc.abstractmethod
    def get(self, id: str) -> Note | None: ...
'''

UNIT_OF_WORK = '''\
"""$name's unit of work: one transaction over its repositories and the outbox."""
from __future__ import annotations

from crm_chassis.unit_of_work import AbstractUnitOfWork

from $package.service_layer.repositories import NoteRepository


class ${Name}UnitOfWork(AbstractUnitOfWork):
    """Adapters provide the repositories when the block is entered."""

    notes: NoteRepository
'''

DEPENDENCIES = '''\
"""What $name's use cases are given besides their caller and arguments, built once per process
by an entrypoint (``$package.entrypoints.wiring.build_dependencies``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from crm_chassis.use_cases import Dependencies as ChassisDependencies

from $package.service_layer.unit_of_work import ${Name}UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Dependencies(ChassisDependencies):
    uow: Callable[[], ${Name}UnitOfWork]   # a new unit of work per use-case call
'''

EVENT_MESSAGES = '''\
"""$name's events and the note as the protobuf message of protos/crm/$name/v1 (the gRPC
responses reuse it, so an event and a Get answer show the same thing)."""
from __future__ import annotations

from crm.$name.v1 import ${name}_pb2

from crm_chassis.caller import Caller

from $package.domain.notes import Note
from $package.service_layer.unit_of_work import ${Name}UnitOfWork

NOTE_ADDED = "note_added"


def note_message(note: Note) -> ${name}_pb2.Note:
    message = ${name}_pb2.Note(id=note.id, text=note.text, author_id=note.author_id,
                               version=note.version)
    message.created_at.FromDatetime(note.created_at)
    if note.acknowledged_at is not None:
        message.acknowledged_at.FromDatetime(note.acknowledged_at)
    return message


def note_added(uow: ${Name}UnitOfWork, note: Note, caller: Caller) -> None:
    uow.emit(NOTE_ADDED, ${name}_pb2.NoteAdded(note=note_message(note)), aggregate_type="note",
             aggregate_id=note.id, aggregate_version=note.version, actor=caller.actor)
'''

USE_CASES = '''\
"""Use cases of notes."""
from __future__ import annotations

from crm_chassis.caller import Caller
from crm_chassis.errors import NotFound, PermissionDenied

from $package.domain.notes import Note
from $package.service_layer import event_messages
from $package.service_layer.dependencies import Dependencies
from $package.service_layer.unit_of_work import ${Name}UnitOfWork


def load_note(uow: ${Name}UnitOfWork, id: str) -> Note:
    note = uow.notes.get(id) if id else None
    if note is None:
        raise NotFound(f"no note with id '{id}'", field="id")
    return note


def add_note(deps: Dependencies, caller: Caller, *, text: str) -> Note:
    with deps.uow() as uow:
        note = Note.create(id=deps.ids.new_id(), text=text, author_id=caller.subject_id,
                           now=deps.clock.now())
        uow.notes.add(note)
        event_messages.note_added(uow, note, caller)
        uow.commit()
    return note


def get_note(deps: Dependencies, caller: Caller, *, id: str) -> Note:
    with deps.uow() as uow:
        return load_note(uow, id)


def acknowledge_note(deps: Dependencies, caller: Caller, *, id: str) -> Note:
    """The worker's reaction to note_added; only the platform itself acknowledges."""
    if caller.kind != "system":
        raise PermissionDenied("notes are acknowledged by the $name worker only")
    with deps.uow() as uow:
        note = load_note(uow, id)
        if note.acknowledge(deps.clock.now()):
            uow.notes.update(note)
            uow.commit()
    return note
'''

ADAPTERS_INIT = '''\
"""$name's adapters: the SQLAlchemy tables, repositories and unit of work, and the gRPC servicer
with its request/response mapping."""
'''

ORM = '''\
"""$name's tables (the migrations create exactly these; a test compares them)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, MetaData, String, Table

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import messaging_tables

metadata = MetaData()

notes = Table(
    "notes", metadata,
    Column("id", String(32), primary_key=True),
    Column("text", String(500), nullable=False),
    Column("author_id", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("acknowledged_at", UtcDateTime(), nullable=True),
    Column("version", BigInteger, nullable=False),
)

outbox, inbox = messaging_tables(metadata)
'''

SQL_REPOSITORIES = '''\
"""The notes repository on SQLAlchemy Core."""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from $package.adapters.orm import notes
from $package.domain.notes import Note
from $package.service_layer.repositories import NoteRepository


class SqlNoteRepository(NoteRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, note: Note) -> None:
        self.session.execute(insert(notes).values(**vars(note)))

    def update(self, note: Note) -> None:
        self.session.execute(update(notes).where(notes.c.id == note.id).values(**vars(note)))

    def get(self, id: str) -> Note | None:
        row = self.session.execute(select(notes).where(notes.c.id == id)).mappings().first()
        return Note(**row) if row is not None else None
'''

SQL_UNIT_OF_WORK = '''\
"""$name's SQLAlchemy unit of work: its repositories and the outbox on one session."""
from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from crm_chassis.sql_unit_of_work import SqlAlchemyUnitOfWork

from $package.adapters import orm
from $package.adapters.repositories import SqlNoteRepository
from $package.service_layer.unit_of_work import ${Name}UnitOfWork

SERVICE_NAME = "$name"


class Sql${Name}UnitOfWork(SqlAlchemyUnitOfWork, ${Name}UnitOfWork):
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        super().__init__(session_factory, service_name=SERVICE_NAME, outbox=orm.outbox)

    def _open_repositories(self, session: Session) -> None:
        self.notes = SqlNoteRepository(session)
'''

GRPC_MAPPING = '''\
"""gRPC requests -> use-case arguments and notes -> responses."""
from __future__ import annotations

from crm.$name.v1 import ${name}_pb2

from crm_chassis.auth import current_principal
from crm_chassis.caller import Caller, require_authenticated

from $package.domain.notes import Note
from $package.service_layer.event_messages import note_message


def caller() -> Caller:
    """The verified caller of the current call (the chassis server verified the token)."""
    principal = current_principal()
    return require_authenticated(None if principal is None else Caller.from_principal(principal))


def add_note_response(note: Note) -> ${name}_pb2.AddNoteResponse:
    return ${name}_pb2.AddNoteResponse(note=note_message(note))


def get_note_response(note: Note) -> ${name}_pb2.GetNoteResponse:
    return ${name}_pb2.GetNoteResponse(note=note_message(note))
'''

GRPC_SERVICER = '''\
"""${Name}Service servicer: request in, use case, response out (grpc_mapping). Errors are the
use cases' CrmErrors; the chassis maps them to status codes."""
from __future__ import annotations

from typing import Any

from crm.$name.v1 import ${name}_pb2, ${name}_pb2_grpc

from $package.adapters import grpc_mapping
from $package.service_layer import notes
from $package.service_layer.dependencies import Dependencies


class ${Name}Servicer(${name}_pb2_grpc.${Name}ServiceServicer):
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    def AddNote(self, request: ${name}_pb2.AddNoteRequest,
                context: Any) -> ${name}_pb2.AddNoteResponse:
        note = notes.add_note(self.deps, grpc_mapping.caller(), text=request.text)
        return grpc_mapping.add_note_response(note)

    def GetNote(self, request: ${name}_pb2.GetNoteRequest,
                context: Any) -> ${name}_pb2.GetNoteResponse:
        note = notes.get_note(self.deps, grpc_mapping.caller(), id=request.id)
        return grpc_mapping.get_note_response(note)
'''

ENTRYPOINTS_INIT = '''\
"""$name's processes: the api (entrypoints/api.py), the worker (entrypoints/worker.py), their
settings and the wiring of settings into the use cases' dependencies."""
'''

SETTINGS = '''\
"""$name's settings (environment CRM_${NAME}_<FIELD>, then CRM_<FIELD>, then the default)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crm_chassis.settings import ServiceSettings, setting

SERVICE_NAME = "$name"


@dataclass(frozen=True)
class ${Name}Settings(ServiceSettings):
    grpc_port: int = setting($grpc_port, "Port of $name's gRPC API.")


def load(**overrides: Any) -> ${Name}Settings:
    return ${Name}Settings.load(SERVICE_NAME, **overrides)
'''

WIRING = '''\
"""Builds the use cases' dependencies from settings, once per process."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from crm_chassis.db import make_service_engine, make_session_factory

from $package.adapters.unit_of_work import Sql${Name}UnitOfWork
from $package.entrypoints.settings import ${Name}Settings
from $package.service_layer.dependencies import Dependencies


def build_dependencies(settings: ${Name}Settings, *, engine: Engine | None = None,
                       **overrides: Any) -> Dependencies:
    """An ``engine`` passed in stays the caller's to dispose; one made here is disposed by
    ``close``. ``overrides`` replace fields of the result (tests: ``clock``, ``ids``)."""
    own_engine = engine is None
    engine = make_service_engine(settings) if engine is None else engine
    session_factory = make_session_factory(engine)
    fields: dict[str, Any] = dict(uow=lambda: Sql${Name}UnitOfWork(session_factory),
                                  closers=(engine.dispose,) if own_engine else ())
    fields.update(overrides)
    return Dependencies(**fields)
'''

API = '''\
"""$name's api process: its gRPC services through the chassis entrypoint kit (auth with
identity's published keys, metrics, logs, error mapping, health, reflection). Run
``python -m $package.migrate`` first.

    python -m $package.entrypoints.api
"""
from __future__ import annotations

from crm.$name.v1 import ${name}_pb2, ${name}_pb2_grpc

from crm_chassis.entrypoints.api import ApiApp, Servicer

from $package.adapters.grpc_notes import ${Name}Servicer
from $package.entrypoints import settings, wiring
from $package.entrypoints.settings import ${Name}Settings
from $package.service_layer.dependencies import Dependencies

APP: ApiApp[${Name}Settings, Dependencies] = ApiApp(
    service=settings.SERVICE_NAME, load_settings=settings.load,
    build_dependencies=wiring.build_dependencies,
    servicers=(
        Servicer(${name}_pb2, "${Name}Service",
                 ${name}_pb2_grpc.add_${Name}ServiceServicer_to_server, ${Name}Servicer),
    ))
SERVICE_NAMES = APP.service_names
start = APP.start
main = APP.main

if __name__ == "__main__":
    main()
'''

WORKER = '''\
"""$name's nameko worker: acknowledges every note added (its own note_added events).

Run: ``python -m crm_chassis.messaging.worker_main $name $package.entrypoints.worker``.
"""
from __future__ import annotations

from typing import Any

from crm.$name.v1 import ${name}_pb2

from crm_chassis.caller import Caller
from crm_chassis.entrypoints.worker import ServiceDependencies
from crm_chassis.messaging.handlers import idempotent_event_handler

from $package.entrypoints import settings, wiring
from $package.service_layer import notes

WORKER = Caller.system("$name-worker")


class ${Name}Worker:
    name = "$name"

    deps = ServiceDependencies(settings.load, wiring.build_dependencies)

    @idempotent_event_handler("$name", "note_added", ${name}_pb2.NoteAdded)
    def on_note_added(self, event: ${name}_pb2.NoteAdded, uow: Any) -> None:
        # In the handler's transaction: the inbox row and the change commit together.
        notes.acknowledge_note(self.deps.joined(uow), WORKER, id=event.note.id)
'''

MIGRATE = '''\
"""Database migrations of $name (alembic, own version table ``alembic_version_$name``).

    python -m $package.migrate              # upgrade the settings' database to head
    python -m $package.migrate downgrade base
"""
from crm_chassis.migrations import ServiceMigrations

MIGRATIONS = ServiceMigrations.of(__file__)
VERSION_TABLE, upgrade, downgrade, main = MIGRATIONS.exports()

if __name__ == "__main__":
    main()
'''

MIGRATIONS_ENV = '''\
"""alembic environment of $name (crm_chassis.migrations: own version table, URL from the
settings)."""
from crm_chassis.migrations import run_alembic_env

from $package.migrate import MIGRATIONS

run_alembic_env(MIGRATIONS)
'''

FIRST_MIGRATION = '''\
"""$name's first schema: notes, and the chassis outbox/inbox.

Revision ID: 0001_initial
Revises:
"""
from alembic import op
import sqlalchemy as sa

from crm_chassis.db import UtcDateTime
from crm_chassis.outbox.tables import (INBOX, OUTBOX, create_messaging_tables,
                                       create_outbox_held_index, drop_outbox_held_index)

revision = "0001_initial"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notes",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("text", sa.String(500), nullable=False),
        sa.Column("author_id", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("acknowledged_at", UtcDateTime(), nullable=True),
        sa.Column("version", sa.BigInteger, nullable=False))
    create_messaging_tables(op)
    create_outbox_held_index(op)


def downgrade() -> None:
    drop_outbox_held_index(op)
    op.drop_table(INBOX)
    op.drop_table(OUTBOX)
    op.drop_table("notes")
'''

UNIT_TESTS = '''\
"""Use cases of notes on the chassis fakes: no database, no broker."""
from __future__ import annotations

import pytest

from crm_chassis.caller import Caller
from crm_chassis.errors import InvalidArgument, NotFound, PermissionDenied
from crm_testkit.fakes import (FakeRepository, FakeUnitOfWork, FixedClock,
                                       SequentialIds)

from $package.service_layer import notes
from $package.service_layer.dependencies import Dependencies
from $package.service_layer.repositories import NoteRepository
from $package.service_layer.unit_of_work import ${Name}UnitOfWork

AUTHOR = Caller(subject_id="user-1")
WORKER = Caller.system("$name-worker")


class FakeNoteRepository(FakeRepository, NoteRepository):
    """The chassis fake repository: writes seen by others on commit, copies on read."""


class Fake${Name}UnitOfWork(FakeUnitOfWork, ${Name}UnitOfWork):
    def open_repositories(self):
        self.notes = FakeNoteRepository(self.store("notes"))
        return [self.notes]


@pytest.fixture
def uow():
    return Fake${Name}UnitOfWork()


@pytest.fixture
def deps(uow):
    return Dependencies(uow=lambda: uow, clock=FixedClock(), ids=SequentialIds("note"))


def test_an_added_note_is_stored_and_announced(deps, uow):
    note = notes.add_note(deps, AUTHOR, text="  call back on Monday ")
    assert (note.id, note.text, note.author_id) == ("note-1", "call back on Monday", "user-1")
    assert notes.get_note(deps, AUTHOR, id=note.id) == note
    assert uow.emitted_types() == ["note_added"]


@pytest.mark.parametrize("text, says", [("  ", "text is required"), ("x" * 501, "at most 500")])
def test_a_bad_text_is_refused_and_nothing_is_stored(deps, uow, text, says):
    with pytest.raises(InvalidArgument, match=says):
        notes.add_note(deps, AUTHOR, text=text)
    assert uow.emitted == []


def test_the_worker_acknowledges_once(deps):
    note = notes.add_note(deps, AUTHOR, text="hello")
    first = notes.acknowledge_note(deps, WORKER, id=note.id)
    again = notes.acknowledge_note(deps, WORKER, id=note.id)
    assert first.acknowledged_at is not None and again.version == first.version == 2


def test_only_the_platform_acknowledges(deps):
    note = notes.add_note(deps, AUTHOR, text="hello")
    with pytest.raises(PermissionDenied):
        notes.acknowledge_note(deps, AUTHOR, id=note.id)


def test_an_unknown_note_is_not_found(deps):
    with pytest.raises(NotFound, match="no note with id 'nope'"):
        notes.get_note(deps, AUTHOR, id="nope")
'''

MANIFEST_TEST = '''\
"""The manifest's subscriptions are exactly the worker's handlers."""
from crm_chassis.manifest import find
from crm_chassis.messaging.contract import assert_manifest_matches_worker


def test_manifest_matches_worker():
    assert_manifest_matches_worker(find("$name"), "$package.entrypoints.worker")
'''

MIGRATION_TEST = '''\
"""Upgrade gives exactly the ORM's tables, downgrade removes everything, upgrade works again."""
from crm_testkit.migrations import migration_round_trip_tests

from $package import migrate
from $package.adapters import orm

test_migration_round_trip_on_postgres, test_migration_round_trip_on_sqlite = \\
    migration_round_trip_tests(migrate, orm.metadata, "$name")
'''

#: path (relative to the repository root; ``$name``/``$package`` substituted) -> template.
FILES: dict[str, str] = {
    "services/$name/service.toml": SERVICE_TOML,
    "services/$name/pyproject.toml": PYPROJECT,
    "services/$name/.importlinter": IMPORTLINTER,
    "protos/crm/$name/v1/$name.proto": PROTO,
    "services/$name/$package/__init__.py": PACKAGE_INIT,
    "services/$name/$package/domain/__init__.py": DOMAIN_INIT,
    "services/$name/$package/domain/notes.py": DOMAIN_NOTES,
    "services/$name/$package/service_layer/__init__.py": SERVICE_LAYER_INIT,
    "services/$name/$package/service_layer/repositories.py": REPOSITORIES,
    "services/$name/$package/service_layer/unit_of_work.py": UNIT_OF_WORK,
    "services/$name/$package/service_layer/dependencies.py": DEPENDENCIES,
    "services/$name/$package/service_layer/event_messages.py": EVENT_MESSAGES,
    "services/$name/$package/service_layer/notes.py": USE_CASES,
    "services/$name/$package/adapters/__init__.py": ADAPTERS_INIT,
    "services/$name/$package/adapters/orm.py": ORM,
    "services/$name/$package/adapters/repositories.py": SQL_REPOSITORIES,
    "services/$name/$package/adapters/unit_of_work.py": SQL_UNIT_OF_WORK,
    "services/$name/$package/adapters/grpc_mapping.py": GRPC_MAPPING,
    "services/$name/$package/adapters/grpc_notes.py": GRPC_SERVICER,
    "services/$name/$package/entrypoints/__init__.py": ENTRYPOINTS_INIT,
    "services/$name/$package/entrypoints/settings.py": SETTINGS,
    "services/$name/$package/entrypoints/wiring.py": WIRING,
    "services/$name/$package/entrypoints/api.py": API,
    "services/$name/$package/entrypoints/worker.py": WORKER,
    "services/$name/$package/migrate.py": MIGRATE,
    "services/$name/migrations/env.py": MIGRATIONS_ENV,
    "services/$name/migrations/versions/0001_initial.py": FIRST_MIGRATION,
    "services/$name/tests/unit/test_notes.py": UNIT_TESTS,
    "services/$name/tests/unit/test_manifest.py": MANIFEST_TEST,
    "services/$name/tests/integration/test_migrations.py": MIGRATION_TEST,
}
