"""The README's "Using it" section, run as it is written: its ```sh blocks, in order, in one
bash (``set -euo pipefail``: every command must exit 0, a ``$(...)`` too) with the real
``crmctl`` against the real processes of every service (PlatformBed on PostgreSQL and RabbitMQ).
The story ends with an issued invoice, which the test reads back. Passwords are not typed: the
script gets them from ``CRMCTL_PASSWORD``, where a person answers crmctl's prompt."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PASSWORD = "readme story passphrase, long enough"
SERVICES = ["identity", "territory", "catalog", "leads", "deals"]


def story_blocks(text: str) -> list[str]:
    """The ```sh blocks of the README's "## Using it" section, in order."""
    start = text.index("## Using it")
    end = text.find("\n## ", start + 1)
    section = text[start : end if end >= 0 else len(text)]
    return re.findall(r"```sh\n(.*?)```", section, re.S)


def test_the_story_is_a_script_of_crmctl_commands():
    """Every line of the story is a comment, ``crm=...``, a ``$crm`` command, a variable set
    from one, or the continuation of the line before: nothing the test would have to skip."""
    blocks = story_blocks(README.read_text())
    assert len(blocks) >= 1 and blocks[0].splitlines()[0] == "crm=.venv/bin/crmctl"
    command = re.compile(r"^(\$crm |[a-z_]+=\$\(\$crm .*\)$)")
    continued = False
    for line in "\n".join(blocks).splitlines():
        stripped = line.strip()
        if (
            not continued
            and stripped
            and not stripped.startswith("#")
            and not stripped.startswith("crm=")
        ):
            assert command.match(stripped), f"not a crmctl command: {line!r}"
        continued = stripped.endswith("\\")
    for path in re.findall(r"examples/[\w.]+", "\n".join(blocks)):
        assert (ROOT / path).is_file(), f"the story uses {path}, which is not in the repository"


def test_the_example_rules_file_is_what_crmctl_reads():
    from crmctl.commands.territory.arguments import read_rules

    rules = read_rules(str(ROOT / "examples" / "rules.yaml"))
    assert [c.attribute for r in rules for c in r.conditions] == ["country"]


@pytest.mark.integration
def test_the_readme_story_runs_from_an_empty_platform_to_an_invoice(tmp_path):
    from crm_devrun.bed import PlatformBed

    env = {
        "CRM_IDENTITY_BOOTSTRAP_ADMIN_EMAIL": "admin@crm.local",
        "CRM_IDENTITY_BOOTSTRAP_ADMIN_PASSWORD": PASSWORD,
    }
    with PlatformBed(SERVICES, tmp_path / "bed", env=env) as bed:
        script = "\n".join(
            [
                "set -euo pipefail",
                *story_blocks(README.read_text()),
                '$crm invoices show "$invoice" -o json > "$STORY_OUT/invoice.json"',
            ]
        )
        crmctl_env = {
            **os.environ,
            "CRMCTL_CONFIG_DIR": str(tmp_path / "crmctl"),
            "CRMCTL_PASSWORD": PASSWORD,
            "STORY_OUT": str(tmp_path),
            **{f"CRM_{s.upper()}_ADDRESS": bed.address(s) for s in SERVICES},
        }
        done = subprocess.run(
            ["bash", "-x", "-c", script],
            cwd=ROOT,
            env=crmctl_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        # What a person would have seen, kept for whoever reads the test's output folder.
        (tmp_path / "story.log").write_text(done.stdout + "\n--- stderr\n" + done.stderr)
        assert done.returncode == 0, (
            f"the README story stopped (exit {done.returncode}):\n{done.stdout[-6000:]}\n"
            f"{done.stderr[-6000:]}\n{bed.logs(2000)}"
        )
    invoice = json.loads((tmp_path / "invoice.json").read_text())
    assert invoice["status"] == "issued" and invoice["number"].startswith("INV-")
    assert invoice["total"] == "850.00 EUR"
