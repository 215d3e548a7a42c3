"""Private files: everything Gongkai keeps under ``var/`` is readable by its own user only.

The read model and Temporal's database hold applicants' personal data (names, ID numbers,
addresses) and ``codec.keys`` decrypts the rest, so a second account on the machine must not be
able to read any of it: files 0600, directories 0700. New files get that from the umask (SQLite
gives its ``-wal`` and ``-shm`` files the mode of their database); files left by older versions
are tightened at start.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from gongkai.logs import get_logger

log = get_logger(__name__)

PRIVATE_UMASK = 0o077
_OTHERS = stat.S_IRWXG | stat.S_IRWXO


def private_umask() -> int:
    """From now on this process and its children create files 0600 and directories 0700;
    returns the previous umask."""
    return os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and its missing parents) readable by this user only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    tighten(path)


def tighten(path: Path) -> bool:
    """Take group's and others' permissions off ``path`` (never following a symlink); returns
    whether it had any."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode) or not st.st_mode & _OTHERS:
        return False
    path.chmod(stat.S_IMODE(st.st_mode) & ~_OTHERS)
    return True


def tighten_tree(root: Path) -> list[Path]:
    """Tighten ``root`` and everything under it (symlinks are left alone, never followed);
    returns what was changed. Each change is logged: a data directory that was readable by
    others may have been read."""
    resolved = root.resolve()
    if resolved in (Path(resolved.anchor), Path.home().resolve()):
        # GONGKAI_VAR_DIR should be a directory of Gongkai's own; never chmod a whole home.
        log.warning(
            "the data directory is not Gongkai's own: permissions left unchanged",
            var_dir=str(resolved),
        )
        return []
    changed: list[Path] = []

    def visit(path: Path) -> None:
        try:
            mode = stat.S_IMODE(path.lstat().st_mode)
            if tighten(path):
                changed.append(path)
                log.warning(
                    "was readable by other users: made private",
                    path=str(path),
                    old_mode=f"{mode:04o}",
                    new_mode=f"{mode & ~_OTHERS:04o}",
                )
        except OSError as exc:  # another user's file, or gone meanwhile
            log.warning("could not make private", path=str(path), error=str(exc))

    if not root.exists():
        return changed
    visit(root)
    for here, dirs, files in os.walk(root):  # does not descend into symlinked directories
        for name in [*dirs, *files]:
            visit(Path(here) / name)
    return changed
