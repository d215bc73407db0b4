"""Files attached to a complaint: checked by content, scanned, cleaned, stored outside the web root.

What is accepted (decided by the bytes, never by the file name or the browser's
declared type):

- ``image/jpeg`` and ``image/png``: the size the header declares is checked against
  ``COMPLAINT_IMAGE_MAX_PIXELS`` before a single pixel is decoded (a decompression
  bomb costs nothing), then the image is fully decoded by Pillow (a truncated or
  corrupt one is refused) and re-encoded from the pixels alone: orientation is
  applied, and every piece of metadata (EXIF with GPS, XMP, ICC profiles, comments,
  text chunks) and anything appended after the image is dropped.
- ``application/pdf``: must start with ``%PDF-`` and end with ``%%EOF`` (within
  the last 1 KiB), and may hold no active content (scripts, launch actions, embedded
  files, rich media, XFA, form submission, actions run on opening): every object is
  read with pikepdf, those in compressed object streams included
  (:mod:`collector.complaints.pdf_content`); a PDF that needs a password is refused.
- ``text/plain``: UTF-8 (a BOM is allowed), no control characters other than tab,
  line breaks and form feed.

Every upload, whatever its type, is refused when it contains HTML or script
markup anywhere (``<script``, ``<html``, ``<svg``, ``javascript:``...): a file
that a browser could be tricked into rendering as a page (a polyglot) never gets
in.

The order of the checks follows their cost, each for every file of the form before
the next: the count, the sizes, what the bytes are (the checks above, an image's
header only), the virus scanner (:mod:`collector.complaints.scanning`, when
``ATTACHMENT_SCANNER`` is set: a file it finds anything in is refused), and only then
decoding the images. Without a scanner, files are stored ``held``: listed, but served
to nobody until a handler releases them (:func:`release`, audited).

Stored files are served only by :func:`send_attachment`, always as a download
(``Content-Disposition: attachment``) with ``nosniff``, ``no-store`` and a
``sandbox`` content security policy.

Limits (``app.config``): ``COMPLAINT_ATTACHMENT_MAX_BYTES`` per file (10 MiB),
``COMPLAINT_ATTACHMENTS_MAX`` per case over its whole life (5),
``COMPLAINT_IMAGE_MAX_PIXELS`` (40 megapixels; Pillow's own process-wide
``Image.MAX_IMAGE_PIXELS`` is set to it by :func:`configure`) and
``COMPLAINT_ATTACHMENT_DIR`` (``instance/attachments``). Stored names are 32 random
hexadecimal digits; the display name is cleaned by :func:`clean_filename` and never
used as a path.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import secrets
import unicodedata
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any
from typing import TypeVar

from flask import Flask
from flask import Response
from flask import current_app
from flask import send_file
from PIL import Image
from PIL import ImageFile
from PIL import ImageOps
from sqlalchemy import func
from sqlalchemy import select
from sqlmodel import Session
from sqlmodel import col
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import NotFound

from collector.access import audit
from collector.complaints import pdf_content
from collector.complaints import scanning
from collector.core import clock
from collector.core.hooktypes import Actor
from collector.core.i18n import LazyText
from collector.core.i18n import lazy_gettext
from collector.core.i18n import translator
from collector.core.models import Complaint
from collector.core.models import ComplaintAttachment

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_R = TypeVar("_R")

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_FILES = 5
DEFAULT_MAX_PIXELS = 40_000_000
FILENAME_MAX = 100
"""Characters of a cleaned display name (the column holds 200)."""

EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt", ".text", ".log", ".csv"),
}
"""The accepted types and the extensions a display name may keep for each (first: added)."""

IMAGES = {"image/jpeg": "JPEG", "image/png": "PNG"}
"""The image types and their Pillow format names."""

CLEAN = "clean"
HELD = "held"
RELEASED = "released"
"""Scan states (``ComplaintAttachment.scan``, see ``models.ATTACHMENT_SCANS``): a ``held``
file is served to nobody."""

ACCEPT = ",".join(ext for exts in EXTENSIONS.values() for ext in exts[:2])
"""For the file input's ``accept`` attribute: a hint to the browser, never trusted."""

