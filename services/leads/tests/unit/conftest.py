"""Fakes for the leads unit tests: in-memory repositories, a unit of work that really rolls back,
territory's ports (scopes, team members, handover strategy), a clock and id generator."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import pickle
from dataclasses import replace

import pytest

from crm_chassis.caller import SERVICE, Caller
from crm_chassis.privacy import DATA_PROTECTION_OFFICER, ERASED
from crm_chassis.service_roles import CAPTURE_LEADS, RECORD_LEAD_ACTIVITY
from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_leads.domain.access import Scope, TeamRole
from crm_leads.domain.conversion import RetryPolicy
from crm_leads.domain.duplicates import DuplicateKeys
from crm_leads.domain.lead import OPEN, READ_ONLY
from crm_leads.domain.scoring.predictive import PredictiveModel
from crm_leads.domain.values import Person
from crm_leads.service_layer import leads as lead_cases
from crm_leads.service_layer import repositories as repos
from crm_leads.service_layer.dependencies import Dependencies
from crm_leads.service_layer.ports import RescoreJob
from crm_leads.service_layer.unit_of_work import LeadsUnitOfWork
from crm_testkit.fakes import FixedClock

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
LINE = "line-1"

ANN = Caller("ann", departments=frozenset({"sales"}), display_name="Ann Member")
BOB = Caller("bob", departments=frozenset({"sales"}), display_name="Bob Mate")
MEG = Caller("meg", departments=frozenset({"management"}), display_name="Meg Manager")
BEN = Caller("ben", departments=frozenset({"sales"}), display_name="Ben Other Team")
ADA = Caller("ada", roles=frozenset({"admin"}), display_name="Ada Admin")
TIA = Caller("tia", departments=frozenset({"sales"}), display_name="Tia Triager")
SUE = Caller("sue", departments=frozenset({"sales"}), display_name="Sue Supervisor")
MIA = Caller("mia", departments=frozenset({"marketing"}), display_name="Mia Marketing")
FORM = Caller("webform", kind=SERVICE, roles=frozenset({CAPTURE_LEADS}), display_name="web form")
MAILER = Caller(
    "mailer", kind=SERVICE, roles=frozenset({RECORD_LEAD_ACTIVITY}), display_name="e-mail platform"
)
DPO = Caller(
    "dora", roles=frozenset({DATA_PROTECTION_OFFICER}), display_name="Dora Data Protection"
)
BARE = Caller("bare", kind=SERVICE, display_name="service account without a role")
# The worker's system callers (crm_leads.entrypoints.worker): the actors its changes record.
ROUTING = Caller.system("territory-routing")
TEAM_HANDOVER = Caller.system("team-handover")
CONVERSION_SAGA = Caller.system("conversion-saga")
RESCORING = Caller.system("rescoring")
WORKER = Caller.system("leads-worker")

QUEUE_TEAM = "team-q"  # territory's designated team working the unassigned queue
SCOPES = {
    "ann": Scope("ann", {"team-a": TeamRole.EXPERT}),
    "bob": Scope("bob", {"team-a": TeamRole.EXPERT}),
    "sue": Scope("sue", {"team-a": TeamRole.SUPERVISOR}),
    "meg": Scope("meg", {"team-a": TeamRole.MANAGER, "team-b": TeamRole.MANAGER}),
    "ben": Scope("ben", {"team-b": TeamRole.EXPERT}),
    "tia": Scope("tia", {"team-a": TeamRole.EXPERT, QUEUE_TEAM: TeamRole.EXPERT}),
}
MEMBERS = {"team-a": {"ann", "bob", "cat", "sue"}, "team-b": {"ben"}, QUEUE_TEAM: {"tia"}}


class Store:
    def __init__(self):
        self.leads, self.history, self.activities, self.keys = {}, [], {}, {}
        self.campaigns, self.models, self.predictive, self.outcomes = {}, {}, {}, {}
        self.interactions = {}


class FakeLeads(repos.LeadRepository):
    def __init__(self, store):
        self.s = store

    def add(self, lead):
        assert lead.id not in self.s.leads
        self.s.leads[lead.id] = lead

    def get(self, lead_id, *, for_update=True):
        return self.s.leads.get(lead_id)

    def find_duplicates(self, keys):
        return [
            lead for lead in self.s.leads.values() if keys.shared_with(DuplicateKeys.of(lead.data))
        ]

    def search(self, query):
        rows = sorted(
            (lead for lead in self.s.leads.values() if query.matches(lead)),
            key=query.sort_key,
            reverse=not query.ascending,
        )
        return rows[: query.page_size + 1]

    def open_leads_of(self, team_id, owner_user_id):
        return sorted(
            (
                lead
                for lead in self.s.leads.values()
                if lead.assignment.team_id == team_id
                and lead.status in OPEN
                and lead.assignment.owner_user_id == owner_user_id
            ),
            key=lambda lead: lead.id,
        )

    def ids_after(self, sales_line_id, after_id, limit):
        return sorted(
            lead.id
            for lead in self.s.leads.values()
            if lead.data.sales_line_id == sales_line_id
            and lead.id > after_id
            and lead.status not in READ_ONLY
        )[:limit]

    def every_after(self, after_id, limit):
        return sorted(
            (lead for lead in self.s.leads.values() if lead.id > after_id), key=lambda x: x.id
        )[:limit]

    def by_conversion(self, conversion_id):
        return next(
            (
                lead
                for lead in self.s.leads.values()
                if lead.conversion and lead.conversion.conversion_id == conversion_id
            ),
            None,
        )

    def due_conversions(self, now, limit):
        return [
            lead
            for lead in self.s.leads.values()
            if lead.conversion and lead.conversion.is_due(now)
        ][:limit]


class FakeHistory(repos.HistoryRepository):
    def __init__(self, store):
        self.s = store

    def append(self, entry):
        self.s.history.append(entry)

    def for_leads(self, lead_ids, offset, limit):
        rows = sorted(
            (e for e in self.s.history if e.lead_id in lead_ids),
            key=lambda e: (e.occurred_at, e.lead_id, e.version),
        )
        return rows[offset : offset + limit]


class FakeActivities(repos.ActivityRepository):
    def __init__(self, store):
        self.s = store

    def get(self, activity_id):
        return self.s.activities.get(activity_id)

    def add(self, activity):
        self.s.activities[activity.id] = activity

    def for_lead(self, lead_id, since=None):
        return sorted(
            (
                a
                for a in self.s.activities.values()
                if a.lead_id == lead_id and (since is None or a.occurred_at >= since)
            ),
            key=lambda a: a.occurred_at,
            reverse=True,
        )

    def move(self, from_lead_id, to_lead_id):
        for key, activity in list(self.s.activities.items()):
            if activity.lead_id == from_lead_id:
                self.s.activities[key] = replace(activity, lead_id=to_lead_id)


class FakeInteractions(repos.InteractionRepository):
    def __init__(self, store):
        self.s = store

    def get(self, interaction_id):
        item = self.s.interactions.get(interaction_id)
        return replace(item) if item else None

    def add(self, interaction):
        assert interaction.id not in self.s.interactions
        self.s.interactions[interaction.id] = replace(interaction)

    def save(self, interaction):
        self.s.interactions[interaction.id] = replace(interaction)

    def for_lead(self, lead_id):
        return sorted(
            (replace(i) for i in self.s.interactions.values() if i.lead_id == lead_id),
            key=lambda i: (i.occurred_at, i.id),
            reverse=True,
        )

    def move(self, from_lead_id, to_lead_id):
        for key, item in list(self.s.interactions.items()):
            if item.lead_id == from_lead_id:
                self.s.interactions[key] = replace(item, lead_id=to_lead_id)

    def open_tasks(self, team_ids, owner_user_id="", due_before=None, *, assigned_only=False):
        from crm_leads.domain.lead import OPEN

        found = []
        for item in self.s.interactions.values():
            lead = self.s.leads.get(item.lead_id)
            if lead is None or lead.status not in OPEN:
                continue
            a = lead.assignment
            team = a.team_id if assigned_only else (a.team_id or a.queue_team_id)
            if (
                item.kind == "task"
                and item.done_at is None
                and team in team_ids
                and (not owner_user_id or item.owner_user_id == owner_user_id)
                and (due_before is None or item.due_at < due_before)
            ):
                name = lead.data.person.full_name or lead.data.company.name
                found.append((replace(item), name))
        return sorted(found, key=lambda pair: (pair[0].due_at, pair[0].id))

    def reminders_due(self, now, lead, limit):
        from crm_chassis.due_buckets import reminder_due

        found = []
        for task, name in self.open_tasks(frozenset(self._teams())):
            if reminder_due(task.due_at, task.reminded_for, now, lead):
                a = self.s.leads[task.lead_id].assignment
                team = a.team_id or a.queue_team_id
                found.append((task, name, team, self.s.leads[task.lead_id].version))
        return found[:limit]

    def _teams(self):
        return {
            lead.assignment.team_id or lead.assignment.queue_team_id
            for lead in self.s.leads.values()
        }


class FakeIdempotency(repos.IdempotencyRepository):
    def __init__(self, store):
        self.s = store

    def get(self, caller_id, key):
        return self.s.keys.get((caller_id, key))

    def add(self, caller_id, key, fingerprint, lead_id):
        assert (caller_id, key) not in self.s.keys
        self.s.keys[(caller_id, key)] = (fingerprint, lead_id)


class FakeCampaigns(repos.CampaignRepository):
    def __init__(self, store):
        self.s = store

    def get(self, campaign_id):
        return self.s.campaigns.get(campaign_id)

    def get_by_name(self, name):
        return next((c for c in self.s.campaigns.values() if c.name.lower() == name.lower()), None)

    def save(self, campaign):
        self.s.campaigns[campaign.id] = campaign

    def list(self, after_name, limit, channel=None):
        rows = sorted(
            (
                c
                for c in self.s.campaigns.values()
                if c.name.lower() > after_name and (channel is None or c.channel is channel)
            ),
            key=lambda c: c.name.lower(),
        )
        return rows[:limit]


class FakeScoringModels(repos.ScoringModelRepository):
    def __init__(self, store):
        self.s = store

    def get(self, sales_line_id):
        return self.s.models.get(sales_line_id)

    def save(self, model):
        self.s.models[model.sales_line_id] = model

    def sales_line_ids(self):
        return sorted(self.s.models)


class FakePredictive(repos.PredictiveRepository):
    def __init__(self, store):
        self.s = store

    def get(self, sales_line_id):
        return self.s.predictive.setdefault(sales_line_id, PredictiveModel(sales_line_id))

    def save(self, model):
        self.s.predictive[model.sales_line_id] = model

    def outcome_of(self, lead_id):
        return self.s.outcomes.get(lead_id)

    def set_outcome(self, lead_id, sales_line_id, features, won):
        self.s.outcomes[lead_id] = (sales_line_id, dict(features), won)

    def clear_outcome(self, lead_id):
        self.s.outcomes.pop(lead_id, None)


class FakePersonalData(repos.PersonalDataRepository):
    """The person's leads by e-mail in the store; erasing replaces the person (the SQL
    repository's full behaviour is tested on PostgreSQL)."""

    def __init__(self, store):
        self.s = store

    def _leads(self, email):
        return [lead for lead in self.s.leads.values() if lead.data.person.email.lower() == email]

    def find(self, email):
        found = self._leads(email)
        ids = {lead.id for lead in found}
        return {
            "leads": [{"id": lead.id, **dataclasses.asdict(lead.data.person)} for lead in found],
            "interactions": [
                {"id": i.id, "lead_id": i.lead_id, "subject": i.subject}
                for i in self.s.interactions.values()
                if i.lead_id in ids
            ],
        }

    def erase(self, email):
        found = self._leads(email)
        for lead in found:
            lead.data = replace(lead.data, person=Person(last_name=ERASED))
        return {"leads": len(found)}


