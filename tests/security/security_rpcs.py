"""Every RPC of the platform, read from the generated descriptors (no hand list), and a generic
way to build a request for one and call it over a plain channel.

An RPC is named ``<service>.<Service>/<Method>`` (``leads.LeadService/GetLead``): the platform
service (its ``crm.<service>.v1`` package, served by ``services/<service>``), the gRPC service
and the method.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import grpc
from google.protobuf import message_factory
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor
from security_platform import PASSWORD, SERVICES

UNKNOWN_ID = "00000000000000000000000000000000"


@dataclass(frozen=True)
class Rpc:
    service: str  # platform service: identity, territory, leads...
    method: MethodDescriptor

    @property
    def name(self) -> str:
        return f"{self.service}.{self.method.containing_service.name}/{self.method.name}"

    @property
    def path(self) -> str:
        return f"/{self.method.containing_service.full_name}/{self.method.name}"

    @property
    def request_class(self):
        return message_factory.GetMessageClass(self.method.input_type)

    @property
    def response_class(self):
        return message_factory.GetMessageClass(self.method.output_type)


def all_rpcs() -> list[Rpc]:
    """Every method of every service declared in the ``crm.<service>.v1`` packages of the
    platform's services, in a stable order."""
    found: dict[str, Rpc] = {}
    for service in SERVICES:
        package = importlib.import_module(f"crm.{service}.v1")
        for module_info in pkgutil.iter_modules(package.__path__):
            if not module_info.name.endswith("_pb2"):
                continue
            module = importlib.import_module(f"crm.{service}.v1.{module_info.name}")
            for service_descriptor in module.DESCRIPTOR.services_by_name.values():
                for method in service_descriptor.methods:
                    rpc = Rpc(service, method)
                    found[rpc.name] = rpc
    return [found[name] for name in sorted(found)]


# ---------------------------------------------------------------- requests
# The record an "id" field means, from the words of the RPC's name (longest first).
ENTITIES = (
    "AutomationRule",
    "DiscountList",
    "PriceList",
    "UnitGroup",
    "SalesLine",
    "OrgUnit",
    "Territory",
    "Pipeline",
    "Campaign",
    "Account",
    "Contact",
    "Deal",
    "Lead",
    "User",
    "Team",
    "Quote",
    "Order",
    "Invoice",
    "Activity",
    "Task",
    "Product",
    "Unit",
)
ENTITY_IDS = {
    "Deal": "deal",
    "Account": "account",
    "Contact": "contact",
    "Lead": "lead",
    "User": "spare_user",
    "Team": "team_a",
    "OrgUnit": "unit_u",
    "SalesLine": "sales_line",
    "Territory": "territory",
    "Pipeline": "pipeline",
    "Quote": "quote",
    "Activity": "activity",
    "Task": "activity",
}
# Id fields by name: the named id of the fixture they get.
FIELD_IDS = {
    "lead_id": "lead",
    "survivor_lead_id": "lead",
    "duplicate_lead_id": "lead",
    "originating_lead_id": "lead",
    "deal_id": "deal",
    "opportunity_id": "deal",
    "account_id": "account",
    "contact_id": "contact",
    "primary_contact_id": "contact",
    "unit_id": "unit_u",
    "parent_id": "unit_u",
    "new_parent_id": "unit_s",
    "new_unit_id": "unit_s",
    "user_id": "spare_user",
    "owner_user_id": "teammate_user",
    "new_owner_user_id": "teammate_user",
    "record_owner_id": "member_user",
    "sales_line_id": "sales_line",
    "territory_id": "territory",
    "pipeline_id": "pipeline",
    "membership_id": "membership_spare",
    "quote_id": "quote",
}
SPARE = {
    "team_a": "team_d",
    "unit_u": "unit_x",
    "sales_line": "spare_sales_line",
    "territory": "spare_territory",
}


def entity_of(rpc: Rpc) -> str | None:
    for word in ENTITIES:
        if word in rpc.method.name:
            return word
    return None


def named_ids(org) -> dict[str, str]:
    ids = dict(org.ids)
    for caller in ("member", "teammate", "spare"):
        ids[f"{caller}_user"] = org.callers[caller].user_id
    return ids


