"""A new lead is ONE round trip to PostgreSQL, counted on the wire.

A proxy between the unit of work's engine and PostgreSQL counts the queries the client sends
(each simple-protocol ``Query`` message waits for the server's answer: one round trip; psycopg2
sends only those, its BEGIN and COMMIT included). The common capture is one call of
``leads_capture_new`` in autocommit; a replayed key and a duplicate fall back to the full path
after that call, writing nothing in it. A search page (SearchLeads' unit of work) is one round
trip too: its statement in autocommit, without BEGIN and ROLLBACK.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import struct
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from crm_chassis.db import make_engine, make_session_factory
from crm_chassis.errors import AlreadyExists
from crm_leads.adapters import orm
from crm_leads.adapters.search_sql import configure_engine
from crm_leads.adapters.unit_of_work import SqlLeadsUnitOfWork
from crm_leads.domain.access import Scope, TeamRole
from crm_leads.domain.assignment import Assignment, AssignmentMethod
from crm_leads.domain.search import LeadFilter, build_query
from crm_leads.service_layer import leads as lead_cases

pytestmark = pytest.mark.integration

PROXIED = "leads-round-trip-test"  # application_name of the proxied engine's sessions
_SSL_OR_GSS = (80877103, 80877104)  # SSLRequest, GSSENCRequest: answered with one byte


class QueryCountingProxy:
    """Forwards TCP to PostgreSQL and records the text of each query message a client sends."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.queries: list[str] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            threading.Thread(target=self._pipe, args=(server, client), daemon=True).start()
            threading.Thread(
                target=self._client_to_server, args=(client, server), daemon=True
            ).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def _client_to_server(self, client: socket.socket, server: socket.socket) -> None:
        buffer, started = b"", False
        with contextlib.suppress(OSError):
            while data := client.recv(65536):
                server.sendall(data)
                buffer += data
                while True:
                    if not started:  # startup messages: length, then payload, no type byte
                        if len(buffer) < 8:
                            break
                        length, code = struct.unpack("!ii", buffer[:8])
                        if len(buffer) < length:
                            break
                        buffer, started = buffer[length:], code not in _SSL_OR_GSS
                        continue
                    if len(buffer) < 5:
                        break
                    kind, length = buffer[:1], struct.unpack("!i", buffer[1:5])[0]
                    if len(buffer) < 1 + length:
                        break
                    if kind == b"Q":
                        self.queries.append(buffer[5 : 1 + length].rstrip(b"\0").decode()[:120])
                    buffer = buffer[1 + length :]
        with contextlib.suppress(OSError):
            server.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        self._closed = True
        self._listener.close()


@pytest.fixture(scope="module")
def counted(database_url, deps):
    """(deps whose unit of work talks through the proxy, the proxy, the proxied engine)."""
    url = make_url(database_url)
    proxy = QueryCountingProxy(url.host or "127.0.0.1", url.port or 5432)
    proxied = url.set(host="127.0.0.1", port=proxy.port).update_query_dict(
        {"sslmode": "disable", "gssencmode": "disable", "application_name": PROXIED}
    )
    engine = make_engine(proxied.render_as_string(hide_password=False), pool_size=1)
    configure_engine(engine)  # as the wiring does: its connect handler runs on each connection
    factory = make_session_factory(engine)
    yield dataclasses.replace(deps, uow=lambda: SqlLeadsUnitOfWork(factory)), proxy, engine
    engine.dispose()
    proxy.close()


def counts(engine) -> tuple[int, ...]:
    with engine.connect() as connection:
        return tuple(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (orm.leads, orm.lead_history, orm.outbox, orm.idempotency_keys)
        )


def no_line(h, **extra):
    values = h.person_values(**extra)
    del values["sales_line_id"]  # with one, the line's scoring model is read first
    return values


def test_a_new_lead_is_one_round_trip(counted, engine, h):
    deps, proxy, _ = counted
    h.capture(deps, **no_line(h))  # the pool's connection is open and initialised now
    before = counts(engine)
    proxy.queries.clear()
    result = h.capture(deps, **no_line(h))
    assert not result.replayed and not result.merged
    assert len(proxy.queries) == 1, proxy.queries
    assert proxy.queries[0].startswith("SELECT leads_capture_new(")
    after = counts(engine)
    assert tuple(a - b for a, b in zip(after, before, strict=True)) == (1, 1, 2, 1)
    # The next unit of work on the same connection is an ordinary transaction again.
    proxy.queries.clear()
    with deps.uow() as uow:
        assert uow.leads.get(result.lead.id, for_update=False).id == result.lead.id
    assert proxy.queries[0] == "BEGIN", proxy.queries


def test_the_first_capture_of_a_new_connection_is_one_call_too(counted, h):
    """A new connection's setup (the connect handler's SET) is committed, so the connection
    is idle when the capture switches it to autocommit."""
    deps, proxy, proxied = counted
    proxied.dispose()
    proxy.queries.clear()
    assert not h.capture(deps, **no_line(h)).replayed
    assert proxy.queries[-3:-1] == ["SET max_parallel_workers_per_gather = 0", "COMMIT"]
    assert proxy.queries[-1].startswith("SELECT leads_capture_new("), proxy.queries