class FakeUnitOfWork(FakeUnitOfWorkBase, LeadsUnitOfWork):
    """Repositories change the store at once; leaving without commit restores the store as it
    was (a real rollback), and events reach the shared list only on commit."""

    def __init__(self, store, events, crash_on_commit=None):
        super().__init__()
        self.emitted = events
        self.store, self.crash_on_commit = store, crash_on_commit
        self.leads, self.history = FakeLeads(store), FakeHistory(store)
        self.activities, self.idempotency = FakeActivities(store), FakeIdempotency(store)
        self.campaigns, self.scoring_models = FakeCampaigns(store), FakeScoringModels(store)
        self.predictive = FakePredictive(store)
        self.interactions = FakeInteractions(store)
        self.personal_data = FakePersonalData(store)

    def __enter__(self):
        self.committed = False
        self._saved = pickle.dumps(self.store.__dict__)
        return self

    def __exit__(self, *exc_info):
        if not self.committed or exc_info[0] is not None:
            self.rollback()

    def commit(self):
        if self.crash_on_commit is not None and self.crash_on_commit():
            raise ConnectionError("database went away")
        super().commit()
        self._saved = pickle.dumps(self.store.__dict__)

    def rollback(self):
        super().rollback()
        self.store.__dict__.clear()
        self.store.__dict__.update(pickle.loads(self._saved))


