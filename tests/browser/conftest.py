"""Headless-browser fixtures: Debian's Chromium driven by Playwright's async API.

    async def test_something(page, screenshot):
        await page.goto(url)
        await page.get_by_role("button", name="提交").click()
        await expect(page.locator("#status")).to_have_text("已提交")
        await screenshot(page, "something")

Fixtures:
  chromium_path  (session, sync)  path of a working Chromium, installed from Debian if missing
  browser        (session, async) one launched Chromium (headless, flags below), relaunched
                                  if it has crashed/disconnected
  context        (function, async) a fresh BrowserContext: its own cookies/storage/cache
  page           (function, async) a new page in that context; all closed on teardown, and a
                                  screenshot FAILED-<test>.png is saved if the test failed
  screenshot     (function)      `await screenshot(page, name)` -> Path of the saved PNG

The async API is used because the suite runs every test and fixture on one session-scoped
asyncio loop (asyncio_mode=auto). Playwright's sync API refuses to start inside a running loop,
and even run in a thread it would block the loop, so an app server running as a task on that
loop (uvicorn, the Temporal clients) could not answer the browser. With the async API the test
awaits the browser and the loop keeps serving.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from tests.browser.chromium import CHROMIUM_ARGS, ensure_chromium

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = ROOT / "test-artifacts" / "screenshots"

# Timeouts for one action/navigation; Playwright's 30 s default hides hangs for too long.
ACTION_TIMEOUT_MS = 10_000
NAVIGATION_TIMEOUT_MS = 15_000
LAUNCH_TIMEOUT_MS = 60_000

Screenshot = Callable[[Page, str], Awaitable[Path]]


def _safe_name(name: str) -> str:
    return re.sub(r"[^\w.\-]+", "_", name).strip("_") or "screenshot"


async def save_screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG of `page` to test-artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{_safe_name(name)}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return ensure_chromium()


class _BrowserHolder:
    """Launches Chromium once per session, and again if it crashed or disconnected."""

    def __init__(self, pw: Playwright, executable: str) -> None:
        self._pw = pw
        self._executable = executable
        self._browser: Browser | None = None
        self.launch_seconds: list[float] = []

    async def get(self) -> Browser:
        if self._browser is None or not self._browser.is_connected():
            start = time.monotonic()
            self._browser = await self._pw.chromium.launch(
                executable_path=self._executable,
                headless=True,
                args=CHROMIUM_ARGS,
                # Playwright gives the browser its own fresh, temporary user-data-dir.
                timeout=LAUNCH_TIMEOUT_MS,
            )
            self.launch_seconds.append(time.monotonic() - start)
        return self._browser

    async def close(self) -> None:
        if self._browser is not None:
            with contextlib.suppress(Exception):
                await self._browser.close()
            self._browser = None


@pytest_asyncio.fixture(scope="session")
async def _browser_holder(chromium_path: str) -> AsyncIterator[_BrowserHolder]:
    async with async_playwright() as pw:
        holder = _BrowserHolder(pw, chromium_path)
        try:
            yield holder
        finally:
            await holder.close()


@pytest_asyncio.fixture
async def browser(_browser_holder: _BrowserHolder) -> Browser:
    return await _browser_holder.get()


@pytest_asyncio.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    ctx = await browser.new_context(
        viewport={"width": 1280, "height": 800},
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(ACTION_TIMEOUT_MS)
    ctx.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    try:
        yield ctx
    finally:
        with contextlib.suppress(Exception):
            await ctx.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item so `page` can tell at teardown if the test failed.
    report = yield
    setattr(item, f"_browser_rep_{report.when}", report)
    return report


@pytest_asyncio.fixture
async def page(context: BrowserContext, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    pg = await context.new_page()
    try:
        yield pg
    finally:
        rep = getattr(request.node, "_browser_rep_call", None)
        if rep is not None and rep.failed and not pg.is_closed():
            with contextlib.suppress(Exception):
                path = await save_screenshot(pg, f"FAILED-{request.node.nodeid}")
                print(f"screenshot of the failed page: {path}")
        with contextlib.suppress(Exception):
            await pg.close()


@pytest.fixture
def screenshot() -> Screenshot:
    """`await screenshot(page, "name")` saves test-artifacts/screenshots/name.png."""
    return save_screenshot
