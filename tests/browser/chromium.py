"""Find, or install from Debian's packages, the Chromium that the browser tests drive.

Playwright's own browser downloads cannot be fetched on this network (`playwright install`
fails), so the tests drive Debian's `chromium` package through Playwright's `executable_path`.
On a fresh machine (CI is a fresh clone) the package may be missing: `ensure_chromium()`
installs it with apt when running as root, under a file lock so that parallel test processes
(e.g. pytest-xdist workers) never run apt at the same time.

Environment:
  GONGKAI_CHROMIUM          use this executable instead of /usr/bin/chromium (never installs)
  GONGKAI_CHROMIUM_NO_INSTALL=1  never run apt; fail with instructions instead

Run `python -m tests.browser.chromium` to install ahead of the test run (prints the path).
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger("gongkai.tests.browser")

CHROMIUM = "/usr/bin/chromium"
# The Debian packages installed when Chromium is missing. The CJK font is there so that
# screenshots of Chinese pages show characters rather than empty boxes (Chromium's own
# dependencies bring only Latin fonts); it is small (1.6 MB) and the tests do not need it
# to pass.
APT_PACKAGES = ("chromium", "fonts-wqy-microhei")
LOCK_FILE = Path("/tmp/gongkai-apt.lock")  # shared with tests/apt.py
INSTALL_HINT = (
    "Install it as root with:\n"
    "    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y "
    + " ".join(APT_PACKAGES)
    + "\nor point GONGKAI_CHROMIUM at an existing Chromium/Chrome executable."
)

# The flags known to work on this closed network: without the background-networking ones
# Chromium keeps trying to reach Google and the refused connections slow or break it.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ChromiumUnavailable(RuntimeError):
    """Chromium is missing and could not be installed here."""


def _say(msg: str) -> None:
    # Both: logging for the pytest log capture, stderr so a slow install is visible live
    # (pytest does not capture output during session-fixture setup with -s, and shows it in
    # the report otherwise).
    log.info(msg)
    print(f"[chromium] {msg}", file=sys.stderr, flush=True)


def chromium_version(path: str) -> str | None:
    """`chromium --version`, or None if the executable does not run."""
    try:
        out = subprocess.run(
            [path, "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _apt(*args: str) -> None:
    cmd = ["apt-get", *args]
    _say("running: " + " ".join(cmd))
    start = time.monotonic()
    proc = subprocess.run(
        cmd,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise ChromiumUnavailable(
            f"`{' '.join(cmd)}` failed with exit code {proc.returncode}:\n"
            f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}\n{INSTALL_HINT}"
        )
    _say(f"done in {time.monotonic() - start:.1f}s")


def _install() -> None:
    if shutil.which("apt-get") is None:
        raise ChromiumUnavailable(
            f"{CHROMIUM} is missing and apt-get is not available.\n{INSTALL_HINT}"
        )
    if os.environ.get("GONGKAI_CHROMIUM_NO_INSTALL") == "1":
        raise ChromiumUnavailable(
            f"{CHROMIUM} is missing and GONGKAI_CHROMIUM_NO_INSTALL=1 forbids installing it.\n"
            + INSTALL_HINT
        )
    if os.geteuid() != 0:
        raise ChromiumUnavailable(
            f"{CHROMIUM} is missing and this process is not root, so it cannot install it.\n"
            + INSTALL_HINT
        )
    _say(f"{CHROMIUM} not found: installing {' '.join(APT_PACKAGES)} from Debian (about 20 s)")
    start = time.monotonic()
    _apt("update", "-qq")
    _apt("install", "-y", "-qq", "--no-install-recommends", *APT_PACKAGES)
    _say(f"Chromium installed in {time.monotonic() - start:.1f}s")


def ensure_chromium() -> str:
    """Return the path of a working Chromium executable, installing Debian's if needed."""
    override = os.environ.get("GONGKAI_CHROMIUM")
    if override:
        if chromium_version(override) is None:
            raise ChromiumUnavailable(f"GONGKAI_CHROMIUM={override!r} does not run (--version).")
        return override

    if chromium_version(CHROMIUM) is not None:
        return CHROMIUM

    LOCK_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(LOCK_FILE, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)  # no planted link
    with os.fdopen(fd, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _say(f"another process is installing Chromium; waiting for {LOCK_FILE}")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            # Another process may have installed it while we waited.
            if chromium_version(CHROMIUM) is None:
                _install()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    version = chromium_version(CHROMIUM)
    if version is None:
        raise ChromiumUnavailable(
            f"{CHROMIUM} still does not run after installing.\n{INSTALL_HINT}"
        )
    _say(f"using {version} at {CHROMIUM}")
    return CHROMIUM


if __name__ == "__main__":
    print(ensure_chromium())