class FakeIds:
    """Zero-padded, so ids sort in the order they were made (keyset pages break ties by id)."""

    def __init__(self):
        self.counter = itertools.count(1)

    def new_id(self):
        return f"id-{next(self.counter):05d}"


class FakeScopes:
    def __init__(self):
        self.scopes = dict(SCOPES)

    def scope_of(self, user_id):
        return self.scopes.get(user_id, Scope(user_id))


class FakeTeams:
    def __init__(self):
        self.members_by_team = {team: set(members) for team, members in MEMBERS.items()}

    def members(self, team_id):
        return frozenset(self.members_by_team.get(team_id, ()))


class FakeRescoreJobs:
    """The RescoreJobQueue port in memory (the worker's timers walk it; use cases never do)."""

    def __init__(self):
        self.jobs = {}

    def request(self, sales_line_id, reason, now):
        self.jobs.setdefault(sales_line_id, RescoreJob(sales_line_id, 1, reason, ""))

    def pending(self):
        return list(self.jobs.values())

    def advance(self, job, after_id, rescored):
        if after_id:
            self.jobs[job.sales_line_id] = dataclasses.replace(job, after_id=after_id)
        else:
            self.jobs.pop(job.sales_line_id, None)
        return True


class RoundRobinHandover:
    """Territory's round-robin strategy, as the port would answer it."""

    def __init__(self):
        self.calls = []

    def distribute(self, team_id, leaving_user_id, lead_ids, remaining_member_ids):
        self.calls.append((team_id, leaving_user_id, list(lead_ids), list(remaining_member_ids)))
        return {
            lead_id: remaining_member_ids[i % len(remaining_member_ids)]
            for i, lead_id in enumerate(lead_ids)
        }


