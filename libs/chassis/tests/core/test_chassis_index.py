"""docs/chassis.md lists every module of the chassis, once, and nothing that is gone."""

from __future__ import annotations

import re
from pathlib import Path

import crm_chassis

PACKAGE = Path(crm_chassis.__file__).parent
INDEX = PACKAGE.parents[2] / "docs" / "chassis.md"


def _modules() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
            # a package is listed through its modules, unless it is all in its __init__
            if parts and any(p.name != "__init__.py" for p in path.parent.glob("*.py")):
                continue
        if parts:
            found.add(".".join(parts))
    return found


def test_the_index_lists_every_module_once():
    rows = re.findall(r"^\| `([a-z_.]+)` \|", INDEX.read_text(), flags=re.M)
    listed = [row for row in rows if row != "Module"]
    assert sorted(set(listed)) == sorted(listed), "a module is listed twice"
    assert set(listed) == _modules(), (
        f"missing from docs/chassis.md: {sorted(_modules() - set(listed))}; "
        f"listed but gone: {sorted(set(listed) - _modules())}"
    )