# Markup a browser would act on if it ever rendered the file as a page. Binary files
# are searched whole for the long markers only (a short one would turn up by chance in
# compressed data), and their first KiB, where browsers sniff, for all of them; text
# files are searched whole for all of them.
_MARKUP_LONG = re.compile(
    rb"<(?:script|html|body|iframe|frameset|object|embed|applet|!doctype|svg[\s/>])"
    rb"|javascript:|vbscript:",
    re.IGNORECASE,
)
_MARKUP_ANY = re.compile(
    rb"<(?:script|html|body|head|title|iframe|frame|svg|object|embed|applet|meta|link|style|"
    rb"img|form|base|!doctype|\?xml)|javascript:|vbscript:",
    re.IGNORECASE,
)
SNIFF_WINDOW = 1024
_PDF_STREAM = re.compile(rb"stream\r?\n.*?endstream", re.DOTALL)
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|ImportData|SubmitForm)"
    rb"(?![A-Za-z0-9])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")
_WINDOWS_RESERVED = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(1, 10)),
    *(f"LPT{i}" for i in range(1, 10)),
}
_FORBIDDEN_IN_NAME = re.compile(r'[<>:"/\\|?*]')

ATTACHMENT_ERRORS: dict[str, LazyText] = {
    "empty": lazy_gettext("The file is empty."),
    "image_damaged": lazy_gettext("The image is incomplete or damaged and cannot be read."),
    "infected": lazy_gettext(
        "The virus scanner found malicious software in the file (%(signature)s). It is refused and was not stored."
    ),
    "markup": lazy_gettext(
        "The file contains web page or script code and is refused for safety. Send a PDF or an image instead, or paste the text into the description."
    ),
    "pdf_active": lazy_gettext(
        "The PDF contains scripts, embedded files or form actions and is refused for safety. “Print to PDF” and send that file."
    ),
    "pdf_damaged": lazy_gettext("The PDF is incomplete or damaged."),
    "pdf_encrypted": lazy_gettext(
        "The PDF is protected with a password, so it cannot be checked. Save it without a password and send it again."
    ),
    "pixels": lazy_gettext(
        "The image is too large (over %(max)s megapixels). Make it smaller and send it again."
    ),
    "scan_failed": lazy_gettext(
        "The files could not be checked for viruses just now, so nothing was sent. Please try again in a few minutes."
    ),
    "too_large": lazy_gettext("The file is larger than %(max)s."),
    "too_many": lazy_gettext("At most %(max)s attachments (%(left)s more can be added)."),
    "type": lazy_gettext(
        "This kind of file is not accepted (judged by its content, not its name). Send JPEG or PNG images, PDF or UTF-8 plain text."
    ),
}
"""Why an upload is refused, per :class:`AttachmentError` code."""