class RequestBuilder:
    """A plausible request for an RPC aimed at team A's records: id fields carry the fixture's
    ids by field-name convention (``lead_id`` → the lead, ``id`` of ``GetDeal`` → the deal,
    any ``*team_id`` → team A), names and e-mails get unique values, enums their first real
    value, so that a call an allowed caller makes would succeed and a refusal is a refusal.
    ``spare`` aims at the spare team, unit and sales line instead (destructive calls);
    ``fill`` overrides a field name's named id."""

    def __init__(
        self, ids: Mapping[str, str], *, spare: bool = False, fill: Mapping[str, str] | None = None
    ):
        self.ids, self.spare, self.fill = ids, spare, dict(fill or {})

    def build(self, rpc: Rpc):
        request = rpc.request_class()
        self._fill(request, entity_of(rpc), depth=0)
        return request

    def id_for(self, field_name: str, entity: str | None) -> str | None:
        named = self.fill.get(field_name)
        if named is None:
            if field_name in FIELD_IDS:
                named = FIELD_IDS[field_name]
            elif field_name.endswith("team_id"):
                named = "team_a"
            elif field_name == "id":
                named = ENTITY_IDS.get(entity or "", "")
                if not named:
                    return UNKNOWN_ID
            elif field_name.endswith("_id") and field_name not in TEXT_IDS:
                return UNKNOWN_ID
            else:
                return None
        if self.spare:
            named = SPARE.get(named, named)
        return self.ids.get(named, UNKNOWN_ID) if named else ""

    def _fill(self, message, entity: str | None, depth: int) -> None:
        for field in message.DESCRIPTOR.fields:
            if (
                field.containing_oneof is not None
                and message.WhichOneof(field.containing_oneof.name) is not None
            ):
                continue
            repeated = field.is_repeated
            if field.type == FieldDescriptor.TYPE_STRING:
                value = self._string(field.name, entity)
                if value is None:
                    continue
                if repeated:
                    getattr(message, field.name).append(value)
                else:
                    setattr(message, field.name, value)
            elif field.type == FieldDescriptor.TYPE_ENUM and not repeated:
                values = [v.number for v in field.enum_type.values if v.number != 0]
                if values:
                    setattr(message, field.name, values[0])
            elif (
                field.type == FieldDescriptor.TYPE_MESSAGE
                and depth < 3
                and not field.message_type.GetOptions().map_entry
                and not field.message_type.full_name.startswith("google.protobuf.")
            ):
                sub = message_factory.GetMessageClass(field.message_type)()
                self._fill(sub, entity, depth + 1)
                if sub.ListFields():
                    if repeated:
                        getattr(message, field.name).add().CopyFrom(sub)
                    else:
                        getattr(message, field.name).CopyFrom(sub)

    def _string(self, name: str, entity: str | None) -> str | None:
        singular = name[:-1] if name.endswith("_ids") else name
        value = self.id_for(singular, entity)
        if value is not None:
            return value
        for pattern, make in TEXTS:
            if re.fullmatch(pattern, name):
                return make()
        return None


def _unique(prefix: str) -> Callable[[], str]:
    return lambda: f"{prefix}-{uuid.uuid4().hex[:8]}"


TEXT_IDS = {"client_id", "import_id", "idempotency_key", "external_id"}
TEXTS: tuple[tuple[str, Callable[[], str]], ...] = (
    (r"current_password", lambda: "not the current password of anybody"),
    (r"(new_)?password", lambda: PASSWORD),
    (r".*email", lambda: f"sec-{uuid.uuid4().hex[:8]}@matrix.example"),
    (r"currency", lambda: "EUR"),
    (r"amount", lambda: "100.00"),
    (r"country", lambda: "DE"),
    (r"idempotency_key|import_id|external_id", _unique("matrix")),
    (r"(.*_)?name|title|subject", _unique("Matrix")),
    (r"reason|note|description|comment", lambda: "security matrix"),
)


# ---------------------------------------------------------------- calls
@dataclass
class Outcome:
    code: grpc.StatusCode
    details: str
    responses: list

    @property
    def text(self) -> str:
        """Everything the caller received: responses (text and wire form) and the error."""
        parts = [str(r) for r in self.responses]
        parts += [r.SerializeToString().decode("utf-8", "replace") for r in self.responses]
        return "\n".join(parts + [self.details or ""])


def invoke(channel: grpc.Channel, rpc: Rpc, request, metadata=(), timeout: float = 30) -> Outcome:
    serialize = lambda message: message.SerializeToString()  # noqa: E731
    deserialize = rpc.response_class.FromString
    client_stream, server_stream = rpc.method.client_streaming, rpc.method.server_streaming
    kind = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }[(client_stream, server_stream)]
    call = kind(rpc.path, request_serializer=serialize, response_deserializer=deserialize)
    argument = iter([request]) if client_stream else request
    responses: list = []
    try:
        result = call(argument, metadata=metadata, timeout=timeout)
        if server_stream:
            for response in result:
                responses.append(response)
        else:
            responses.append(result)
    except grpc.RpcError as error:
        return Outcome(error.code(), error.details() or "", responses)
    return Outcome(grpc.StatusCode.OK, "", responses)