class World:
    """One test's world: deps for the use cases plus handles on the fakes."""

    t0, line, queue_team = T0, LINE, QUEUE_TEAM
    ann, bob, sue, meg, ben, ada, tia, mia, form = ANN, BOB, SUE, MEG, BEN, ADA, TIA, MIA, FORM
    mailer, bare, dpo = MAILER, BARE, DPO
    routing, team_handover, conversion_saga = ROUTING, TEAM_HANDOVER, CONVERSION_SAGA
    rescoring, worker = RESCORING, WORKER

    def __init__(self):
        self.store, self.events = Store(), []
        self.clock, self.ids = FixedClock(T0), FakeIds()
        self.scopes, self.teams, self.handover = FakeScopes(), FakeTeams(), RoundRobinHandover()
        self.crash_on_commit = None
        self.deps = Dependencies(
            uow=lambda: FakeUnitOfWork(self.store, self.events, self.crash_on_commit),
            scopes=self.scopes,
            teams=self.teams,
            handover=self.handover,
            rescore_jobs=FakeRescoreJobs(),
            clock=self.clock,
            ids=self.ids,
            conversion_retry=RetryPolicy(),
        )
        self._keys = itertools.count(1)

    def event_types(self):
        return [event_type for event_type, _ in self.events]

    def events_of(self, event_type):
        return [message for kind, message in self.events if kind == event_type]

    def capture(self, caller=FORM, key=None, policy=lead_cases.DuplicatePolicy.REJECT, **values):
        n = next(self._keys)
        fields = {
            "person.first_name": "Jo",
            "person.last_name": f"Doe{n}",
            "person.email": f"jo{n}@acme.example",
            "company.name": "Acme",
            "source.channel": "web_form",
            "sales_line_id": LINE,
        }
        fields.update({k.replace("__", "."): v for k, v in values.items()})
        fields = {k: v for k, v in fields.items() if v is not None}
        return lead_cases.create_lead(
            self.deps,
            caller,
            idempotency_key=key or f"key-{next(self._keys)}",
            values=fields,
            on_duplicate=policy,
        )

    def lead_in(self, team="team-a", owner="ann", **values):
        """A captured lead placed in a team with an owner (as routing would)."""
        from crm_leads.domain.assignment import RoutingDecision
        from crm_leads.service_layer.assignment import apply_routing

        lead = self.capture(**values).lead
        apply_routing(
            self.deps,
            ROUTING,
            RoutingDecision(
                f"route-{lead.id}", lead.id, self.clock.now(), LINE, team, owner, "test routing"
            ),
        )
        return self.store.leads[lead.id]


