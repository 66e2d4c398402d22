"""Fakes for identity's unit tests: in-memory repositories, unit of work, hasher, clock, keys."""

from __future__ import annotations

import copy
import datetime as dt
import itertools

import pytest

from crm_chassis.caller import Caller
from crm_chassis.errors import AlreadyExists, FailedPrecondition
from crm_chassis.unit_of_work import FakeUnitOfWorkBase
from crm_identity.domain.preferences import Preferences
from crm_identity.domain.signing_keys import SigningKey
from crm_identity.domain.throttling import Failure
from crm_identity.service_layer import repositories
from crm_identity.service_layer.dependencies import AuthConfig, Dependencies
from crm_identity.service_layer.unit_of_work import IdentityUnitOfWork

T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
STRONG = "violet tractor hums at dawn"
ADMIN = Caller("admin-1", roles=frozenset({"admin"}), display_name="Ada Admin")
PLAIN = Caller("user-1", display_name="Pat Plain")
WORKER = Caller.system("identity-worker")  # the worker's timers (crm_identity.entrypoints.worker)


class Store:
    """The 'database' of the fakes, shared by every unit of work of one test."""

    def __init__(self):
        self.users, self.tokens, self.failures = {}, {}, []
        self.preferences = {}  # user id -> Preferences
        self.accounts, self.keys = {}, {}


class FakeUsers(repositories.UserRepository):
    def __init__(self, store):
        self.s = store

    def add(self, user):
        if any(u.email_key == user.email_key for u in self.s.users.values()):
            raise AlreadyExists("taken", field="email")
        self.s.users[user.id] = copy.deepcopy(user)

    def get(self, user_id):
        return copy.deepcopy(self.s.users.get(user_id))

    def get_by_email(self, email_key):
        return next(
            (copy.deepcopy(u) for u in self.s.users.values() if u.email_key == email_key), None
        )

    def update(self, user, previous_version):
        if self.s.users[user.id].version != previous_version:
            raise FailedPrecondition("changed meanwhile")
        if any(u.email_key == user.email_key and u.id != user.id for u in self.s.users.values()):
            raise AlreadyExists("taken", field="email")
        self.s.users[user.id] = copy.deepcopy(user)

    def list(self, filter, after_email_key, limit):
        rows = sorted(self.s.users.values(), key=lambda u: u.email_key)
        rows = [
            u
            for u in rows
            if u.email_key > after_email_key
            and (not filter.status or u.status == filter.status)
            and (not filter.department or filter.department in u.departments)
            and (not filter.role or filter.role in u.roles)
            and (
                not filter.query
                or filter.query.lower() in u.email_key
                or filter.query.lower() in u.display_name.lower()
            )
        ]
        return copy.deepcopy(rows[:limit])

    def token_state(self, user_id):
        user = self.s.users.get(user_id)
        return (user.status, user.tokens_valid_after) if user else None

    def any_admin(self):
        return any(u.is_admin and u.is_active for u in self.s.users.values())

    def preferences(self, user_id):
        return self.s.preferences.get(user_id, Preferences())

    def set_preferences(self, user_id, preferences, now):
        self.s.preferences[user_id] = preferences


class FakeTokens(repositories.RefreshTokenRepository):
    def __init__(self, store):
        self.s = store

    def add(self, token):
        self.s.tokens[token.id] = copy.deepcopy(token)

    def get_by_hash(self, token_hash):
        return next(
            (copy.deepcopy(t) for t in self.s.tokens.values() if t.token_hash == token_hash), None
        )

    def mark_used(self, token_id, now):
        token = self.s.tokens[token_id]
        if token.used_at or token.revoked_at:
            return False
        token.used_at = now
        return True

    def _revoke(self, pred, now):
        hits = [t for t in self.s.tokens.values() if pred(t) and t.revoked_at is None]
        for token in hits:
            token.revoked_at = now
        return len(hits)

    def revoke_family(self, family_id, now):
        return self._revoke(lambda t: t.family_id == family_id, now)

    def revoke_all_of_user(self, user_id, now):
        return self._revoke(lambda t: t.user_id == user_id, now)

    def prune_expired(self, before):
        gone = [k for k, t in self.s.tokens.items() if t.family_expires_at < before]
        for key in gone:
            del self.s.tokens[key]
        return len(gone)


class FakeAttempts(repositories.FailedAttemptRepository):
    def __init__(self, store):
        self.s = store

    def failures_since(self, credential, account_key, since):
        return sorted(
            (
                Failure(at, address)
                for c, key, address, at in self.s.failures
                if (c, key) == (credential, account_key) and at >= since
            ),
            key=lambda f: f.at,
        )

    def record_failure(self, credential, account_key, address, at):
        self.s.failures.append((credential, account_key, address, at))

    def clear(self, credential, account_key, address):
        self.s.failures = [
            f for f in self.s.failures if f[:3] != (credential, account_key, address)
        ]

    def prune(self, before):
        kept = [f for f in self.s.failures if f[3] >= before]
        gone, self.s.failures = len(self.s.failures) - len(kept), kept
        return gone


