"""UnitGroupService and ProductService servicers: request in (grpc_mapping), use case, the
aggregate's message out. Errors are CrmErrors raised by the use cases; the chassis maps them to
status codes."""

from __future__ import annotations

from crm.catalog.v1 import products_pb2, products_pb2_grpc, units_pb2, units_pb2_grpc
from crm_catalog.adapters import grpc_mapping
from crm_catalog.service_layer import event_messages, products, unit_groups
from crm_catalog.service_layer.dependencies import Dependencies


class UnitGroupServicer(units_pb2_grpc.UnitGroupServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateUnitGroup(self, request, context):
        group = unit_groups.create_unit_group(
            self.deps, grpc_mapping.caller(), name=request.name, base_unit=request.base_unit
        )
        return units_pb2.CreateUnitGroupResponse(
            unit_group=event_messages.unit_group_message(group)
        )

    def GetUnitGroup(self, request, context):
        group = unit_groups.get_unit_group(self.deps, grpc_mapping.caller(), request.id)
        return units_pb2.GetUnitGroupResponse(unit_group=event_messages.unit_group_message(group))

    def ListUnitGroups(self, request, context):
        page = unit_groups.list_unit_groups(
            self.deps,
            grpc_mapping.caller(),
            query=request.query,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = units_pb2.ListUnitGroupsResponse(
            unit_groups=[event_messages.unit_group_message(group) for group in page.items]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def RenameUnitGroup(self, request, context):
        group = unit_groups.rename_unit_group(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            name=request.name,
            expected_version=request.expected_version,
        )
        return units_pb2.RenameUnitGroupResponse(
            unit_group=event_messages.unit_group_message(group)
        )

    def AddUnit(self, request, context):
        group = unit_groups.add_unit(
            self.deps,
            grpc_mapping.caller(),
            unit_group_id=request.unit_group_id,
            name=request.name,
            quantity=request.quantity,
            of_unit=request.of_unit,
            expected_version=request.expected_version,
        )
        return units_pb2.AddUnitResponse(unit_group=event_messages.unit_group_message(group))

    def RemoveUnit(self, request, context):
        group = unit_groups.remove_unit(
            self.deps,
            grpc_mapping.caller(),
            unit_group_id=request.unit_group_id,
            name=request.name,
            expected_version=request.expected_version,
        )
        return units_pb2.RemoveUnitResponse(unit_group=event_messages.unit_group_message(group))


class ProductServicer(products_pb2_grpc.ProductServiceServicer):
    def __init__(self, deps: Dependencies):
        self.deps = deps

    def CreateProduct(self, r, context):
        product = products.create_product(
            self.deps,
            grpc_mapping.caller(),
            sku=r.sku,
            name=r.name,
            unit_group_id=r.unit_group_id,
            default_unit=r.default_unit,
            currency=r.currency,
            list_price=r.list_price,
            standard_cost=r.standard_cost,
            current_cost=r.current_cost,
            description=r.description,
            family=r.family,
            quantity_decimals=r.quantity_decimals,
            valid_from=r.valid_from,
            valid_to=r.valid_to,
        )
        return products_pb2.CreateProductResponse(product=event_messages.product_message(product))

    def GetProduct(self, request, context):
        product = products.get_product(
            self.deps, grpc_mapping.caller(), id=request.id, sku=request.sku
        )
        return products_pb2.GetProductResponse(product=event_messages.product_message(product))

    def ListProducts(self, request, context):
        page = products.list_products(
            self.deps,
            grpc_mapping.caller(),
            status=grpc_mapping.product_status(request.status),
            family=request.family,
            query=request.query,
            unit_group_id=request.unit_group_id,
            page_size=request.page.page_size,
            cursor=request.page.cursor,
        )
        response = products_pb2.ListProductsResponse(
            products=[event_messages.product_message(product) for product in page.items]
        )
        response.page.next_cursor = page.next_cursor
        return response

    def UpdateProduct(self, request, context):
        changes, currency = grpc_mapping.product_changes(request)
        product = products.update_product(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            changes=changes,
            amounts_currency=currency,
            expected_version=request.expected_version,
        )
        return products_pb2.UpdateProductResponse(product=event_messages.product_message(product))

    def ActivateProduct(self, request, context):
        product = products.activate_product(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            expected_version=request.expected_version,
        )
        return products_pb2.ActivateProductResponse(product=event_messages.product_message(product))

    def RetireProduct(self, request, context):
        product = products.retire_product(
            self.deps,
            grpc_mapping.caller(),
            id=request.id,
            expected_version=request.expected_version,
        )
        return products_pb2.RetireProductResponse(product=event_messages.product_message(product))
