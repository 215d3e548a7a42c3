"""The browser harness end to end: a page from a local HTTP server, a click, a changed text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import SCREENSHOT_DIR, Screenshot

PAGE = """<!doctype html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>政府信息公开申请</title></head>
<body style="font-family: sans-serif; margin: 2em">
  <h1>政府信息公开申请</h1>
  <p id="status">待提交</p>
  <button id="submit" type="button">提交申请</button>
  <script>
    document.getElementById("submit").addEventListener("click", () => {
      document.getElementById("status").textContent = "申请已提交，请等待答复";
    });
  </script>
</body>
</html>
"""


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/":
            self.send_error(404)
            return
        body = PAGE.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep pytest output quiet
        pass


@pytest.fixture
def site_url() -> Iterator[str]:
    """A tiny HTTP server on 127.0.0.1, on a free port, in a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="test-http", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


async def test_click_changes_chinese_text(page: Page, site_url: str, screenshot: Screenshot):
    response = await page.goto(site_url)
    assert response is not None and response.status == 200

    await expect(page).to_have_title("政府信息公开申请")
    status = page.locator("#status")
    await expect(status).to_have_text("待提交")

    await page.get_by_role("button", name="提交申请").click()

    await expect(status).to_have_text("申请已提交，请等待答复")
    assert await status.text_content() == "申请已提交，请等待答复"

    path = await screenshot(page, "harness-click")
    assert path == SCREENSHOT_DIR / "harness-click.png"
    png = path.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
