"""Active content in a PDF, found by opening it with a real PDF library.

A byte search sees only what is written in the clear; since PDF 1.5 most writers put
dictionaries in compressed object streams, and an encrypted file hides its streams
too. pikepdf (qpdf) reads the file as a viewer would: every object in the cross-reference
table, those inside object streams included, decrypted when only an owner password is
set, and each is walked with everything it holds directly.

Refused, as a key or as a name anywhere: scripts (``/JS``, ``/JavaScript``), launching
programs (``/Launch``), embedded files (``/EmbeddedFile(s)``, ``/EF``, file-attachment
annotations, ``/GoToE``), rich media and XFA forms, form submission and data import
(``/SubmitForm``, ``/ImportData``), and actions that run by themselves (``/AA``; an
``/OpenAction`` that is an action). An ``/OpenAction`` that only names the page and zoom
to open at (a destination, as LaTeX and many other writers add) is kept, and so are
links a reader must click (``/URI``).
"""

from __future__ import annotations

import io
from typing import Any

import pikepdf

ACTIVE = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/FileAttachment",
        "/GoToE",
        "/RichMedia",
        "/RichMediaExecute",
        "/XFA",
        "/SubmitForm",
        "/ImportData",
        "/AA",
    }
)
"""Keys and names that make a PDF active."""


class Encrypted(Exception):
    """The PDF needs a password to be read, so it cannot be checked."""


class Unreadable(Exception):
    """The PDF library cannot read the file."""


def active_content(data: bytes) -> str | None:
    """The first active key or name found in the PDF ``data``, or None.

    Raises :class:`Encrypted` or :class:`Unreadable` when the file cannot be checked."""
    try:
        document = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError as exc:
        raise Encrypted() from exc
    except Exception as exc:  # qpdf's parser on hostile bytes: unreadable, never a 500
        raise Unreadable(str(exc)) from exc
    with document:
        try:
            open_action = document.Root.get("/OpenAction")
            if isinstance(open_action, pikepdf.Dictionary):
                return "/OpenAction"
            for obj in document.objects:
                found = _active_in(obj)
                if found is not None:
                    return found
        except Exception as exc:  # a damaged object met on the way
            raise Unreadable(str(exc)) from exc
    return None


def _active_in(root: Any) -> str | None:
    """An active key or name in ``root`` or in anything it holds directly (objects it
    refers to are walked on their own, as items of ``document.objects``)."""
    pending = [root]
    while pending:
        obj = pending.pop()
        if isinstance(obj, pikepdf.Name):
            if str(obj) in ACTIVE:
                return str(obj)
            continue
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            children = []
            for key, value in obj.items():
                if key in ACTIVE:
                    return str(key)
                children.append(value)
        elif isinstance(obj, pikepdf.Array):
            children = list(obj)
        else:
            continue
        pending.extend(
            child
            for child in children
            if isinstance(child, pikepdf.Object) and not child.is_indirect
        )
    return None
