"""A real ClamAV daemon for the scanner tests, with a signature database made here.

The official databases come from the Internet (freshclam), which tests do not reach:
the daemon loads one signature of our own instead, a body signature (``.ndb``) for
the EICAR test string, the anti-virus industry's harmless "test virus". Debian's
``clamav-daemon`` package provides ``clamd``; without it the tests that need it skip.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from collector.complaints.scanning import ClamdScanner

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
"""The EICAR test file (eicar.org): harmless, and detected by every scanner as a virus."""

SIGNATURE = "Collector.Test.EICAR"
FOUND = f"{SIGNATURE}.UNOFFICIAL"
"""How clamd names a match of a signature from a database of our own."""

STARTUP_SECONDS = 120


def clamd_program() -> str | None:
    return shutil.which("clamd") or shutil.which("clamd", path="/usr/sbin:/usr/local/sbin")


@contextmanager
def running_clamd(folder: Path) -> Iterator[Path]:
    """clamd listening on a Unix socket in ``folder`` (yielded), stopped afterwards."""
    program = clamd_program()
    if program is None:
        pytest.skip("clamd is not installed (Debian: apt-get install clamav-daemon)")
    database = folder / "db"
    database.mkdir()
    (database / "collector-test.ndb").write_text(f"{SIGNATURE}:0:*:{EICAR.hex()}\n")
    socket_path = folder / "clamd.sock"
    config = folder / "clamd.conf"
    config.write_text(
        f"LocalSocket {socket_path}\n"
        f"DatabaseDirectory {database}\n"
        "Foreground yes\n"
        f"LogFile {folder / 'clamd.log'}\n"
        "StreamMaxLength 20M\n"
    )
    process = subprocess.Popen(
        [program, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        scanner = ClamdScanner(path=str(socket_path), timeout=10)
        deadline = time.monotonic() + STARTUP_SECONDS
        while not scanner.ping():
            if process.poll() is not None or time.monotonic() > deadline:
                log = folder / "clamd.log"
                raise RuntimeError(
                    "clamd did not start: " + (log.read_text()[-2000:] if log.exists() else "")
                )
            time.sleep(0.2)
        yield socket_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
