"""The run's figures, collected by the scenarios and printed as one table at the end of the
session (conftest's ``pytest_terminal_summary``) and written to ``CRM_CHAOS_REPORT`` if set."""

from __future__ import annotations

import os

ROWS: list[tuple[str, str, str]] = []  # (scenario, measure, value)
NOTES: list[str] = []


def row(scenario: str, measure: str, value) -> None:
    ROWS.append((scenario, measure, str(value)))


def note(text: str) -> None:
    NOTES.append(text)


def render() -> str:
    if not ROWS:
        return ""
    widths = [max(len(r[i]) for r in ROWS + [("scenario", "measure", "value")]) for i in range(3)]
    lines = [
        " | ".join(
            h.ljust(w) for h, w in zip(("scenario", "measure", "value"), widths, strict=True)
        ),
        "-+-".join("-" * w for w in widths),
    ]
    lines += [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in ROWS]
    text = "\n".join(lines + [""] + NOTES)
    target = os.environ.get("CRM_CHAOS_REPORT")
    if target:
        with open(target, "w") as out:
            out.write(text + "\n")
    return text
