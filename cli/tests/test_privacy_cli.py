"""crmctl privacy against recording fakes of deals' PrivacyService and leads'
LeadPrivacyService: the export is one zip (a JSON file per service and a manifest), an unknown
person is said to be unknown, erase and status print the request per service, and a refusal
reaches the person verbatim."""

from __future__ import annotations

import json
import zipfile

import grpc

from crm.common.v1 import privacy_pb2 as common
from crm.deals.v1 import privacy_pb2 as deals_privacy


def _part(service, records, document):
    return common.PersonalDataExport(
        service=service,
        email="vera@example.com",
        records=records,
        document_json=json.dumps(document),
    )


def test_the_export_is_one_zip_with_a_file_per_service_and_a_manifest(
    logged_in, privacy_fakes, tmp_path
):
    privacy_fakes["leads"].replies["ExportPersonalData"] = _part(
        "leads", 1, {"leads": [{"id": "l1"}]}
    )
    privacy_fakes["deals"].replies["ExportPersonalData"] = _part(
        "deals", 2, {"contacts": [{"id": "c1"}], "consents": [{"granted": True}]}
    )
    out = tmp_path / "vera.zip"
    result = logged_in("privacy", "export", "--email", "Vera@Example.com", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "leads 1, deals 2 records" in result.output
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["deals.json", "leads.json", "manifest.json"]
        manifest = json.loads(archive.read("manifest.json"))
        assert json.loads(archive.read("deals.json"))["contacts"] == [{"id": "c1"}]
    assert manifest["records"] == 3 and manifest["email"] == "vera@example.com"
    assert manifest["services"]["leads"] == {"file": "leads.json", "records": 1}
    for fake in privacy_fakes.values():
        assert [r.email for r in fake.sent("ExportPersonalData")] == ["Vera@Example.com"]


def test_an_unknown_person_is_said_to_be_unknown(logged_in, privacy_fakes, tmp_path):
    for service, fake in privacy_fakes.items():
        fake.replies["ExportPersonalData"] = _part(service, 0, {"leads": []})
    result = logged_in(
        "privacy", "export", "--email", "x@example.com", "--out", str(tmp_path / "x.zip")
    )
    assert result.exit_code == 0, result.output
    assert "holds nothing about vera@example.com" in result.output


def test_erase_and_status_print_the_request_per_service(logged_in, privacy_fakes):
    request = deals_privacy.PrivacyRequest(
        id="r1",
        kind="erasure",
        subject="v***@example.com",
        state="in_progress",
        confirmations=[
            deals_privacy.ServiceConfirmation(
                service="deals", state="done", erased={"contacts": 1}
            ),
            deals_privacy.ServiceConfirmation(service="leads", state="pending"),
        ],
    )
    privacy_fakes["deals"].replies["RequestErasure"] = request
    privacy_fakes["deals"].replies["GetPrivacyRequest"] = request
    result = logged_in("privacy", "erase", "--email", "vera@example.com", "--reason", "t-1")
    assert result.exit_code == 0, result.output
    assert "v***@example.com" in result.output and "contacts 1" in result.output
    (sent,) = privacy_fakes["deals"].sent("RequestErasure")
    assert (sent.email, sent.reason) == ("vera@example.com", "t-1")
    status = logged_in("privacy", "status", "r1", "-o", "json")
    assert json.loads(status.stdout)["confirmations"][1]["state"] == "pending"


def test_a_refusal_reaches_the_person(logged_in, privacy_fakes):
    privacy_fakes["deals"].replies["RequestErasure"] = (
        grpc.StatusCode.PERMISSION_DENIED,
        "erasing a person's data needs the 'data_protection_officer' role",
    )
    result = logged_in("privacy", "erase", "--email", "vera@example.com")
    assert result.exit_code != 0
    assert "data_protection_officer" in result.output
