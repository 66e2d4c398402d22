"""The browser test kit on a tiny local site (127.0.0.1): Chromium opens it, the accessibility
check passes a clean page and fails a page with a serious violation (also under a strict
Content-Security-Policy), and the screenshot helper writes a PNG."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crm_testkit.browser import check_accessibility, screenshot

pytestmark = pytest.mark.browser

CLEAN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pipeline</title></head>
<body><main><h1>Pipeline</h1><label for="q">Search deals</label><input id="q" name="q">
<button type="button">Move to next stage</button></main></body></html>"""
# A button with no accessible name (critical) and an image without alt text (critical).
BROKEN = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Board</title></head>
<body><main><h1>Board</h1><button type="button" id="nameless"></button>
<img src="/logo.png"></main></body></html>"""
PERSIAN = """<!doctype html><html lang="fa" dir="rtl"><head><meta charset="utf-8">
<title>قیف فروش</title></head><body><main><h1>قیف فروش</h1><p>۱۴۰۵/۰۹/۱۶</p></main></body></html>"""
PAGES = {"/clean": CLEAN, "/broken": BROKEN, "/fa": PERSIAN}
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'"


class _Site(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = PAGES.get(self.path.split("?")[0])
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        if "csp=1" in self.path:
            self.send_header("Content-Security-Policy", STRICT_CSP)
        self.end_headers()
        self.wfile.write((body or "<!doctype html><title>not found</title>").encode())

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_clean_page_passes_the_accessibility_check(page, site):
    page.goto(f"{site}/clean")
    assert page.get_by_role("button", name="Move to next stage").is_visible()
    check_accessibility(page)


def test_a_serious_violation_fails_the_check_naming_the_rule_and_the_element(page, site):
    page.goto(f"{site}/broken")
    with pytest.raises(AssertionError) as failed:
        check_accessibility(page)
    message = str(failed.value)
    assert "button-name (critical)" in message and "#nameless" in message
    assert "image-alt (critical)" in message


def test_the_check_runs_under_a_csp_that_refuses_inline_script(page, site):
    page.goto(f"{site}/broken?csp=1")
    inline_ran = page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.inlineRan = true';
                   document.head.appendChild(s); return window.inlineRan === true; }"""
    )
    assert inline_ran is False  # the policy is in force ...
    with pytest.raises(AssertionError, match="button-name"):  # ... and axe still runs
        check_accessibility(page)


def test_the_screenshot_helper_writes_a_png_of_a_right_to_left_page(page, site, tmp_path: Path):
    page.goto(f"{site}/fa")
    assert page.evaluate("() => getComputedStyle(document.body).direction") == "rtl"
    path = screenshot(page, "kit-self-test-fa", directory=tmp_path)
    assert path == tmp_path / "kit-self-test-fa.png"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000
    with pytest.raises(ValueError, match="lower-case"):
        screenshot(page, "../escape", directory=tmp_path)
