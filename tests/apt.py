"""Debian packages the suite needs beyond the Python lock files (PostgreSQL's server binaries,
curl for the docs' examples; Chromium has its own installer in tests/browser/chromium.py):
installed with apt-get when missing and the suite runs as root, as on a fresh CI machine, under
one file lock shared with the Chromium installer so two installs never run at once. Otherwise
the test that needs them fails and says what to install."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

LOCK_FILE = Path("/tmp/gongkai-apt.lock")


def ensure(packages: tuple[str, ...], present: Callable[[], bool]) -> bool:
    """Install ``packages`` unless ``present()``; True if they are there afterwards."""
    if present():
        return True
    if os.environ.get("GONGKAI_TEST_NO_APT") == "1" or shutil.which("apt-get") is None:
        return False
    if os.geteuid() != 0:
        return False
    # O_NOFOLLOW: as root, never follow a link someone planted at the lock's name in /tmp.
    fd = os.open(LOCK_FILE, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if present():  # another process installed them while we waited
            return True
        start = time.monotonic()
        print(f"[apt] installing {' '.join(packages)} from Debian", file=sys.stderr, flush=True)
        for args in (["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends"]):
            subprocess.run(
                ["apt-get", *args, *(packages if args[0] == "install" else ())],
                env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                timeout=900,
            )
        took = time.monotonic() - start
        print(f"[apt] done in {took:.0f} s", file=sys.stderr, flush=True)
    return present()
