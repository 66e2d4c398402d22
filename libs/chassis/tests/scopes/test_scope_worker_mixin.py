"""The mixin gives a worker class the replica's idempotent handler under the manifest's name."""

from crm_chassis.messaging.handlers import idempotent_handlers
from crm_chassis.scopes.worker import ScopeReplicaHandlers


class ConsumerWorker(ScopeReplicaHandlers):
    name = "consumer"


def test_mixin_contributes_the_user_access_changed_handler():
    handlers = dict(idempotent_handlers(ConsumerWorker))
    entry = handlers["on_user_access_changed"]
    assert (entry.source_service, entry.event_type) == ("territory", "user_access_changed")
