"""Atomic file writes: a result file is either the previous one or the new one, never a part.

Every writer of results (the runner's Parquet tables and manifest, the entry point's map, the
analysis commands' figures and pages, a drill's files) goes through `write_atomic`: the content
is written to a hidden temporary file in the same folder (`.NAME.XXXX.tmp`, which a resumed run
removes), then renamed over the target. A command's `main` calls `end_on_sigterm` first, so that a
SIGTERM (a scheduler's, `kill`) ends it as Ctrl-C does and its temporary file is removed.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def write_atomic(path: Path, write: Callable[[str], None], mode: int | None = None) -> None:
    """Call `write(tmp)` on a hidden temporary file beside `path`, then rename it to `path`: never
    a partial file (an error or an interrupt leaves the previous file and no temporary one).
    The file gets `mode`, or else the permissions of any file the user creates (rw for the owner
    and, under the usual umask, readable by the group), not the temporary file's private 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    """The process's file-creation mask, read without changing it (Linux: /proc/self/status;
    elsewhere the usual 022)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except OSError:
        pass
    return 0o022


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    write_atomic(path, lambda tmp: pq.write_table(table, tmp))


def write_text_atomic(text: str, path: Path, mode: int | None = None) -> None:
    write_atomic(path, lambda tmp: Path(tmp).write_text(text), mode)


def save_figure_atomic(fig, path: Path, **savefig: object) -> Path:
    """`fig.savefig(path, **savefig)` through `write_atomic` (the format from the file's suffix,
    which the temporary file's name does not tell matplotlib)."""
    path = Path(path)
    write_atomic(path, lambda tmp: fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", **savefig))
    return path


def end_on_sigterm() -> None:
    """SIGTERM ends this process like Ctrl-C (SystemExit 128 + 15): `write_atomic` removes its
    temporary file on the way out (the default action kills the process where it stands). A pool
    worker killed while writing leaves its own hidden .*.tmp file, which the runner removes as the
    same run resumes. Only the main thread may set a handler: elsewhere this does nothing."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)