def test_the_stored_lead_reads_back_as_captured(counted, deps, h):
    fast, _, _ = counted
    values = no_line(
        h,
        **{
            "company.name": 'O\'Brien "Werke" \\ 東京 😀 GmbH',
            "custom_attributes.budget": '50k "net" \\ ü',
            "consent.email_marketing": "yes",
            "product_interest": ["crm", "erp"],
            "company.annual_revenue": "1200000.50 EUR",
        },
    )
    created = h.capture(fast, **values).lead
    with deps.uow() as uow:
        stored = uow.leads.get(created.id, for_update=False)
    differing = {
        field.name: (getattr(stored, field.name), getattr(created, field.name))
        for field in dataclasses.fields(stored)
        if getattr(stored, field.name) != getattr(created, field.name)
    }
    assert not differing, differing
    assert [entry.action for entry in deps_history(deps, created.id)] == ["created"]


def deps_history(deps, lead_id):
    with deps.uow() as uow:
        return uow.history.for_leads([lead_id], 0, 10)


def test_a_replay_falls_back_and_writes_nothing_in_the_first_call(counted, engine, h):
    deps, proxy, _ = counted
    values, key = no_line(h), h.unique("key")
    first = h.capture(deps, key=key, **values)
    before = counts(engine)
    proxy.queries.clear()
    again = h.capture(deps, key=key, **values)
    assert again.replayed and again.lead.id == first.lead.id
    assert proxy.queries[0].startswith("SELECT leads_capture_new(")
    assert "COMMIT" not in proxy.queries  # the replay reads, it commits nothing
    assert counts(engine) == before


def test_a_duplicate_falls_back_to_the_duplicate_rule(counted, engine, h):
    deps, _, _ = counted
    values = no_line(h)
    h.capture(deps, **values)
    before = counts(engine)
    other = dict(values, **{"person.last_name": "Other"})  # same e-mail, another key
    with pytest.raises(AlreadyExists):
        h.capture(deps, **other)
    assert counts(engine) == before
    with pytest.raises(AlreadyExists):  # a form sees no team: it merges into none
        h.capture(deps, policy=lead_cases.DuplicatePolicy.MERGE, **other)
    assert counts(engine) == before


def test_a_dropped_connection_is_a_disconnect_and_the_next_capture_works(counted, engine, h):
    """The one-call capture goes through SQLAlchemy like every statement: a connection the
    server dropped is a disconnect error (the chassis answers UNAVAILABLE, clients retry) and
    the pool is renewed, not an unwrapped driver error."""
    deps, _, _ = counted
    h.capture(deps, **no_line(h))
    with engine.connect() as admin:  # the proxied engine's pooled session
        terminated = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name"
            ),
            {"name": PROXIED},
        ).scalar_one()
    assert terminated == 1
    with pytest.raises(DBAPIError) as caught:
        h.capture(deps, **no_line(h))
    assert caught.value.connection_invalidated
    assert not h.capture(deps, **no_line(h)).replayed


def _searchable(h, deps, word: str, n: int) -> tuple[Scope, list[str]]:
    """n captured leads whose names start with ``word``, routed to a team of their own; the
    scope of that team."""
    team = h.unique("team")
    ids = [
        h.capture(deps, **no_line(h, **{"person.first_name": f"{word}{i}"})).lead.id
        for i in range(n)
    ]
    with deps.uow() as uow:
        for lead_id in ids:
            lead = uow.leads.get(lead_id, for_update=True)
            lead.assignment = Assignment(team, "", AssignmentMethod.ROUTED)
        uow.commit()
    return Scope("viewer", {team: TeamRole.EXPERT}), sorted(ids)


@pytest.mark.parametrize("text", ["", "roundtrip"])
def test_a_search_page_is_one_round_trip(counted, h, text):
    """The default page and a free-text page with a common word: one statement each, no BEGIN
    or ROLLBACK; the next unit of work on the connection is an ordinary transaction again."""
    deps, proxy, _ = counted
    scope, ids = _searchable(h, deps, "roundtrip", 3)
    query = build_query(scope, LeadFilter(text=text), page_size=2)
    proxy.queries.clear()
    with deps.uow() as uow:
        found = uow.leads.search(query)
    assert sorted(lead.id for lead in found) == ids  # two and the next page's first
    assert len(proxy.queries) == 1 and proxy.queries[0].startswith(("SELECT", "WITH")), (
        proxy.queries
    )
    proxy.queries.clear()
    with deps.uow() as uow:
        uow.leads.get(ids[0], for_update=False)
    assert proxy.queries[0] == "BEGIN", proxy.queries


def test_a_search_after_a_write_stays_in_the_unit_of_works_transaction(counted, h):
    """A search that is not the unit of work's first statement runs in its transaction: it
    sees the unit of work's uncommitted change, which rolls back with it."""
    deps, proxy, _ = counted
    scope, ids = _searchable(h, deps, "intransaction", 1)
    renamed = build_query(scope, LeadFilter(text="renamedintransaction"))
    proxy.queries.clear()
    with deps.uow() as uow:
        lead = uow.leads.get(ids[0], for_update=True)
        person = dataclasses.replace(lead.data.person, first_name="Renamedintransaction")
        lead.data = dataclasses.replace(lead.data, person=person)
        assert [found.id for found in uow.leads.search(renamed)] == ids
    assert proxy.queries[0] == "BEGIN" and proxy.queries[-1] == "ROLLBACK", proxy.queries
    assert "COMMIT" not in proxy.queries
    with deps.uow() as uow:
        assert uow.leads.search(renamed) == []
