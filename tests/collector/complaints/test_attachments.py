"""Complaint attachments: type by content, images cleaned, names cleaned, storage, serving."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from collector.complaints import attachments
from collector.complaints.attachments import AttachmentError
from collector.complaints.attachments import check
from collector.complaints.attachments import clean_filename
from collector.core.db import session_scope
from collector.core.models import ComplaintAttachment
from tests.helpers import complaints
from tests.helpers.files import HTML
from tests.helpers.files import POLYGLOT_PDF
from tests.helpers.files import POLYGLOT_PNG
from tests.helpers.files import compressed_pdf
from tests.helpers.files import count_decodes
from tests.helpers.files import javascript_action
from tests.helpers.files import jpeg_with_gps
from tests.helpers.files import pdf
from tests.helpers.files import png
from tests.helpers.staff import FAST_HASH


def upload(data: bytes, name: str = "file.bin") -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name, content_type="image/jpeg")


def refusal(data: bytes, **kwargs: Any) -> str:
    with pytest.raises(AttachmentError) as caught:
        check(data, **kwargs)
    return caught.value.code


# -- content ------------------------------------------------------------------


def test_a_photo_loses_its_gps_and_every_other_metadata_and_stays_upright() -> None:
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test has GPS
    kept = check(original)
    assert kept.content_type == "image/jpeg"
    image = Image.open(io.BytesIO(kept.data))
    assert image.format == "JPEG"
    assert not image.getexif()  # no EXIF at all: no GPS, no maker, no orientation
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    assert b"PhoneMaker" not in kept.data and b"home address" not in kept.data
    # Orientation 6 applied: 64x48 became 48x64, the blue left half is now on top.
    assert image.size == (48, 64)
    top, bottom = image.getpixel((0, 0)), image.getpixel((0, 63))
    assert top[2] > 150 and top[0] < 80  # blue
    assert bottom[0] > 150 and bottom[2] < 80  # red
    assert kept.sha256 == hashlib.sha256(kept.data).hexdigest()


def test_a_png_is_reencoded_without_text_chunks_keeping_transparency() -> None:
    kept = check(png())
    image = Image.open(io.BytesIO(kept.data))
    assert kept.content_type == "image/png" and image.format == "PNG"
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 128
    assert not image.info and b"taken at home" not in kept.data


def test_a_pdf_is_kept_as_sent() -> None:
    data = pdf()
    kept = check(data)
    assert (kept.content_type, kept.data) == ("application/pdf", data)


def test_utf8_text_is_accepted_and_binary_junk_is_not() -> None:
    assert check("路燈不亮\n第二行\t𠊎".encode()).content_type == "text/plain"
    assert check(b"\xef\xbb\xbfwith a BOM").content_type == "text/plain"
    assert refusal(b"MZ\x90\x00\x03\x00\x00\x00") == "type"  # a Windows program
    assert refusal("大五碼".encode("big5")) == "type"
    assert refusal(b"PK\x03\x04" + b"\x00" * 30) == "type"  # a ZIP (or .docx)
    assert refusal(b"GIF89a" + b"\x00" * 30) == "type"


@pytest.mark.parametrize(
    "data",
    [
        HTML,
        b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>",
        b"hello <img src=x onerror=alert(1)>",
        b"<a href='javascript:alert(1)'>click</a>",
        POLYGLOT_PNG,
        POLYGLOT_PDF,
        b"\xff\xd8\xff\xe0" + b"\x00" * 20 + b"<html><script>x</script>",
    ],
    ids=["html", "svg", "img-onerror", "javascript-url", "png+script", "pdf+html", "jpeg+html"],
)
def test_markup_anywhere_is_refused_whatever_the_type(data: bytes) -> None:
    assert refusal(data) == "markup"


def test_a_damaged_or_truncated_image_is_refused() -> None:
    photo = jpeg_with_gps((300, 200))
    assert refusal(photo[: len(photo) // 2]) == "image_damaged"
    assert refusal(b"\xff\xd8\xff\xe0" + b"\x00" * 200) == "image_damaged"
    assert refusal(png()[:40]) == "image_damaged"


def test_a_truncated_image_is_refused_after_weasyprint_loosened_pillow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WeasyPrint (the evidence pack) sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on
    import; an upload in the same worker must still be checked whole."""
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    photo = jpeg_with_gps((300, 200))
    assert refusal(photo[: len(photo) // 2]) == "image_damaged"


def test_a_decompression_bomb_is_refused_with_a_clear_error() -> None:
    big = png((3000, 3000), mode="RGB")
    with pytest.raises(AttachmentError) as caught:
        check(big, max_pixels=1_000_000)
    assert caught.value.code == "pixels"
    assert "百萬像素" in caught.value.text("zh-Hant-TW")
    assert "megapixels" in caught.value.text("en")


def test_a_pdf_must_be_whole_and_without_active_content() -> None:
    assert refusal(pdf()[:-60]) == "pdf_damaged"
    assert refusal(pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ")) == "pdf_active"
    assert refusal(pdf(b"/AA << /O << /S /J#61vaScript >> >> ")) == "pdf_active"
    assert refusal(pdf(b"/Names << /EmbeddedFiles 9 0 R >> ")) == "pdf_active"
    assert refusal(pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >> ")) == "pdf_active"


def test_active_content_inside_compressed_object_streams_is_found() -> None:
    hidden_script = compressed_pdf({"/OpenAction": javascript_action()})
    assert b"/JS" not in hidden_script and b"JavaScript" not in hidden_script  # compressed
    assert refusal(hidden_script) == "pdf_active"
    names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array(["init", javascript_action()]))
    )
    assert refusal(compressed_pdf({"/Names": names})) == "pdf_active"

    def embedded(document: pikepdf.Pdf, page: Any) -> pikepdf.Dictionary:
        attached = pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec,
            F=pikepdf.String("invoice.exe"),
            EF=pikepdf.Dictionary(F=document.make_stream(b"MZ")),
        )
        return pikepdf.Dictionary(
            EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array(["invoice.exe", attached]))
        )

    assert refusal(compressed_pdf({"/Names": embedded})) == "pdf_active"
    launch = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("cmd.exe"))
    assert refusal(compressed_pdf(annotation={"A": launch})) == "pdf_active"
    # An action run on opening the document, whatever it does.
    web = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://evil.example"))
    assert refusal(compressed_pdf({"/OpenAction": web})) == "pdf_active"
    # Encryption hides streams from a byte search, not from the library (owner password only).
    owner_only = compressed_pdf({"/OpenAction": javascript_action()}, owner_password="x")
    assert refusal(owner_only) == "pdf_active"


