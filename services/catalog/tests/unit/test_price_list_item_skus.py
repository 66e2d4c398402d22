"""Price list items carry their product's SKU: stored with the item, shown in responses and in
price_list_changed, read back from snapshots (including those written before it was stored)."""

import json

from crm.catalog.v1 import events_pb2
from crm_catalog.adapters import codec
from crm_catalog.service_layer import event_messages, price_lists
from crm_chassis import events as wire


def _wines(build):
    group = build.bottles()
    return group, build.product(group, sku="WINE-WHITE"), build.product(group, sku="WINE-RED")


def test_setting_an_item_stores_the_product_sku_and_the_event_shows_it(uow, deps, build):
    _, white, red = _wines(build)
    standard = build.price_list()
    build.item(standard, white)
    standard = build.item(standard, red, unit="case", value="50.00")
    assert {item.sku for item in standard.items.values()} == {"WINE-WHITE", "WINE-RED"}
    event_type, event = uow.emitted[-1]
    assert event_type == "price_list_changed"
    decoded = wire.decode(wire.encode(event), events_pb2.PriceListChanged)
    assert [(i.sku, i.product_id, i.unit) for i in decoded.price_list.items] == [
        ("WINE-RED", red.id, "case"),
        ("WINE-WHITE", white.id, "bottle"),
    ]


def test_read_responses_and_removal_events_show_the_sku(uow, deps, build, sales_rep, pricer, clock):
    _, white, red = _wines(build)
    standard = build.price_list()
    build.item(standard, white)
    build.item(standard, red)
    read = price_lists.get_price_list(deps, sales_rep, standard.id)
    skus = [i.sku for i in event_messages.price_list_message(read).items]
    assert skus == ["WINE-RED", "WINE-WHITE"]
    price_lists.remove_price_list_item(
        deps, pricer, price_list_id=standard.id, product_id=red.id, unit="bottle"
    )
    assert [i.sku for i in uow.emitted[-1][1].price_list.items] == ["WINE-WHITE"]
    renamed = price_lists.update_price_list(
        deps, pricer, id=standard.id, changes={"name": "Standard 2026"}
    )
    assert [i.sku for i in event_messages.price_list_message(renamed).items] == ["WINE-WHITE"]
    assert [i.sku for i in uow.emitted[-1][1].price_list.items] == ["WINE-WHITE"]


def test_snapshots_keep_the_sku_and_read_items_written_without_it(build):
    _, white, _ = _wines(build)
    standard = build.item(build.price_list(), white)
    text = codec.dump_price_list(standard)
    assert json.loads(text)["items"][0][-1] == "WINE-WHITE"
    assert codec.load_price_list(text).items == standard.items
    old = json.loads(text)
    old["items"] = [item[:6] for item in old["items"]]  # as stored before the SKU was
    read = codec.load_price_list(json.dumps(old))
    (item,) = read.items.values()
    assert (item.product_id, item.sku, item.value) == (white.id, "", standard.items[item.key].value)
    assert event_messages.price_list_message(read).items[0].sku == ""