class AttachmentError(ValueError):
    """An upload that is refused; ``text(language)`` says why, for the person uploading."""

    def __init__(self, code: str, filename: str = "", **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.filename = filename
        self.params = params

    def text(self, language: str) -> str:
        message = translator(language).render(ATTACHMENT_ERRORS[self.code], **self.params)
        if self.filename:
            return translator(language).gettext(
                "“%(name)s”: %(message)s", name=self.filename, message=message
            )
        return message


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_files: int
    max_pixels: int

    @property
    def max_size(self) -> str:
        """The per-file limit for people: "10 MB", "1.5 MB", "900 KB"."""
        if self.max_bytes >= 1024 * 1024:
            mib = self.max_bytes / (1024 * 1024)
            return f"{mib:.0f} MB" if mib == int(mib) else f"{mib:.1f} MB"
        return f"{max(1, self.max_bytes // 1024)} KB"


def configure(app: Flask) -> None:
    """Check the scanner setting (a wrong one stops the app at start-up) and make Pillow's
    own decompression-bomb limit the configured one (it is process-wide)."""
    scanning.scanner_for(app)
    Image.MAX_IMAGE_PIXELS = limits(app).max_pixels


def limits(app: Flask | None = None) -> Limits:
    config = (app or current_app).config
    return Limits(
        max_bytes=int(config.get("COMPLAINT_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES)),
        max_files=int(config.get("COMPLAINT_ATTACHMENTS_MAX", DEFAULT_MAX_FILES)),
        max_pixels=int(config.get("COMPLAINT_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)),
    )


def request_limit(app: Flask | None = None, files: int | None = None) -> int:
    """The largest request body a form with ``files`` attachments may send."""
    lim = limits(app)
    count = lim.max_files if files is None else files
    # The files, their multipart headers, and the rest of the form.
    return count * (lim.max_bytes + 4096) + int((app or current_app).config["MAX_CONTENT_LENGTH"])


@dataclass(frozen=True)
class Prepared:
    """An upload that passed every check, ready to store: the bytes that will be kept."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    sha256: str
    scan: str = HELD  # CLEAN once the scanner found nothing

    @property
    def size(self) -> int:
        return len(self.data)


# -- names --------------------------------------------------------------------


def _clean_base(name: str | None) -> str:
    """The last path component, NFC, without control, format (bidirectional overrides
    included) or private-use characters and without characters Windows refuses."""
    name = unicodedata.normalize("NFC", name or "")
    # Any path a browser or a crafted request may send: keep the last component only.
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if ch in "\t\r\n" or unicodedata.category(ch) in ("Zl", "Zp") else ch
        for ch in name
        if ch in "\t\r\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    )
    name = _FORBIDDEN_IN_NAME.sub("_", name)
    return " ".join(name.split()).strip(" .")


def clean_filename(name: str | None, content_type: str) -> str:
    """A display name: see :func:`_clean_base`, at most ``FILENAME_MAX`` characters, ending
    in an extension that matches ``content_type`` (a misleading one is replaced: a PDF
    sent as ``report.exe`` is kept as ``report.pdf``). Chinese (any script) is kept."""
    name = _clean_base(name)
    allowed = EXTENSIONS.get(content_type, ("",))
    stem, dot, ext = name.rpartition(".")
    if dot and stem and 1 <= len(ext) <= 5 and ext.isascii() and ext.isalnum():
        name = stem
        extension = f".{ext.lower()}" if f".{ext.lower()}" in allowed else allowed[0]
        if extension and name.lower().endswith(extension):
            name = name[: -len(extension)]  # "report.pdf.exe": "report.pdf", not "report.pdf.pdf"
    else:
        extension = allowed[0]
    name = name.strip(" .")
    if name.split(".")[0].upper() in _WINDOWS_RESERVED:
        name = "_" + name
    if not name:
        name = "attachment"
    return name[: FILENAME_MAX - len(extension)].rstrip(" .") + extension


def shown_name(name: str | None) -> str:
    """The name as typed, cleaned, shortened for an error message."""
    base = _clean_base(name)
    return base if len(base) <= 60 else base[:40] + "…" + base[-15:]


# -- content ------------------------------------------------------------------


def _read(upload: FileStorage, lim: Limits, shown: str) -> bytes:
    """At most ``max_bytes`` of the upload; a larger one is refused without reading it all."""
    data = upload.stream.read(lim.max_bytes + 1)
    if len(data) > lim.max_bytes:
        raise AttachmentError("too_large", shown, max=lim.max_size)
    if not data:
        raise AttachmentError("empty", shown)
    return data


def sniff(data: bytes) -> str | None:
    """The accepted type the bytes start like, or None. Only a first guess: see :func:`check`."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if _is_text(data):
        return "text/plain"
    return None


def _is_text(data: bytes) -> bool:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROL.search(text)


def inspect(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, shown: str = "") -> str:
    """The type of an upload, from its bytes, without decoding an image (its header only),
    or :class:`AttachmentError`."""
    content_type = sniff(data)
    markup = _MARKUP_ANY if content_type == "text/plain" else _MARKUP_LONG
    if markup.search(data) or _MARKUP_ANY.search(data[:SNIFF_WINDOW]):
        raise AttachmentError("markup", shown)
    if content_type is None:
        raise AttachmentError("type", shown)
    if content_type in IMAGES:
        _check_header(data, content_type, max_pixels, shown)
    elif content_type == "application/pdf":
        _check_pdf(data, shown)
    return content_type


def clean(data: bytes, content_type: str, shown: str = "") -> bytes:
    """The bytes to keep: an image decoded and re-encoded from its pixels, anything else
    as sent. Call :func:`inspect` first: it checks the declared size."""
    if content_type in IMAGES:
        return _reencode(data, content_type, shown)
    return data


def check(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS, shown: str = "") -> Prepared:
    """The bytes to keep and the type of one upload (not scanned: ``scan`` is ``HELD``),
    or :class:`AttachmentError`.

    ``shown`` names the file in messages (and is the returned ``filename``; :func:`prepare`
    puts the cleaned display name there).
    """
    content_type = inspect(data, max_pixels, shown)
    return _prepared(shown, content_type, clean(data, content_type, shown))


def _prepared(filename: str, content_type: str, kept: bytes, scan: str = HELD) -> Prepared:
    return Prepared(filename, content_type, kept, hashlib.sha256(kept).hexdigest(), scan)


def _check_pdf(data: bytes, shown: str) -> None:
    if b"%%EOF" not in data[-1024:]:
        raise AttachmentError("pdf_damaged", shown)
    # Names outside streams (a stream's compressed bytes would match by chance), with
    # #xx escapes decoded (``/J#61vaScript`` is ``/JavaScript``).
    outside = _PDF_STREAM.sub(b" ", data)
    names = _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), outside)
    if _PDF_ACTIVE.search(names):
        raise AttachmentError("pdf_active", shown)
    # What the byte search cannot see: object streams, encrypted streams.
    try:
        found = pdf_content.active_content(data)
    except pdf_content.Encrypted:
        raise AttachmentError("pdf_encrypted", shown) from None
    except pdf_content.Unreadable:
        raise AttachmentError("pdf_damaged", shown) from None
    if found is not None:
        raise AttachmentError("pdf_active", shown)


def _check_header(data: bytes, content_type: str, max_pixels: int, shown: str) -> None:
    """The image's declared width times height against ``max_pixels``, from the header
    alone (``Image.open`` decodes no pixel)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked here
            with Image.open(io.BytesIO(data), formats=[IMAGES[content_type]]) as im:
                width, height = im.size
    except Image.DecompressionBombError:
        raise AttachmentError("pixels", shown, max=f"{max_pixels / 1e6:g}") from None
    except Exception as exc:  # any header a decoder cannot read is a bad image, not a 500
        raise AttachmentError("image_damaged", shown) from exc
    if width * height > max_pixels:
        raise AttachmentError("pixels", shown, max=f"{max_pixels / 1e6:g}")


def _reencode(data: bytes, content_type: str, shown: str) -> bytes:
    # Pillow's switch is process-wide, and WeasyPrint (the evidence pack's PDF) turns it
    # on when imported: a truncated upload must still fail to load here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # _check_header
            with Image.open(io.BytesIO(data), formats=[IMAGES[content_type]]) as im:
                im.load()  # every pixel: a truncated or corrupt image fails here
                upright = ImageOps.exif_transpose(im)
                return _encode_pixels(upright, IMAGES[content_type])
    except Image.DecompressionBombError:
        raise AttachmentError(
            "pixels", shown, max=f"{(Image.MAX_IMAGE_PIXELS or 0) / 1e6:g}"
        ) from None
    except Exception as exc:  # a decoder's failure is a bad image, not a 500
        raise AttachmentError("image_damaged", shown) from exc


def _encode_pixels(im: Image.Image, fmt: str) -> bytes:
    """The pixels alone, in a fresh image that carries no metadata at all."""
    if fmt == "JPEG":
        mode = "L" if im.mode in ("1", "L", "LA", "I;16", "I", "F") else "RGB"
    elif im.mode in ("1", "L", "LA", "RGB", "RGBA", "I;16"):
        mode = im.mode
    elif im.mode in ("P", "PA") and ("transparency" in im.info or im.mode == "PA"):
        mode = "RGBA"
    else:
        mode = "RGBA" if "A" in im.getbands() else "RGB"
    converted = im if im.mode == mode else im.convert(mode)
    clean = Image.frombytes(mode, converted.size, converted.tobytes())
    out = io.BytesIO()
    if fmt == "JPEG":
        clean.save(out, format="JPEG", quality=90, optimize=True)
    else:
        clean.save(out, format="PNG", optimize=False)
    return out.getvalue()


def prepare(upload: FileStorage, app: Flask | None = None) -> Prepared:
    """One upload checked, scanned and cleaned (nothing stored yet), or :class:`AttachmentError`."""
    prepared, refused = _prepare([upload], app)
    if refused:
        raise refused[0]
    return prepared[0]


def uploads_in(files: Iterable[FileStorage | None]) -> list[FileStorage]:
    """The files actually chosen (a browser sends an empty part for an empty input)."""
    return [f for f in files if isinstance(f, FileStorage) and (f.filename or "").strip()]


def prepare_all(
    uploads: Iterable[FileStorage | None], already: int = 0, app: Flask | None = None
) -> tuple[list[Prepared], list[AttachmentError]]:
    """Every chosen upload checked, scanned and cleaned: what passed, and the refusals (one
    per bad file); nothing passes when anything is refused.

    ``already`` is how many files the case holds; more than the per-case limit in
    all is one refusal.
    """
    chosen = uploads_in(uploads)
    lim = limits(app)
    if already + len(chosen) > lim.max_files:
        left = max(0, lim.max_files - already)
        return [], [AttachmentError("too_many", max=lim.max_files, left=left)]
    return _prepare(chosen, app)


@dataclass(frozen=True)
class _Sent:
    """An upload read: the name it came with, that name for messages, its bytes."""

    name: str | None
    shown: str
    data: bytes = field(repr=False)


def _every(items: Iterable[_T], step: Callable[[_T], _R]) -> tuple[list[_R], list[AttachmentError]]:
    """``step`` for each item: the results, and the refusals it raised."""
    results: list[_R] = []
    refused: list[AttachmentError] = []
    for item in items:
        try:
            results.append(step(item))
        except AttachmentError as exc:
            refused.append(exc)
    return results, refused


def _prepare(
    uploads: list[FileStorage], app: Flask | None
) -> tuple[list[Prepared], list[AttachmentError]]:
    """The checks from the cheapest up, each for every file before the next; the first
    step that refuses a file ends it, so a refusal never waits for a decoder."""
    lim = limits(app)

    def read(upload: FileStorage) -> _Sent:
        shown = shown_name(upload.filename) or "attachment"
        return _Sent(upload.filename, shown, _read(upload, lim, shown))

    sent, refused = _every(uploads, read)
    if refused:
        return [], refused
    types, refused = _every(sent, lambda s: inspect(s.data, lim.max_pixels, s.shown))
    if refused:
        return [], refused
    scanner = scanning.scanner_for(app)
    if scanner is not None:
        _, refused = _every(sent, lambda s: _scan(scanner, s))
        if refused:
            return [], refused
    scan = CLEAN if scanner is not None else HELD

    def keep(pair: tuple[_Sent, str]) -> Prepared:
        item, content_type = pair
        kept = clean(item.data, content_type, item.shown)
        return _prepared(clean_filename(item.name, content_type), content_type, kept, scan)

    return _every(zip(sent, types, strict=True), keep)


def _scan(scanner: scanning.ClamdScanner, item: _Sent) -> None:
    try:
        found = scanner.scan(item.data)
    except scanning.ScannerUnavailable as exc:
        log.error("attachment not scanned, upload refused: %s", exc)
        raise AttachmentError("scan_failed") from exc
    if found is not None:
        log.warning("attachment refused: the scanner found %s", found)
        raise AttachmentError("infected", item.shown, signature=found)


# -- storage ------------------------------------------------------------------


def directory(app: Flask | None = None) -> Path:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # current_app is typed as Flask, not as its proxy
    configured = app.config.get("COMPLAINT_ATTACHMENT_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "attachments"


def path_of(att: ComplaintAttachment, app: Flask | None = None) -> Path:
    """Where a stored attachment lives; a stored name that is not ours is refused."""
    if not _STORED_NAME.match(att.stored_name or ""):
        raise ValueError("not a stored attachment name")
    return directory(app) / att.stored_name


def count_for(session: Session, case: Complaint) -> int:
    return session.execute(
        select(func.count())
        .select_from(ComplaintAttachment)
        .where(col(ComplaintAttachment.complaint_id) == case.id)
    ).scalar_one()


def store(
    session: Session,
    case: Complaint,
    prepared: Iterable[Prepared],
    uploaded_by: int | None = None,
    app: Flask | None = None,
) -> list[ComplaintAttachment]:
    """Write the files and add their rows to ``session`` (the caller commits).

    If the caller's transaction fails, it removes the files with
    :func:`delete_files` (rows it added): a file without a row is never left
    behind on purpose. ``case`` must have an id (flush first).
    """
    if case.id is None:
        raise ValueError("store attachments of a case that has an id (flush first)")
    folder = directory(app)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    rows: list[ComplaintAttachment] = []
    try:
        for item in prepared:
            stored = secrets.token_hex(16)
            path = folder / stored
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            row = ComplaintAttachment(
                complaint_id=case.id,
                agency_id=case.agency_id,
                stored_name=stored,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                uploaded_by=uploaded_by,
                scan=item.scan,
            )
            rows.append(row)
            with os.fdopen(fd, "wb") as fh:
                fh.write(item.data)
                fh.flush()
                os.fsync(fh.fileno())
            session.add(row)
    except BaseException:
        delete_files(rows, app)
        raise
    return rows


def delete_files(attachments: Iterable[ComplaintAttachment | str], app: Flask | None = None) -> int:
    """Remove stored files (not rows), given rows or stored names (``cases.destroy``
    returns names); call it after the commit that deleted the rows. Missing files and
    names that are not ours are skipped. Returns how many files went."""
    removed = 0
    for item in attachments:
        stored = item if isinstance(item, str) else item.stored_name
        if not _STORED_NAME.match(stored or ""):
            continue
        try:
            (directory(app) / stored).unlink()
        except FileNotFoundError:
            continue
        removed += 1
    return removed


def servable(att: ComplaintAttachment) -> bool:
    """Whether the file may be served: not one held for review."""
    return att.scan != HELD


def release(session: Session, att: ComplaintAttachment, actor: Actor) -> bool:
    """A handler releases a file held for review (no scanner checked it), audited in the
    caller's transaction; False when it was not held (nothing changes)."""
    if att.scan != HELD:
        return False
    att.scan = RELEASED
    att.released_by = actor.user_id
    att.released_at = clock.now()
    session.add(att)
    audit.record(
        session,
        "complaint.attachment_released",
        actor=actor,
        agency_id=att.agency_id,
        target=f"complaint:{att.complaint_id}",
        detail={"attachment": att.id, "filename": att.filename, "sha256": att.sha256},
    )
    return True


def send_attachment(att: ComplaintAttachment, app: Flask | None = None) -> Response:
    """The file as a download, never rendered: attachment disposition (RFC 6266/5987
    names, Chinese kept), the detected type, ``nosniff``, ``no-store`` and a sandbox CSP.

    The caller has decided that the requester may see the case. A missing file is 404,
    and so is one held for review (callers say why first: :func:`servable`).
    """
    if not servable(att):
        raise NotFound()
    try:
        path = path_of(att, app)
    except ValueError:
        raise NotFound() from None
    if not path.is_file():
        raise NotFound()
    response = send_file(
        path,
        mimetype=att.content_type if att.content_type in EXTENSIONS else "application/octet-stream",
        as_attachment=True,
        download_name=att.filename or "attachment",
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store, private"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if att.content_type == "text/plain":
        response.headers["Content-Type"] = "text/plain; charset=utf-8"
    return response
