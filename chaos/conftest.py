"""`make chaos`: the whole platform as processes under a seeded fault schedule.

Not part of `make test` (it lives outside the folders `make test` collects and takes minutes).
The suite's helpers are imported by their module names (``chaos_bed`` ...) and reuse the
end-to-end tests' helpers (``e2e_platform``): both folders go on sys.path here, as
tests/e2e/conftest.py does for its own (--import-mode=importlib adds none by itself).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent / "tests" / "e2e"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import chaos_report  # noqa: E402


def pytest_terminal_summary(terminalreporter):
    text = chaos_report.render()
    if text:
        terminalreporter.write_sep("=", "make chaos: summary")
        terminalreporter.write_line(text)
