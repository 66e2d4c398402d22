"""Browser test kit: headless Chromium driven by Playwright, an accessibility check, screenshots.

Chromium is Debian's package (``scripts/ensure-infra.sh chromium``, run by ``make test``), never a
browser build downloaded by Playwright: the kit launches the binary found on ``PATH`` (or the one
``CRM_CHROMIUM`` names) with ``--no-sandbox``, because the suite runs as root. Where no Chromium
is installed, every test that asks for :func:`browser` skips and says how to install it.

The module is a pytest plugin (entry point ``crm_browser`` of crm-devkit), so the fixtures
:func:`browser` and :func:`page` are there in every test module; a browser test module marks
itself ``pytest.mark.browser``.

- :func:`check_accessibility` injects axe-core (npm, pinned in ``libs/devkit/browser-assets``,
  installed by ``make setup``) from its local file and fails on serious or critical violations.
  The script is evaluated through the DevTools protocol, so a page's Content-Security-Policy
  without inline script does not stop it and does not need loosening for the check.
- :func:`screenshot` writes ``docs/console/<name>.png`` (full page), so the pictures in the docs
  are the tests' own and never go stale.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[3]
AXE_JS = ROOT / "libs" / "devkit" / "browser-assets" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "console"
FAILING_IMPACTS = ("serious", "critical")
VIEWPORT = {"width": 1280, "height": 800}

CHROMIUM_MISSING = (
    "no Chromium on this machine: `scripts/ensure-infra.sh chromium` installs Debian's package "
    "(apt-get install chromium, as root; make test does it), or set CRM_CHROMIUM to a Chromium "
    "binary"
)


def chromium_executable() -> str | None:
    """The Chromium binary the kit launches: ``CRM_CHROMIUM``, else ``chromium`` on PATH."""
    named = os.environ.get("CRM_CHROMIUM")
    if named:
        return named if Path(named).is_file() else shutil.which(named)
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the test session (skips, saying why, where none is installed)."""
    executable = chromium_executable()
    if executable is None:
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context (own cookies and storage), English, 1280x800."""
    context = browser.new_context(locale="en-US", viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page, *, options: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now (all impacts)."""
    if not AXE_JS.is_file():
        raise FileNotFoundError(
            f"{AXE_JS} is missing: `make setup` installs the pinned axe-core "
            "(npm ci in libs/devkit/browser-assets)"
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # evaluate, not add_script_tag: an inline <script> would be refused by the page's CSP.
        page.evaluate(AXE_JS.read_text(encoding="utf-8") + "\n;undefined")
    result: dict[str, Any] = page.evaluate(
        "async (options) => await window.axe.run(document, options)", options or {}
    )
    return list(result["violations"])


def describe_violations(violations: Sequence[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [", ".join(node["target"]) for node in violation["nodes"]][:5]
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']} "
            f"-> {'; '.join(targets)}"
        )
    return "\n".join(lines)


def check_accessibility(
    page: Page, *, impacts: Sequence[str] = FAILING_IMPACTS, options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Fail (AssertionError naming rule, impact and elements) on violations of ``impacts``;
    return the milder ones so a test may report them."""
    violations = axe_violations(page, options=options)
    failing = [v for v in violations if v["impact"] in impacts]
    assert not failing, f"accessibility violations on {page.url}:\n" + describe_violations(failing)
    return [v for v in violations if v["impact"] not in impacts]


_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


def screenshot(page: Page, name: str, *, directory: Path = SCREENSHOTS) -> Path:
    """Write the whole page as ``<directory>/<name>.png`` (default ``docs/console``)."""
    if not _NAME.match(name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits, '.', '_', '-'")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path
