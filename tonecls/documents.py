"""One document as one text: a text file, an HTML page, a PDF, or an http(s) URL serving one of them.

`score`, `extract` and `classify --file` read documents through `read_document`,
so a page is read the same way whichever command reads it: an HTML page gives
its main text (tonecls.html_text), a PDF its text layer (tonecls.pdf_text), a
URL what it serves (tonecls.fetch).

An HTML page's encoding is what it declares, never a guess: a byte order
mark, else ``encoding`` (named by the user, or by the server's Content-Type),
else the page's own ``<meta charset>``, else UTF-8. As in browsers, a page
declaring ISO-8859-1 or ASCII is read as windows-1252, which they are in
practice (curly quotes at 0x91-0x94).
"""

from __future__ import annotations

import os
from pathlib import Path

from tonecls.errors import InputError, ToneclsError
from tonecls.fetch import TIMEOUT, fetch, is_url
from tonecls.readers import MAX_CHARS, decode, read_text_file, shown_path, text_codec

HTML_SUFFIXES = (".html", ".htm", ".xhtml")
PDF_SUFFIXES = (".pdf",)
DOCUMENT_SUFFIXES = HTML_SUFFIXES + PDF_SUFFIXES  # read by `read_document` rather than as plain text
MAX_HTML_BYTES = 20 * 1024 * 1024  # markup and scripts take many times the bytes of a page's text
MAX_PDF_BYTES = 100 * 1024 * 1024  # images take many times the bytes of a PDF's text
_AS_WINDOWS_1252 = frozenset({"iso-8859-1", "latin-1", "latin1", "iso8859-1", "l1", "us-ascii", "ascii", "cp819"})


def is_document(source: str | os.PathLike) -> bool:
    """Whether ``source`` is read by `read_document` rather than as a plain text file: a URL, HTML or PDF."""
    return (isinstance(source, str) and is_url(source)) or Path(source).suffix.lower() in DOCUMENT_SUFFIXES


def read_document(source: str | os.PathLike, *, encoding: str | None = None, timeout: float = TIMEOUT) -> str:
    """The text of a file or URL: an HTML page's main text, a PDF's text, a text file's text.

    Anything that stops it being read (missing, too large, a scanned PDF, an
    HTTP error, a missing optional package) is an InputError naming ``source``.
    """
    if isinstance(source, str) and is_url(source):
        return url_text(source, timeout=timeout)
    path = Path(source)
    shown = shown_path(path)
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return html_text(_file_bytes(path, shown, MAX_HTML_BYTES), shown, encoding)
    if suffix in PDF_SUFFIXES:
        from tonecls.pdf_text import pdf_text

        return pdf_text(_file_bytes(path, shown, MAX_PDF_BYTES), shown, max_chars=MAX_CHARS)
    return read_text_file(path, encoding)


def url_text(url: str, *, timeout: float = TIMEOUT) -> str:
    """The text of what an http(s) URL serves (HTML, PDF or plain text), read as the file kinds are."""
    from tonecls.output import visible

    got = fetch(url, timeout=timeout)
    shown = visible(url, keep="")
    if got.kind == "html":
        return html_text(got.body, shown, declared=got.charset)
    if got.kind == "pdf":
        from tonecls.pdf_text import pdf_text

        return pdf_text(got.body, shown, max_chars=MAX_CHARS)
    return decode(got.body, shown, _codec(got.charset, shown, "its Content-Type"))


def html_text(data: bytes, where: str, encoding: str | None = None, *, declared: str | None = None) -> str:
    """The main text of an HTML page given as bytes: in ``encoding`` when the user names one, else as
    ``declared`` by a server, else as the page declares (see the module)."""
    from tonecls.html_text import declared_charset, main_text

    if encoding is not None:
        codec = text_codec(encoding)
    elif declared is not None:
        codec = _codec(declared, where, "its Content-Type")
    else:
        meta = declared_charset(data)
        codec = _codec(meta, where, "its <meta charset>") if meta else None
    text = main_text(decode(data, where, codec))
    if not text.strip():
        raise InputError("no readable text in the page (only markup, scripts or menus)", where)
    return text


def _codec(name: str | None, where: str, said_by: str) -> str | None:
    """A declared encoding's codec (ISO-8859-1 and ASCII read as windows-1252, as browsers do)."""
    if name is None:
        return None
    if name.strip().lower() in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        return text_codec(name.strip())
    except ToneclsError:
        raise InputError(f"{said_by} names an unknown encoding {name!r}", where) from None


def _file_bytes(path: Path, shown: str, limit: int) -> bytes:
    """A file's bytes, refused past ``limit`` before they are read."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(f"too large ({size:,} bytes; the limit is {limit:,})", shown)
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", shown) from None
    except IsADirectoryError:
        raise InputError("is a folder, not a file", shown) from None
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror or exc})", shown) from None
