"""Files for the attachment tests, made here: photos with GPS, PNGs, PDFs, polyglots."""

from __future__ import annotations

import io
from typing import Any

import pikepdf
import pytest
from PIL import Image
from PIL import ImageFile

GPS = {1: "N", 2: (25.0, 2.0, 21.6), 3: "E", 4: (121.0, 33.0, 48.0)}
"""A GPS IFD pointing at Taipei (EXIF tag 0x8825)."""


def jpeg_with_gps(size: tuple[int, int] = (64, 48), orientation: int = 6) -> bytes:
    """A JPEG carrying EXIF GPS, an orientation (6: rotate 90° to view), a comment
    and an ICC profile: everything that must not survive."""
    image = Image.new("RGB", size, (200, 30, 30))
    for x in range(size[0] // 2):  # a left half of another colour, to see the rotation
        for y in range(size[1]):
            image.putpixel((x, y), (20, 40, 220))
    exif = image.getexif()
    exif[0x0112] = orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = GPS
    out = io.BytesIO()
    image.save(
        out, format="JPEG", exif=exif.tobytes(), comment=b"home address", icc_profile=b"x" * 64
    )
    return out.getvalue()


def png(size: tuple[int, int] = (20, 10), mode: str = "RGBA") -> bytes:
    from PIL import PngImagePlugin

    image = Image.new(mode, size, (10, 200, 10, 128) if mode == "RGBA" else (10, 200, 10))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "taken at home")
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf(extra: bytes = b"") -> bytes:
    """A small valid PDF (one empty page); ``extra`` goes into the catalogue dictionary."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
    ]
    content = b"BT /F1 12 Tf 20 100 Td (complaint) Tj ET"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    offsets.append(out.tell())
    out.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % len(content) + content)
    out.write(b"\nendstream\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 5\n0000000000 65535 f \n")
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def compressed_pdf(
    catalog: dict[str, Any] | None = None,
    annotation: dict[str, Any] | None = None,
    password: str = "",
    owner_password: str = "",
) -> bytes:
    """A one-page PDF made by pikepdf with every dictionary inside a compressed object
    stream (PDF 1.5), as many PDF writers save today: ``catalog`` entries go into the
    document catalogue, ``annotation`` is a link annotation on the page, both made
    indirect objects (a callable value is called with the document and the page first).
    ``password``/``owner_password`` encrypt it (AES-256)."""
    document = pikepdf.Pdf.new()
    document.add_blank_page(page_size=(200, 200))
    page = document.pages[0]
    for key, value in (catalog or {}).items():
        made = value(document, page) if callable(value) else value
        document.Root[key] = document.make_indirect(made)
    if annotation is not None:
        link = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[10, 10, 100, 40], **annotation
        )
        page.obj.Annots = pikepdf.Array([document.make_indirect(link)])
    out = io.BytesIO()
    encryption: Any = False
    if password or owner_password:
        encryption = pikepdf.Encryption(user=password, owner=owner_password or password, R=6)
    document.save(
        out,
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        compress_streams=True,
        encryption=encryption,
    )
    return out.getvalue()


def javascript_action(script: str = "app.alert(document.cookie)") -> pikepdf.Dictionary:
    return pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(script))


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

POLYGLOT_PNG = png() + b"<script>fetch('/staff/users')</script>"
"""A valid PNG with a script appended: decodes as an image, runs as a page if sniffed."""

POLYGLOT_PDF = b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n" + pdf()[9:]
"""Starts like a PDF, holds a page and a script."""


def count_decodes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """Record the size of every image Pillow decodes (``load()``) from now on; reading a
    header (``Image.open``) is not decoding."""
    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def counting(self: ImageFile.ImageFile) -> Any:
        if self.tile:  # pixels still to decode (Pillow calls load() again once loaded)
            decoded.append(self.size)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", counting)
    return decoded