def test_a_compressed_pdf_with_links_and_an_opening_view_is_accepted() -> None:
    link = pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://gov.example.tw"))
    data = compressed_pdf(
        {"/OpenAction": lambda _, page: pikepdf.Array([page.obj, pikepdf.Name.Fit])},
        annotation={"A": link},
    )
    kept = check(data)
    assert (kept.content_type, kept.data) == ("application/pdf", data)


def test_a_pdf_that_cannot_be_opened_without_a_password_is_refused() -> None:
    with pytest.raises(AttachmentError) as caught:
        check(compressed_pdf(password="secret"), shown="locked.pdf")
    assert caught.value.code == "pdf_encrypted"
    assert "密碼" in caught.value.text("zh-Hant-TW") and "password" in caught.value.text("en")


def test_html_named_like_a_photo_is_refused_by_its_content() -> None:
    with pytest.raises(AttachmentError) as caught:
        attachments.prepare(upload(HTML, "photo.jpg"), _app())
    assert caught.value.code == "markup"
    assert "photo.jpg" in caught.value.text("en")


# -- names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("../../etc/passwd", "text/plain", "passwd.txt"),
        ("..\\..\\windows\\win.ini", "text/plain", "win.txt"),
        ("C:\\Users\\me\\照片 一.JPG", "image/jpeg", "照片 一.jpg"),
        ("/var/www/../../x.png", "image/png", "x.png"),
        ("invoice\u202egpj.exe", "image/jpeg", "invoicegpj.jpg"),  # right-to-left override
        ("report.pdf.exe", "application/pdf", "report.pdf"),
        ("photo.png", "image/jpeg", "photo.jpg"),  # the name's type yields to the content's
        ("a\r\nX-Injected: 1.txt", "text/plain", "a X-Injected_ 1.txt"),
        ('"quoted";name=x.pdf', "application/pdf", "_quoted_;name=x.pdf"),
        ("CON.txt", "text/plain", "_CON.txt"),
        ("..", "application/pdf", "attachment.pdf"),
        ("", "image/png", "attachment.png"),
        ("\x00\x01\x1f", "image/png", "attachment.png"),
        ("  .hidden  ", "text/plain", "hidden.txt"),
        ("ｆｕｌｌ\u0065\u0301.pdf", "application/pdf", "ｆｕｌｌ\u00e9.pdf"),  # NFC
    ],
)
def test_display_names_are_cleaned(name: str, content_type: str, expected: str) -> None:
    assert clean_filename(name, content_type) == expected


