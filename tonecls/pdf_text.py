"""The text layer of a PDF, with pypdf (the `tonecls[pdf]` extra).

pypdf is pure Python with no dependencies and is maintained; it reads the text
a PDF carries, and nothing else: a scanned page is an image, so a PDF with no
text on any page is reported as such ("run OCR first") rather than scored as
an empty statement. An encrypted PDF opens when it needs no password to read
(only its permissions are locked), and is reported otherwise.

pypdf may raise many kinds of exception on a damaged file and logs warnings
of its own: both are turned into one line naming the file.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import warnings
from collections.abc import Iterator

from tonecls.errors import InputError, MissingExtra, library_reason

NO_TEXT = "no text layer (a scanned PDF?); run OCR first"
_HYPHEN = re.compile(r"(\w)-\n(?=[a-z])")  # a word cut at the end of a line: "viola-\ntion"
_TRAILING = re.compile(r"[ \t]+\n")


def pdf_text(data: bytes, where: str, *, max_chars: int) -> str:
    """The text of every page, pages separated by blank lines; stops reading past ``max_chars`` characters.

    A PDF that cannot be read, needs a password or has no text is an InputError naming ``where``.
    """
    try:
        from pypdf import PdfReader
        from pypdf.errors import DependencyError
    except ImportError:
        raise MissingExtra("reading PDF", "pypdf", "pdf") from None
    with _quiet():
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            _unlock(reader, where, DependencyError)
            pages = list(_pages(reader, max_chars))
        except InputError:
            raise
        except Exception as exc:  # pypdf raises many kinds on a damaged file: each is one line here
            raise InputError(f"not a readable PDF ({library_reason(exc)})", where) from None
    if not pages:
        raise InputError("the PDF has no pages", where)
    text = "\n\n".join(p for p in pages if p)
    if not text.strip():
        raise InputError(NO_TEXT, where)
    return _HYPHEN.sub(r"\1", _TRAILING.sub("\n", text)).strip()


def _unlock(reader, where: str, dependency_error: type) -> None:
    """Open an encrypted PDF with the empty password (permissions only), or say why it cannot be read."""
    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except dependency_error:
        raise InputError("encrypted with AES: reading it needs the 'cryptography' package", where) from None
    if not opened:
        raise InputError("encrypted: it needs a password to open; save an unlocked copy first", where)


def _pages(reader, max_chars: int) -> Iterator[str]:
    total = 0
    for page in reader.pages:
        text = (page.extract_text() or "").strip()
        yield text
        total += len(text)
        if total > max_chars:  # too long for a statement already: the caller says so, no need to read on
            return


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pypdf's warnings and log lines about a file's small defects silenced while it is read."""
    log = logging.getLogger("pypdf")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        log.setLevel(level)
