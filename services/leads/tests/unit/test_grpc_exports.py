"""ExportLeads over gRPC: only the leads the caller's search gives, every page, formula cells
neutralised in CSV, exact values in JSON Lines."""

import csv
import io
import json

import grpc
import pytest

from crm.common.v1 import export_pb2
from crm.leads.v1 import exports_pb2, lead_service_pb2
from crm_leads.adapters import grpc_exports

from .test_grpc_leads import STRANGER

CSV, JSONL = export_pb2.EXPORT_FORMAT_CSV, export_pb2.EXPORT_FORMAT_JSON_LINES


def exported(rpc, caller, format=CSV, **search) -> bytes:
    request = exports_pb2.ExportLeadsRequest(
        format=format, search=lead_service_pb2.SearchLeadsRequest(**search)
    )
    chunks = rpc.exports.ExportLeads(request, metadata=rpc.metadata(caller), timeout=10)
    return b"".join(chunk.data for chunk in chunks)


@pytest.mark.parametrize("who,count", [("ann", 2), ("meg", 3), ("ben", 1), ("ada", 0), ("zoe", 0)])
def test_an_export_holds_only_the_leads_the_caller_may_see(rpc, world, who, count, monkeypatch):
    monkeypatch.setattr(grpc_exports, "PAGE_SIZE", 1)  # a page a lead: every page walked
    world.lead_in(person__email="one@acme.example")
    world.lead_in(person__email="two@acme.example")
    world.lead_in(team="team-b", owner="ben", person__email="three@other.example")
    caller = STRANGER if who == "zoe" else getattr(world, who)
    rows = list(csv.DictReader(io.StringIO(exported(rpc, caller).decode())))
    assert len(rows) == count and len({row["id"] for row in rows}) == count


def test_formulas_in_lead_fields_are_neutralised_and_json_lines_are_exact(rpc, world):
    world.lead_in(person__email="evil@acme.example", person__first_name="=cmd|' /C calc'!A0")
    (row,) = csv.DictReader(io.StringIO(exported(rpc, world.ann).decode()))
    first_names = [value for key, value in row.items() if key.endswith("first_name")]
    assert first_names == ["'=cmd|' /C calc'!A0"]
    (line,) = exported(rpc, world.ann, JSONL).decode().splitlines()
    assert "=cmd|' /C calc'!A0" in json.dumps(json.loads(line))


def test_a_missing_format_is_refused(rpc, world):
    with pytest.raises(grpc.RpcError) as err:
        exported(rpc, world.ann, export_pb2.EXPORT_FORMAT_UNSPECIFIED)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
