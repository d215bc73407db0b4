"""The virus scanner: ClamAV's daemon over its socket (a real clamd with a test signature)."""

from __future__ import annotations

import io
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage

from collector.complaints import attachments
from collector.complaints import scanning
from collector.complaints.scanning import ClamdScanner
from collector.complaints.scanning import ScannerUnavailable
from tests.helpers.clamd import EICAR
from tests.helpers.clamd import FOUND
from tests.helpers.files import pdf
from tests.helpers.files import png


def upload(data: bytes, name: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


def scanning_app(socket_path: Path | str) -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    app.config["ATTACHMENT_SCANNER"] = f"clamd://{socket_path}"
    return app


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("clamd:///run/clamav/clamd.ctl", ClamdScanner(path="/run/clamav/clamd.ctl")),
        ("clamd://127.0.0.1:3311", ClamdScanner(host="127.0.0.1", port=3311)),
        ("clamd://scanner.internal", ClamdScanner(host="scanner.internal", port=3310)),
    ],
)
def test_the_setting_names_a_socket_or_an_address(setting: str | None, expected: Any) -> None:
    assert scanning.parse(setting) == expected


@pytest.mark.parametrize(
    "setting", ["/run/clamav/clamd.ctl", "http://127.0.0.1:3310", "clamd://", "clamd://h:port"]
)
def test_a_setting_that_names_nothing_stops_the_app(make_app: Any, setting: str) -> None:
    with pytest.raises(ValueError, match="ATTACHMENT_SCANNER must be"):
        scanning.parse(setting)
    with pytest.raises(ValueError, match="ATTACHMENT_SCANNER must be"):
        make_app(seed="agencies", ATTACHMENT_SCANNER=setting)


def test_clamd_finds_the_test_virus_and_passes_clean_files(clamd_socket: Path) -> None:
    scanner = ClamdScanner(path=str(clamd_socket))
    assert scanner.ping()
    assert scanner.scan(EICAR) == FOUND
    assert scanner.scan(b"%PDF-1.4 " + EICAR + b" %%EOF") == FOUND  # anywhere in the file
    assert scanner.scan(png()) is None
    big = b"0123456789abcdef" * 200_000  # 3.2 MB: many INSTREAM chunks
    assert scanner.scan(big) is None
    assert scanner.scan(big + EICAR) == FOUND


def test_an_infected_upload_is_refused_and_a_clean_one_marked_clean(clamd_socket: Path) -> None:
    app = scanning_app(clamd_socket)
    ok, refused = attachments.prepare_all(
        [upload(pdf(), "a.pdf"), upload(EICAR, "readme.txt")], 0, app
    )
    assert ok == [] and [e.code for e in refused] == ["infected"]
    assert refused[0].text("zh-Hant-TW") == (
        f"「readme.txt」：防毒掃描在檔案中發現惡意程式（{FOUND}），已拒收，未儲存。"
    )
    assert FOUND in refused[0].text("en") and "readme.txt" in refused[0].text("en")
    ok, refused = attachments.prepare_all([upload(pdf(), "a.pdf")], 0, app)
    assert refused == [] and [(p.filename, p.scan) for p in ok] == [("a.pdf", attachments.CLEAN)]


def test_a_scanner_that_cannot_be_reached_refuses_the_upload(tmp_path: Path) -> None:
    app = scanning_app(tmp_path / "no-such.sock")
    with pytest.raises(ScannerUnavailable):
        scanning.scanner_for(app).scan(b"hello")  # type: ignore[union-attr]  # configured above
    ok, refused = attachments.prepare_all([upload(b"hello\n", "a.txt")], 0, app)
    assert ok == [] and [e.code for e in refused] == ["scan_failed"]
    assert "病毒" in refused[0].text("zh-Hant-TW")


def test_a_scanner_that_answers_nonsense_gives_no_verdict(tmp_path: Path) -> None:
    path = tmp_path / "fake.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            received = b""
            while not received.endswith(b"\0\0\0\0"):  # the stream's zero-length end
                chunk = conn.recv(1 << 16)
                if not chunk:
                    return
                received += chunk
            conn.sendall(b"INSTREAM size limit exceeded. ERROR\0")

    thread = threading.Thread(target=answer)
    thread.start()
    try:
        with pytest.raises(ScannerUnavailable, match="size limit"):
            ClamdScanner(path=str(path), timeout=10).scan(b"hello")
    finally:
        thread.join(timeout=10)
        server.close()