class FakeAccounts(repositories.ServiceAccountRepository):
    def __init__(self, store):
        self.s = store

    def add(self, account):
        self.s.accounts[account.client_id] = copy.deepcopy(account)

    def get(self, client_id):
        return copy.deepcopy(self.s.accounts.get(client_id))

    def list(self):
        return sorted(
            copy.deepcopy(list(self.s.accounts.values())), key=lambda a: (a.name, a.client_id)
        )

    def update(self, account):
        self.s.accounts[account.client_id] = copy.deepcopy(account)


class FakeKeys(repositories.SigningKeyRepository):
    def __init__(self, store):
        self.s = store

    def add(self, key):
        if key.active and self.active() is not None:
            raise AlreadyExists("another signing key is already active")
        self.s.keys[key.kid] = copy.deepcopy(key)

    def active(self):
        return next((copy.deepcopy(k) for k in self.s.keys.values() if k.active), None)

    def all(self):
        return sorted(
            copy.deepcopy(list(self.s.keys.values())), key=lambda k: k.created_at, reverse=True
        )

    def retire(self, kid, at):
        key = self.s.keys.get(kid)
        if key is None or not key.active:
            return False
        key.retired_at = at
        return True

    def get(self, kid):
        return copy.deepcopy(self.s.keys.get(kid))

    def withdraw(self, kid, at):
        return self.s.keys[kid].withdraw(at)

    def protect_stored(self):
        return 0


class FakeUnitOfWork(FakeUnitOfWorkBase, IdentityUnitOfWork):
    """Mutations apply to the store at once (like cosmicpython's fakes); events wait for commit."""

    def __init__(self, store, events):
        super().__init__()
        self.emitted = events  # shared list: every committed event of the test
        self.users, self.sessions = FakeUsers(store), FakeTokens(store)
        self.failed_attempts, self.service_accounts = FakeAttempts(store), FakeAccounts(store)
        self.signing_keys = FakeKeys(store)


class FakeHasher:
    def __init__(self):
        self.version = "v1"
        self.dummy_hash = "fake-v1$dummy-never-matches\x00"
        self.verified: list[str] = []

    def hash(self, password):
        return f"fake-{self.version}${password}"

    def verify(self, password_hash, password):
        self.verified.append(password_hash)
        return password_hash.split("$", 1)[1] == password

    def needs_rehash(self, password_hash):
        return not password_hash.startswith(f"fake-{self.version}$")


class FakeClock:
    def __init__(self, now=T0):
        self.current = now

    def now(self):
        return self.current

    def advance(self, **kwargs):
        self.current += dt.timedelta(**kwargs)


class FakeKeyFactory:
    def __init__(self):
        self.counter = itertools.count(1)

    def new_key(self, now):
        n = next(self.counter)
        return SigningKey(
            kid=f"kid-{n}", private_key_pem=f"priv-{n}", public_key_pem=f"pub-{n}", created_at=now
        )


class FakeTokenIssuer:
    def __init__(self, clock):
        self.clock = clock
        self.issued = []

    def issue(self, key, *, subject_id, kind, roles, departments, display_name, ttl_seconds):
        self.issued.append(
            dict(
                kid=key.kid,
                subject_id=subject_id,
                kind=kind,
                roles=roles,
                departments=departments,
                display_name=display_name,
            )
        )
        return (
            f"at.{key.kid}.{subject_id}.{len(self.issued)}",
            self.clock.now() + dt.timedelta(seconds=ttl_seconds),
        )


class FakeMonitor:
    def __init__(self):
        self.failures: list[str] = []
        self.throttles: list[tuple[str, str]] = []

    def failed(self, credential):
        self.failures.append(credential)

    def throttled(self, credential, scope):
        self.throttles.append((credential, scope))


class Harness:
    """One test's world: deps for the use cases plus handles on the fakes."""

    t0, strong, admin, plain, worker = T0, STRONG, ADMIN, PLAIN, WORKER

    def __init__(self):
        self.store, self.events = Store(), []
        self.clock, self.hasher, self.monitor = FakeClock(), FakeHasher(), FakeMonitor()
        self.issuer = FakeTokenIssuer(self.clock)
        self.deps = Dependencies(
            uow=lambda: FakeUnitOfWork(self.store, self.events),
            hasher=self.hasher,
            clock=self.clock,
            keys=FakeKeyFactory(),
            tokens=self.issuer,
            config=AuthConfig(),
            monitor=self.monitor,
        )

    def event_types(self):
        return [event_type for event_type, _ in self.events]

    def add_user(self, email="sam@example.com", password=STRONG, **kwargs):
        from crm_identity.service_layer import users

        return users.create_user(
            self.deps,
            ADMIN,
            email=email,
            display_name=kwargs.pop("display_name", "Sam Seller"),
            password=password,
            **kwargs,
        )


@pytest.fixture
def world() -> Harness:
    harness = Harness()
    from crm_identity.service_layer import signing_keys

    signing_keys.ensure_active_key(harness.deps)
    return harness
