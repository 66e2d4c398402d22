"""Events: emitted only with a committed change, carrying the whole aggregate, valid on the wire."""

import pytest

from crm.catalog.v1 import events_pb2
from crm_catalog.service_layer import products, unit_groups
from crm_chassis import events as wire
from crm_chassis.errors import InvalidArgument


def test_a_refused_change_emits_nothing(uow, deps, manager, clock):
    with pytest.raises(InvalidArgument):
        unit_groups.create_unit_group(deps, manager, name="", base_unit="x")
    assert uow.emitted == [] and uow.commits == 0


def test_a_change_commits_once_with_its_event(uow, deps, build, manager, clock):
    group = build.bottles()
    commits = uow.commits
    unit_groups.add_unit(
        deps, manager, unit_group_id=group.id, name="pallet", quantity="60", of_unit="case"
    )
    assert uow.commits == commits + 1 and uow.emitted_types()[-1] == "unit_group_changed"


def test_versions_are_the_aggregate_versions_in_order(uow, deps, build, manager, clock):
    wine = build.product(build.bottles())
    products.update_product(deps, manager, id=wine.id, changes={"name": "Red"})
    versions = [
        message.meta.aggregate_version for kind, message in uow.emitted if kind == "product_changed"
    ]
    assert versions == [1, 2, 3]


def test_events_survive_the_wire_format(uow, deps, build):
    build.product(build.bottles())
    event_type, message = uow.emitted[-1]
    body = wire.encode(message)
    decoded = wire.decode(body, events_pb2.ProductChanged)
    assert decoded == message
    assert decoded.meta.event_type == event_type == "product_changed"
    assert decoded.meta.aggregate_type == "product"
    assert decoded.product.sku == "WINE-RED"
    assert decoded.product.list_price.amount == "12.00"
    assert list(decoded.changed_fields) == ["status"]
