"""The root import-linter contracts (pyproject.toml, [tool.importlinter]) hold for every service
alike: each service found by its manifest is a root package, independent of the others, layered,
and its domain and service layer are under the same purity contracts. A service added without
being added to the contracts fails here, before its layers can drift."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}
PACKAGES = sorted(
    tomllib.loads(path.read_text())["package"] for path in ROOT.glob("services/*/service.toml")
)


def test_there_is_one_contract_set_for_the_repository() -> None:
    assert PACKAGES, "no services/*/service.toml found"
    assert not list(ROOT.glob("services/*/.importlinter")), "contracts live in pyproject.toml"


@pytest.mark.parametrize("package", PACKAGES)
def test_every_service_is_under_every_contract(package: str) -> None:
    assert package in CONFIG["root_packages"]
    assert package in CONTRACTS["services-independent"]["modules"]
    assert package in CONTRACTS["chassis-below-services"]["forbidden_modules"]
    assert package in CONTRACTS["layers"]["containers"]
    core = CONTRACTS["core-no-infrastructure"]["source_modules"]
    assert f"{package}.domain" in core and f"{package}.service_layer" in core
    assert f"{package}.domain" in CONTRACTS["domain-pure"]["source_modules"]


def test_the_purity_contracts_forbid_the_infrastructure_libraries() -> None:
    core = set(CONTRACTS["core-no-infrastructure"]["forbidden_modules"])
    assert {"grpc", "nameko", "pika", "kombu", "sqlalchemy", "httpx", "eventlet"} <= core
    assert {"crm", "google"} <= set(CONTRACTS["domain-pure"]["forbidden_modules"])
    assert CONTRACTS["layers"]["layers"] == ["entrypoints", "adapters", "service_layer", "domain"]
