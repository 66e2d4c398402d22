"""An erasure in reporting's event store on PostgreSQL: the person's address, names and phone
are tombstoned in every stored event that carries them (a lead's capture, an e-mail logged on a
deal), other people's events are untouched, and the rebuild derives its read models from the
tombstoned store without bringing the person back; the confirmation deals waits for is in
reporting's outbox in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from google.protobuf import json_format
from sqlalchemy import delete, select

from crm.common.v1 import events_pb2 as common
from crm.deals.v1 import events_pb2 as deals_events
from crm.leads.v1 import events_pb2 as leads_events
from crm.reporting.v1 import events_pb2 as reporting_events
from crm_chassis.caller import Caller
from crm_chassis.errors import PermissionDenied
from crm_reporting.adapters import orm
from crm_reporting.adapters.event_translation import recorded
from crm_reporting.entrypoints import settings, wiring
from crm_reporting.service_layer.consumption import rebuild, record_event
from crm_reporting.service_layer.privacy import erase_person
from crm_testkit.fakes import FixedClock

pytestmark = pytest.mark.integration
WORKER = Caller.system("reporting-worker")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def deps(engine):
    with engine.begin() as conn:
        for table in (*orm.READ_MODELS, orm.event_store, orm.inbox, orm.outbox):
            conn.execute(delete(table))
    deps = wiring.build_dependencies(settings.load(env={}), engine=engine, clock=FixedClock(NOW))
    yield deps
    deps.close()


def _meta(event_type, aggregate_type, aggregate_id, n):
    meta = common.EventMeta(
        event_id=f"e{n}",
        event_type=event_type,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        aggregate_version=1,
    )
    meta.occurred_at.FromDatetime(NOW - dt.timedelta(hours=n))
    return meta


def _lead(lead_id, n, email, first, last, phone):
    event = leads_events.LeadCreated(meta=_meta("lead_created", "lead", lead_id, n))
    event.lead.id = lead_id
    person = event.lead.data.person
    person.first_name, person.last_name, person.email = first, last, email
    person.phone = phone
    return recorded("leads", event)


def _email_logged(activity_id, n, text):
    event = deals_events.ActivityLogged(meta=_meta("activity_logged", "activity", activity_id, n))
    activity = event.activity
    activity.id, activity.team_id, activity.subject, activity.body = activity_id, "t1", "Hi", text
    activity.occurred_at.FromDatetime(NOW)
    return recorded("deals", event)


def _confirmations(engine) -> list[tuple[str, dict[str, int]]]:
    """(request id, erased) of each ``personal_data_erased`` in reporting's outbox."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(orm.outbox.c.event_type, orm.outbox.c.payload).order_by(orm.outbox.c.id)
        ).all()
    found = []
    for row in rows:
        assert row.event_type == "personal_data_erased"
        message = json_format.Parse(row.payload, reporting_events.PersonalDataErased())
        found.append((message.request_id, dict(message.erased)))
    return found


def _bodies(engine) -> str:
    with engine.connect() as conn:
        return " ".join(conn.execute(select(orm.event_store.c.body)).scalars()).lower()


def test_the_person_is_tombstoned_and_the_rebuild_does_not_bring_them_back(deps, engine):
    events = [
        _lead("l1", 1, "Vera.Vogel@example.com", "Vera", "Vogelsang", "+49307654321"),
        _email_logged("a1", 2, "To Vera Vogelsang <vera.vogel@example.com>"),
        _lead("l2", 3, "other@example.com", "Otto", "Other", "+4940111222"),
    ]
    for event in events:
        record_event(deps, WORKER, event=event)
    assert "vogelsang" in _bodies(engine)

    erased = erase_person(deps, WORKER, request_id="r1", email="vera.vogel@example.com")
    assert erased == {"events": 2}
    assert _confirmations(engine) == [("r1", {"events": 2})]

    bodies = _bodies(engine)
    assert "vogelsang" not in bodies and "vera.vogel" not in bodies and "7654321" not in bodies
    assert "otto" in bodies and "4940111222" in bodies, "another person's events are untouched"
    rebuilt = rebuild(deps, WORKER)
    assert rebuilt.events == 3
    assert "vogelsang" not in _bodies(engine)
    # Asked again (another request for the same person): nothing left, confirmed all the same.
    assert erase_person(deps, WORKER, request_id="r2", email="vera.vogel@example.com") == {}
    assert _confirmations(engine)[-1] == ("r2", {})


def test_only_the_worker_erases(deps):
    with pytest.raises(PermissionDenied):
        erase_person(deps, Caller("mia"), request_id="r1", email="vera@example.com")