def test_a_long_name_is_shortened_keeping_its_extension() -> None:
    cleaned = clean_filename("陳" * 300 + ".pdf", "application/pdf")
    assert len(cleaned) == attachments.FILENAME_MAX and cleaned.endswith("陳.pdf")


# -- limits and storage ---------------------------------------------------------


def _app() -> Flask:
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 256 * 1024
    return app


def test_an_oversized_file_is_refused_without_reading_it_all() -> None:
    app = _app()
    app.config["COMPLAINT_ATTACHMENT_MAX_BYTES"] = 1000
    stream = io.BytesIO(b"a" * 5000)
    with pytest.raises(AttachmentError) as caught:
        attachments.prepare(FileStorage(stream=stream, filename="big.txt"), app)
    assert caught.value.code == "too_large" and stream.tell() == 1001
    assert caught.value.text("en") == "“big.txt”: The file is larger than 1 KB."


def test_prepare_all_counts_files_of_the_case_and_passes_nothing_when_one_is_bad() -> None:
    app = _app()
    app.config["COMPLAINT_ATTACHMENTS_MAX"] = 2
    empty = FileStorage(stream=io.BytesIO(b""), filename="")
    ok, refused = attachments.prepare_all([empty, upload(pdf(), "a.pdf")], 1, app)
    assert [p.filename for p in ok] == ["a.pdf"] and refused == []
    ok, refused = attachments.prepare_all([upload(pdf()), upload(pdf())], 1, app)
    assert ok == [] and [e.code for e in refused] == ["too_many"]
    ok, refused = attachments.prepare_all([upload(HTML, "x.jpg"), upload(png(), "p")], 0, app)
    assert ok == [] and [e.code for e in refused] == ["markup"]
    ok, refused = attachments.prepare_all([upload(b"x" * 5, "p.pdf"), upload(png(), "p")], 0, app)
    assert [p.filename for p in ok] == ["p.txt", "p.png"] and refused == []
    assert {p.scan for p in ok} == {attachments.HELD}  # no scanner configured


def test_sizes_and_declared_pixels_are_checked_before_any_image_is_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = _app()
    app.config["COMPLAINT_ATTACHMENT_MAX_BYTES"] = 50_000
    app.config["COMPLAINT_IMAGE_MAX_PIXELS"] = 1_000_000
    decoded = count_decodes(monkeypatch)
    fine = png((400, 300), mode="RGB")
    ok, refused = attachments.prepare_all(
        [upload(fine, "fine.png"), upload(b"x" * 50_001, "big.txt")], 0, app
    )
    assert ok == [] and [e.code for e in refused] == ["too_large"]
    huge = png((1200, 1000), mode="RGB")  # a few KB declaring 1.2 megapixels
    assert len(huge) < 50_000
    ok, refused = attachments.prepare_all(
        [upload(fine, "fine.png"), upload(huge, "huge.png")], 0, app
    )
    assert ok == [] and [e.code for e in refused] == ["pixels"]
    assert decoded == []  # refused from the sizes and the headers alone
    ok, refused = attachments.prepare_all([upload(fine, "fine.png")], 0, app)
    assert [p.filename for p in ok] == ["fine.png"] and decoded == [(400, 300)]


