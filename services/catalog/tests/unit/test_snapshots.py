"""The backfill of a consumer that joins late (reporting): every stored exchange rate
re-published as ``exchange_rate_snapshot`` at its current version, one page per call, only for
the people who may set rates."""

import pytest

from crm_catalog.service_layer import exchange_rates, snapshots
from crm_catalog.service_layer.exchange_rates import RateInput
from crm_chassis.errors import InvalidArgument, PermissionDenied


def rate(base="EUR", quote="USD", on="2026-01-01", value="1.0850", source="ECB"):
    return RateInput(base=base, quote=quote, effective_on=on, rate=value, source=source)


def publish_all(deps, uow, caller, page_size):
    """Every page: the (event type, message) pairs written, and the number of calls."""
    before, calls, cursor = len(uow.emitted), 0, ""
    while True:
        page = snapshots.publish_snapshots(
            deps, caller, kind="exchange_rates", page_size=page_size, cursor=cursor
        )
        calls += 1
        cursor = page.next_cursor
        if not cursor:
            return uow.emitted[before:], calls


def test_every_rate_is_published_at_its_current_version_by_pair_then_date(deps, pricer, uow):
    exchange_rates.set_exchange_rate(deps, pricer, rate=rate(on="2026-03-31", value="1.08"))
    exchange_rates.set_exchange_rate(deps, pricer, rate=rate(on="2026-01-01"))
    exchange_rates.set_exchange_rate(deps, pricer, rate=rate(on="2026-01-01", value="1.09"))
    exchange_rates.set_exchange_rate(
        deps, pricer, rate=rate(base="USD", quote="IRR", value="42000")
    )
    published, calls = publish_all(deps, uow, pricer, page_size=2)
    assert calls == 2
    assert [event_type for event_type, _ in published] == ["exchange_rate_snapshot"] * 3
    shown = [
        (m.meta.aggregate_type, m.meta.aggregate_id, m.meta.aggregate_version, m.rate.rate)
        for _, m in published
    ]
    assert shown == [
        ("exchange_rate", "EUR/USD/2026-01-01", 2, "1.09"),  # the correction, at its version
        ("exchange_rate", "EUR/USD/2026-03-31", 1, "1.08"),
        ("exchange_rate", "USD/IRR/2026-01-01", 1, "42000"),
    ]
    assert published[0][1].rate.source == "ECB" and published[0][1].rate.set_by == "user-paul"


def test_publishing_again_publishes_the_same_versions_and_changes_no_rate(deps, pricer, uow):
    exchange_rates.set_exchange_rate(deps, pricer, rate=rate())
    first, _ = publish_all(deps, uow, pricer, page_size=0)
    again, _ = publish_all(deps, uow, pricer, page_size=0)
    assert [m.meta.aggregate_version for _, m in first] == [1]
    assert [m.meta.aggregate_version for _, m in again] == [1]
    listed = exchange_rates.list_exchange_rates(deps, pricer)
    assert [(r.version, str(r.rate)) for r in listed.items] == [(1, "1.0850")]


def test_no_rate_publishes_nothing(deps, pricer, uow):
    assert publish_all(deps, uow, pricer, page_size=0) == ([], 1)


def test_only_those_who_set_rates_may_publish(deps, sales_rep, admin, deals_service):
    for caller in (sales_rep, admin, deals_service):
        with pytest.raises(PermissionDenied, match="pricing_manager"):
            snapshots.publish_snapshots(deps, caller, kind="exchange_rates")


def test_an_unknown_kind_and_a_bad_page_size_are_refused(deps, pricer):
    with pytest.raises(InvalidArgument, match="kind must be one of exchange_rates; got 'nothing'"):
        snapshots.publish_snapshots(deps, pricer, kind="")
    with pytest.raises(InvalidArgument, match="page_size"):
        snapshots.publish_snapshots(deps, pricer, kind="exchange_rates", page_size=501)