@pytest.fixture
def world():
    return World()


# ------------------------------------------------------------------ gRPC harness (test_grpc_*.py)
# The servicers on a real chassis server bound to 127.0.0.1 (auth, error mapping and all) over
# the fake unit of work above; tokens are signed with a throw-away key the server trusts.


class Rpc:
    """Stubs of the leads services plus ``call(method, request, caller)`` with a bearer token."""

    def __init__(self, address, keys):
        import grpc

        from crm.leads.v1 import (
            campaign_pb2_grpc,
            exports_pb2_grpc,
            lead_service_pb2_grpc,
            scoring_pb2_grpc,
            snapshots_pb2_grpc,
        )

        self.channel = grpc.insecure_channel(address)
        self.leads = lead_service_pb2_grpc.LeadServiceStub(self.channel)
        self.campaigns = campaign_pb2_grpc.CampaignServiceStub(self.channel)
        self.scoring = scoring_pb2_grpc.ScoringServiceStub(self.channel)
        self.snapshots = snapshots_pb2_grpc.SnapshotServiceStub(self.channel)
        self.exports = exports_pb2_grpc.LeadExportServiceStub(self.channel)
        self.keys = keys

    def token(self, caller):
        return self.keys.token(
            caller.subject_id,
            caller.kind,
            sorted(caller.roles),
            sorted(caller.departments),
            caller.display_name or "someone",
        )

    def metadata(self, caller):
        return () if caller is None else (("authorization", f"Bearer {self.token(caller)}"),)

    def call(self, method, request, caller):
        return method(request, metadata=self.metadata(caller), timeout=10)

    @staticmethod
    def field(error) -> str:
        """The input field an error names (trailing metadata x-error-field)."""
        return dict(error.trailing_metadata() or ()).get("x-error-field", "")

    def error(self, method, request, caller):
        """The RpcError a call raises (fails the test when it succeeds)."""
        import grpc

        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, request, caller)
        return caught.value


@pytest.fixture
def rpc(world):
    from crm.leads.v1 import (
        campaign_pb2,
        campaign_pb2_grpc,
        exports_pb2,
        exports_pb2_grpc,
        lead_service_pb2,
        lead_service_pb2_grpc,
        scoring_pb2,
        scoring_pb2_grpc,
        snapshots_pb2,
        snapshots_pb2_grpc,
    )
    from crm_chassis.grpc import service_name_of, start_server
    from crm_chassis.settings import ServiceSettings
    from crm_leads.adapters.grpc_campaigns import CampaignServicer
    from crm_leads.adapters.grpc_exports import LeadExportServicer
    from crm_leads.adapters.grpc_leads import LeadServicer
    from crm_leads.adapters.grpc_scoring import ScoringServicer
    from crm_leads.adapters.grpc_snapshots import SnapshotServicer
    from crm_testkit.auth import TestKeys

    def register(server):
        lead_service_pb2_grpc.add_LeadServiceServicer_to_server(
            LeadServicer(world.deps, import_batch_size=3), server
        )
        campaign_pb2_grpc.add_CampaignServiceServicer_to_server(
            CampaignServicer(world.deps), server
        )
        scoring_pb2_grpc.add_ScoringServiceServicer_to_server(ScoringServicer(world.deps), server)
        snapshots_pb2_grpc.add_SnapshotServiceServicer_to_server(
            SnapshotServicer(world.deps), server
        )
        exports_pb2_grpc.add_LeadExportServiceServicer_to_server(
            LeadExportServicer(world.deps), server
        )

    keys = TestKeys()
    settings = ServiceSettings.load(
        "leads",
        env={},
        grpc_host="127.0.0.1",
        grpc_port=0,
        metrics_port=0,
        grpc_max_workers=4,
        shutdown_grace_seconds=0.0,
    )
    running = start_server(
        settings,
        register,
        verifier=keys.verifier(),
        access_log=False,
        service_names=[
            service_name_of(lead_service_pb2, "LeadService"),
            service_name_of(campaign_pb2, "CampaignService"),
            service_name_of(scoring_pb2, "ScoringService"),
            service_name_of(snapshots_pb2, "SnapshotService"),
            service_name_of(exports_pb2, "LeadExportService"),
        ],
    )
    client = Rpc(running.address, keys)
    yield client
    client.channel.close()
    running.stop(0)
