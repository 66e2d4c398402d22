"""Option texts as territory's request parts: rules files."""

from __future__ import annotations

import json
from pathlib import Path

from google.protobuf import json_format

from crm.territory.v1 import territories_pb2
from crmctl.session import CliError


def _text_bounds(data):
    """YAML reads 50 as a number; range bounds are decimal strings in the proto."""
    for rule in data:
        for condition in (rule or {}).get("conditions", []) if isinstance(rule, dict) else []:
            for bound in condition.get("ranges", []) if isinstance(condition, dict) else []:
                if isinstance(bound, dict):
                    for key in ("min", "max"):
                        if isinstance(bound.get(key), (int, float)):
                            bound[key] = str(bound[key])
    return data


def read_rules(path: str) -> list[territories_pb2.RoutingRule]:
    """Rules from a JSON or YAML file: a list of rules, or ``{"rules": [...]}``; each rule is
    ``{name, id?, conditions: [{attribute, values?, ranges?: [{min, max}], currency?}]}``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(
            f"cannot read {path}: {exc.strerror} (a rules file lists rules in YAML "
            "or JSON; the repository's examples/rules.yaml is one to start from)"
        ) from None
    if file.suffix.lower() in (".yaml", ".yml"):
        import yaml  # only rules files need it

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CliError(f"{path} is not valid YAML: {exc}") from None
    else:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CliError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and "rules" in data:
        data = data["rules"]
    if not isinstance(data, list):
        raise CliError(f"{path}: expected a list of rules (or an object with 'rules')")
    request = territories_pb2.SetTerritoryRulesRequest()
    try:
        json_format.ParseDict({"rules": _text_bounds(data)}, request)
    except json_format.ParseError as exc:
        raise CliError(f"{path}: {exc}") from None
    return list(request.rules)