def test_pillow_refuses_what_the_setting_refuses(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after
    make_app(seed="agencies", COMPLAINT_IMAGE_MAX_PIXELS=2_000_000)
    assert Image.MAX_IMAGE_PIXELS == 2_000_000


@pytest.fixture
def complaint_app(make_app: Any, tmp_path: Path) -> Flask:

    app = make_app(
        seed="agencies", PASSWORD_HASH=FAST_HASH, COMPLAINT_ATTACHMENT_DIR=str(tmp_path / "files")
    )
    return app


def test_store_writes_private_files_with_random_names_and_rows(complaint_app: Flask) -> None:
    app = complaint_app
    category = complaints.add_category(app, "alpha")
    case = complaints.file_case(app, "alpha", category).case
    prepared = [check(pdf(), shown="a.pdf"), check(png(), shown="b.png")]
    with app.app_context(), session_scope(app) as session:
        rows = attachments.store(session, case, prepared, app=app)
    with session_scope(app) as session:
        stored = session.execute(select(ComplaintAttachment)).scalars().all()
    assert len(stored) == 2 and {r.stored_name for r in rows} == {s.stored_name for s in stored}
    folder = Path(app.config["COMPLAINT_ATTACHMENT_DIR"])
    assert (folder.stat().st_mode & 0o777) == 0o700
    for row in stored:
        assert row.agency_id == case.agency_id and row.complaint_id == case.id
        assert len(row.stored_name) == 32 and "." not in row.stored_name
        path = folder / row.stored_name
        assert (path.stat().st_mode & 0o777) == 0o600
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row.sha256
        assert path.stat().st_size == row.size
    assert attachments.delete_files(stored, app) == 2
    assert os.listdir(folder) == []
    assert attachments.delete_files(stored, app) == 0  # already gone: skipped


def test_delete_files_ignores_names_that_are_not_ours(complaint_app: Flask, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    fake = ComplaintAttachment(
        complaint_id=1, agency_id=1, stored_name="../victim", filename="x", content_type="x"
    )
    assert attachments.delete_files([fake, "../victim", "/etc/passwd"], complaint_app) == 0
    assert victim.exists()


def test_send_attachment_is_a_download_that_is_never_rendered(complaint_app: Flask) -> None:
    app = complaint_app
    category = complaints.add_category(app, "alpha")
    case = complaints.file_case(app, "alpha", category).case
    kept = check(POLYGLOT_PNG[: -len(b"<script>fetch('/staff/users')</script>")])
    prepared = [
        attachments.Prepared(
            "路燈 照片.png", kept.content_type, kept.data, kept.sha256, attachments.CLEAN
        )
    ]
    with app.app_context(), session_scope(app) as session:
        (row,) = attachments.store(session, case, prepared, app=app)
    with app.test_request_context():
        response = attachments.send_attachment(row, app)
        response.direct_passthrough = False
        body = response.get_data()
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E8%B7%AF%E7%87%88%20%E7%85%A7%E7%89%87.png" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["Content-Security-Policy"].startswith("sandbox")
    assert response.mimetype == "image/png"
    assert body == kept.data


def test_a_row_with_a_forged_stored_name_is_not_served(complaint_app: Flask) -> None:
    from werkzeug.exceptions import NotFound

    row = ComplaintAttachment(
        complaint_id=1,
        agency_id=1,
        stored_name="../../secret_key",
        filename="x.txt",
        content_type="text/plain",
        size=1,
        sha256="0",
    )
    with complaint_app.test_request_context(), pytest.raises(NotFound):
        attachments.send_attachment(row, complaint_app)


@pytest.mark.parametrize(
    ("fmt", "mode", "kept_mode"),
    [
        ("JPEG", "L", "L"),
        ("JPEG", "CMYK", "RGB"),
        ("PNG", "L", "L"),
        ("PNG", "LA", "LA"),
        ("PNG", "I;16", "I;16"),
        ("PNG", "1", "1"),
        ("PNG", "P", "RGB"),
    ],
)
def test_every_pixel_mode_is_reencoded_readably(fmt: str, mode: str, kept_mode: str) -> None:
    image = Image.new(mode, (12, 8))
    out = io.BytesIO()
    image.save(out, format=fmt)
    kept = check(out.getvalue())
    again = Image.open(io.BytesIO(kept.data))
    again.load()
    assert again.format == fmt and again.size == (12, 8) and again.mode == kept_mode


def test_a_palette_png_keeps_its_transparency() -> None:
    image = Image.new("P", (4, 4), 1)
    image.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    out = io.BytesIO()
    image.save(out, format="PNG", transparency=1)
    again = Image.open(io.BytesIO(check(out.getvalue()).data))
    assert again.mode == "RGBA" and again.getpixel((0, 0))[3] == 0
