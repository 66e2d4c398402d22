"""The layout cli/README.md describes: one package per service under crmctl/commands/, each with
its stubs.py, and a service's commands using of another service only its lookup.py."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import crmctl.commands as commands

PACKAGES = Path(commands.__file__).parent
SERVICES = ("identity", "territory", "catalog", "leads", "deals", "reporting")


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_every_service_has_its_package_with_its_stubs():
    packages = {info.name for info in pkgutil.iter_modules([str(PACKAGES)]) if info.ispkg}
    assert set(SERVICES) <= packages
    for service in SERVICES:
        stubs = importlib.import_module(f"crmctl.commands.{service}.stubs")
        assert hasattr(stubs, "Stubs"), service
        assert importlib.import_module(f"crmctl.commands.{service}").COMMANDS, service


def test_a_service_uses_of_another_service_only_its_lookup():
    for service in (p.name for p in PACKAGES.iterdir() if (p / "__init__.py").exists()):
        for module in (PACKAGES / service).glob("*.py"):
            for name in _imports(module):
                parts = name.split(".")
                if parts[:2] != ["crmctl", "commands"] or len(parts) < 4 or parts[2] == service:
                    continue
                assert parts[3] == "lookup", f"{service}/{module.name} imports {name}"
