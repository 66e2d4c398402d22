"""The worker's batcher: leads of concurrent deliveries are routed together; each delivery
gets its own lead's decision, or the batch's error. Green threads only (no monkey-patching):
the routing function here is pure."""
import eventlet
import pytest

from crm_territory.adapters.route_batcher import RouteBatcher
from crm_territory.domain.leads import LeadFacts


class Router:
    def __init__(self, fail=False):
        self.batches = []
        self.fail = fail

    def __call__(self, leads):
        self.batches.append([lead.lead_id for lead in leads])
        if self.fail:
            raise RuntimeError("database down")
        return [f"decision of {lead.lead_id}" for lead in leads]


def route_all(batcher, ids):
    threads = [eventlet.spawn(batcher.route, LeadFacts(i)) for i in ids]
    return [t.wait() for t in threads]


def test_a_full_batch_is_routed_at_once_and_the_rest_after_the_wait():
    router = Router()
    batcher = RouteBatcher(router, max_batch=3, max_wait_seconds=0.01)
    assert route_all(batcher, ["a", "b", "c", "d"]) == [
        "decision of a", "decision of b", "decision of c", "decision of d"]
    assert router.batches == [["a", "b", "c"], ["d"]]


def test_a_lone_lead_is_routed_after_the_wait():
    router = Router()
    batcher = RouteBatcher(router, max_batch=10, max_wait_seconds=0.001)
    assert batcher.route(LeadFacts("solo")) == "decision of solo"
    assert router.batches == [["solo"]]


def test_every_delivery_of_a_failed_batch_gets_the_error():
    batcher = RouteBatcher(Router(fail=True), max_batch=2, max_wait_seconds=0.01)
    threads = [eventlet.spawn(batcher.route, LeadFacts(i)) for i in ("a", "b")]
    for thread in threads:
        with pytest.raises(RuntimeError, match="database down"):
            thread.wait()
