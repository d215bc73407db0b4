"""The virus scanner attachments pass through: ClamAV's daemon (clamd), over its socket.

``ATTACHMENT_SCANNER`` names it: ``clamd:///run/clamav/clamd.ctl`` (a Unix socket, the
Debian package's) or ``clamd://127.0.0.1:3310`` (TCP); unset or empty, there is no
scanner and uploads are held for review (``attachments.HELD``). ``ATTACHMENT_SCANNER_TIMEOUT``
is how long a scan may take, in seconds (30).

The bytes go to clamd with its documented ``INSTREAM`` command (clamd(8), "COMMANDS"):
``zINSTREAM\\0``, then chunks each preceded by its length as four bytes in network
order, then a zero length; clamd answers ``stream: OK`` or ``stream: <signature>
FOUND``, NUL-terminated. Nothing is written to disk for clamd to read. The few lines
here are the whole protocol; the Python clients on PyPI are either unmaintained for
years (``clamd``, ``pyclamd``) or GPL-licensed (``clamav-client``).
"""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask
from flask import current_app

SCHEME = "clamd"
DEFAULT_PORT = 3310
DEFAULT_TIMEOUT = 30.0
CHUNK = 64 * 1024
"""Bytes per INSTREAM chunk (clamd's StreamMaxLength limits the whole stream, not a chunk)."""
REPLY_MAX = 4096


class ScannerUnavailable(Exception):
    """The scanner did not answer, or answered something other than a verdict."""


@dataclass(frozen=True)
class ClamdScanner:
    """clamd at a Unix socket (``path``) or a TCP address (``host``, ``port``)."""

    path: str | None = None
    host: str | None = None
    port: int = DEFAULT_PORT
    timeout: float = DEFAULT_TIMEOUT

    @property
    def where(self) -> str:
        return self.path if self.path is not None else f"{self.host}:{self.port}"

    def _connect(self) -> socket.socket:
        if self.path is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            try:
                sock.connect(self.path)
            except BaseException:
                sock.close()
                raise
            return sock
        return socket.create_connection((self.host or "localhost", self.port), self.timeout)

    def _ask(self, command: bytes, body: bytes | None = None) -> str:
        try:
            with self._connect() as sock:
                sock.sendall(b"z" + command + b"\0")
                if body is not None:
                    for start in range(0, len(body), CHUNK):
                        chunk = body[start : start + CHUNK]
                        sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                    sock.sendall(struct.pack("!L", 0))
                reply = b""
                while b"\0" not in reply and len(reply) < REPLY_MAX:
                    received = sock.recv(REPLY_MAX)
                    if not received:
                        break
                    reply += received
        except OSError as exc:  # refused, missing socket, time-out, connection reset
            raise ScannerUnavailable(f"clamd at {self.where}: {exc}") from exc
        return reply.split(b"\0", 1)[0].decode("utf-8", "replace").strip()

    def ping(self) -> bool:
        try:
            return self._ask(b"PING") == "PONG"
        except ScannerUnavailable:
            return False

    def scan(self, data: bytes) -> str | None:
        """The name of the signature clamd found in ``data``, or None when it found none.

        Raises :class:`ScannerUnavailable` when clamd cannot be reached or gives no verdict
        (for instance a stream over its ``StreamMaxLength``)."""
        reply = self._ask(b"INSTREAM", data)
        if reply == "stream: OK":
            return None
        if reply.startswith("stream: ") and reply.endswith(" FOUND"):
            return reply[len("stream: ") : -len(" FOUND")].strip() or "unknown"
        raise ScannerUnavailable(f"clamd at {self.where} answered {reply[:200]!r}")


def parse(setting: str | None, timeout: float = DEFAULT_TIMEOUT) -> ClamdScanner | None:
    """The scanner an ``ATTACHMENT_SCANNER`` value names; None for none; ValueError for a
    value that names nothing this module knows."""
    if setting is None or not str(setting).strip():
        return None
    value = str(setting).strip()
    parts = urlsplit(value)
    if parts.scheme == SCHEME and not parts.netloc and parts.path.startswith("/"):
        return ClamdScanner(path=parts.path, timeout=timeout)
    if parts.scheme == SCHEME and parts.hostname and parts.path in ("", "/"):
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            port = 0
        if port:
            return ClamdScanner(host=parts.hostname, port=port, timeout=timeout)
    raise ValueError(
        f"ATTACHMENT_SCANNER must be clamd:///path/to/clamd.socket or clamd://host:port"
        f" (or empty for none), not {value!r}"
    )


def scanner_for(app: Flask | None = None) -> ClamdScanner | None:
    """The app's scanner (``ATTACHMENT_SCANNER``), or None when none is configured."""
    config = (app or current_app).config
    timeout = float(config.get("ATTACHMENT_SCANNER_TIMEOUT") or DEFAULT_TIMEOUT)
    return parse(config.get("ATTACHMENT_SCANNER"), timeout)
