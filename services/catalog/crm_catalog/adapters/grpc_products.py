"""UnitGroupService and ProductService servicers: proto in, use case, proto out.

Errors are CrmErrors raised by the use cases; the chassis maps them to status codes.
"""
from __future__ import annotations

from crm.catalog.v1 import products_pb2, products_pb2_grpc, units_pb2, units_pb2_grpc

from crm_chassis.auth import current_principal
from crm_chassis.errors import InvalidArgument

from crm_catalog.service_layer import messages, products, unit_groups
from crm_catalog.service_layer.dependencies import Dependencies

_PRODUCT_MONEY_FIELDS = ("list_price", "standard_cost", "current_cost")


class UnitGroupServicer(units_pb2_grpc.UnitGroupServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateUnitGroup(self, request, context):
        group = unit_groups.create_unit_group(self.deps.uow(), current_principal(),
                                              name=request.name, base_unit=request.base_unit,
                                              clock=self.deps.clock)
        return units_pb2.CreateUnitGroupResponse(unit_group=messages.unit_group_message(group))

    def GetUnitGroup(self, request, context):
        group = unit_groups.get_unit_group(self.deps.uow(), current_principal(), request.id)
        return units_pb2.GetUnitGroupResponse(unit_group=messages.unit_group_message(group))

    def ListUnitGroups(self, request, context):
        page = unit_groups.list_unit_groups(self.deps.uow(), current_principal(),
                                            query=request.query,
                                            page_size=request.page.page_size,
                                            cursor=request.page.cursor)
        response = units_pb2.ListUnitGroupsResponse(
            unit_groups=[messages.unit_group_message(group) for group in page.items])
        response.page.next_cursor = page.next_cursor
        return response

    def RenameUnitGroup(self, request, context):
        group = unit_groups.rename_unit_group(self.deps.uow(), current_principal(),
                                              id=request.id, name=request.name,
                                              expected_version=request.expected_version,
                                              clock=self.deps.clock)
        return units_pb2.RenameUnitGroupResponse(unit_group=messages.unit_group_message(group))

    def AddUnit(self, request, context):
        group = unit_groups.add_unit(self.deps.uow(), current_principal(),
                                     unit_group_id=request.unit_group_id, name=request.name,
                                     quantity=request.quantity, of_unit=request.of_unit,
                                     expected_version=request.expected_version,
                                     clock=self.deps.clock)
        return units_pb2.AddUnitResponse(unit_group=messages.unit_group_message(group))

    def RemoveUnit(self, request, context):
        group = unit_groups.remove_unit(self.deps.uow(), current_principal(),
                                        unit_group_id=request.unit_group_id, name=request.name,
                                        expected_version=request.expected_version,
                                        clock=self.deps.clock)
        return units_pb2.RemoveUnitResponse(unit_group=messages.unit_group_message(group))


def product_changes(request: products_pb2.UpdateProductRequest) -> tuple[dict, str]:
    """The masked fields of ``request.product`` as use-case changes, and the one currency the
    caller wrote next to amounts ("" if none)."""
    changes, currencies = {}, set()
    for path in request.update_mask.paths:
        name = path.split(".", 1)[0]
        if name in _PRODUCT_MONEY_FIELDS:
            money = getattr(request.product, name)
            changes[name] = money.amount
            if money.currency:
                currencies.add(money.currency.strip().upper())
        elif name in products_pb2.Product.DESCRIPTOR.fields_by_name:
            changes[name] = getattr(request.product, name)
        else:
            raise InvalidArgument(f"update_mask names '{path}', which is not a product field",
                                  field="update_mask")
    if len(currencies) > 1:
        raise InvalidArgument(f"amounts are given in several currencies "
                              f"({', '.join(sorted(currencies))}); a product's amounts are all "
                              "in its own currency",
                              field="currency")
    return changes, next(iter(currencies), "")


class ProductServicer(products_pb2_grpc.ProductServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateProduct(self, r, context):
        product = products.create_product(
            self.deps.uow(), current_principal(), sku=r.sku, name=r.name,
            unit_group_id=r.unit_group_id, default_unit=r.default_unit, currency=r.currency,
            list_price=r.list_price, standard_cost=r.standard_cost, current_cost=r.current_cost,
            description=r.description, family=r.family, quantity_decimals=r.quantity_decimals,
            valid_from=r.valid_from, valid_to=r.valid_to, clock=self.deps.clock)
        return products_pb2.CreateProductResponse(product=messages.product_message(product))

    def GetProduct(self, request, context):
        product = products.get_product(self.deps.uow(), current_principal(), id=request.id,
                                       sku=request.sku)
        return products_pb2.GetProductResponse(product=messages.product_message(product))

    def ListProducts(self, request, context):
        page = products.list_products(
            self.deps.uow(), current_principal(),
            status=messages.PRODUCT_STATUS_FROM_PROTO.get(request.status),
            family=request.family, query=request.query, unit_group_id=request.unit_group_id,
            page_size=request.page.page_size, cursor=request.page.cursor)
        response = products_pb2.ListProductsResponse(
            products=[messages.product_message(product) for product in page.items])
        response.page.next_cursor = page.next_cursor
        return response

    def UpdateProduct(self, request, context):
        changes, currency = product_changes(request)
        product = products.update_product(self.deps.uow(), current_principal(), id=request.id,
                                          changes=changes, amounts_currency=currency,
                                          expected_version=request.expected_version,
                                          clock=self.deps.clock)
        return products_pb2.UpdateProductResponse(product=messages.product_message(product))

    def ActivateProduct(self, request, context):
        product = products.activate_product(self.deps.uow(), current_principal(), id=request.id,
                                            expected_version=request.expected_version,
                                            clock=self.deps.clock)
        return products_pb2.ActivateProductResponse(product=messages.product_message(product))

    def RetireProduct(self, request, context):
        product = products.retire_product(self.deps.uow(), current_principal(), id=request.id,
                                          expected_version=request.expected_version,
                                          clock=self.deps.clock)
        return products_pb2.RetireProductResponse(product=messages.product_message(product))
