"""Fetch one web page or PDF by its http(s) URL, with bounds on time, size and redirects.

Why the standard library's urllib and not requests or httpx: tonecls fetches
one document per URL, once, so it needs none of their sessions, pools or
HTTP/2, and URLs then work in every install of tonecls, with no extra. urllib
still gives what matters: TLS checked against the system's certificates,
proxies from the usual environment variables, and streamed reads. The care
it needs is taken here:

- the opener has only the HTTP and HTTPS handlers (no file:, ftp: or data:),
  and redirects are followed by this module, not urllib: at most
  `MAX_REDIRECTS`, to http(s) URLs only;
- ``timeout`` bounds connecting and every read; a whole fetch (redirects,
  headers and body) also stops after `MAX_SECONDS`, so a server that sends a
  byte at a time cannot hold it: a timer shuts the connection's socket then;
- the body is read in chunks and refused past ``max_bytes`` (a declared
  Content-Length over it is refused before reading); no compression is asked
  for, so nothing is inflated;
- only text/html, application/xhtml+xml, application/pdf and text/plain are
  accepted; anything else is refused with its type.

Every failure is an InputError naming the URL in one line (DNS, refused,
timeout, an HTTP status, a redirect loop, a size or type refused).
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from urllib.parse import urljoin, urlsplit

from tonecls.errors import InputError
from tonecls.output import visible

TIMEOUT = 20.0  # seconds to connect, and for each read
MAX_SECONDS = 120.0  # for a whole download
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
KINDS = {"text/html": "html", "application/xhtml+xml": "html", "application/pdf": "pdf", "text/plain": "text"}
_REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Fetched:
    """A fetched document: where it ended up, what it is (html, pdf or text), its declared charset, its bytes."""

    url: str
    kind: str
    charset: str | None
    body: bytes


def is_url(text: str) -> bool:
    return text[:8].lower().startswith(("http://", "https://"))


def fetch(
    url: str,
    *,
    timeout: float = TIMEOUT,
    max_bytes: int | None = None,
    max_redirects: int = MAX_REDIRECTS,
    max_seconds: float | None = None,
) -> Fetched:
    """GET ``url`` and its body, following at most ``max_redirects`` redirects (see the module for the bounds)."""
    shown = visible(url, keep="")
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    seconds = MAX_SECONDS if max_seconds is None else max_seconds
    watchdog = _Watchdog(seconds)
    try:
        return _fetch(url, shown, watchdog, timeout=timeout, max_bytes=max_bytes, max_redirects=max_redirects)
    finally:
        watchdog.cancel()


def _fetch(url: str, shown: str, watchdog: _Watchdog, *, timeout: float, max_bytes: int, max_redirects: int) -> Fetched:
    deadline, seconds = watchdog.deadline, watchdog.seconds
    opener = _opener(watchdog)
    current = url
    for _ in range(max_redirects + 1):
        _check_scheme(current, shown)
        response = _open(opener, current, timeout, shown, watchdog)
        with response:
            status = response.status
            if status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise InputError(f"HTTP {status} redirect without a Location", shown)
                current = urljoin(current, location.strip())
                continue
            if status != 200:
                raise InputError(f"HTTP {status} {visible(response.reason or '', keep='')}".rstrip(), shown)
            kind, charset = _content_type(response.headers, shown)
            body = _read(response, shown, max_bytes=max_bytes, deadline=deadline, seconds=seconds)
            return Fetched(current, kind, charset, body)
    raise InputError(f"more than {max_redirects} redirects (a redirect loop?)", shown)


class _Watchdog:
    """Shuts each connection's socket at the fetch's deadline: a blocked read (of the status line, the
    headers or the body) then returns at once, however slowly the server sends."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._timers: list[threading.Timer] = []

    def watch(self, sock: socket.socket) -> None:
        timer = threading.Timer(max(self.deadline - time.monotonic(), 0.0), _shut, (sock,))
        timer.daemon = True
        timer.start()
        self._timers.append(timer)

    def expired(self) -> bool:
        return time.monotonic() >= self.deadline

    def cancel(self) -> None:
        for timer in self._timers:
            timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog) -> type[http.client.HTTPConnection]:
    class Watched(base):  # type: ignore[misc, valid-type]
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog):
        super().__init__()
        self._connection = _watched(http.client.HTTPConnection, watchdog)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog):
        super().__init__(context=ssl.create_default_context())
        self._connection = _watched(http.client.HTTPSConnection, watchdog)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """An opener with proxies, HTTP and HTTPS only (no redirect or error processing, no other scheme), whose
    connections the watchdog shuts at the deadline."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _HTTPHandler(watchdog), _HTTPSHandler(watchdog)):
        opener.add_handler(handler)
    return opener


def _check_scheme(url: str, shown: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"not an http(s) URL: {visible(url, keep='')}", shown)


def _open(opener: urllib.request.OpenerDirector, url: str, timeout: float, shown: str, watchdog: _Watchdog):
    from tonecls import __version__

    request = urllib.request.Request(
        url,
        headers={
            "User-Agent": f"tonecls/{__version__}",
            "Accept": "text/html, application/xhtml+xml, application/pdf, text/plain;q=0.9",
            "Accept-Encoding": "identity",
        },
    )
    try:
        response = opener.open(request, timeout=timeout)
    except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
        if watchdog.expired():
            raise InputError(f"the download took too long (over {watchdog.seconds:g} s)", shown) from None
        raise InputError(_failure(exc, timeout), shown) from None
    if response is None:  # no handler took it: a scheme the opener does not have
        raise InputError("not an http(s) URL", shown)
    if watchdog.expired():  # the headers ended because the watchdog shut the socket, not because they were whole
        response.close()
        raise InputError(f"the download took too long (over {watchdog.seconds:g} s)", shown)
    return response


def _failure(exc: BaseException, timeout: float) -> str:
    """One clause for why a URL could not be fetched."""
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, socket.gaierror):
        return "cannot find the host (DNS lookup failed)"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, TimeoutError):
        return f"no answer within {timeout:g} s (timed out)"
    if isinstance(reason, ssl.SSLCertVerificationError):
        return f"its TLS certificate is not valid ({reason.verify_message})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS failed ({reason.reason or reason})"
    if isinstance(reason, ConnectionResetError):
        return "the connection was reset"
    if isinstance(reason, http.client.HTTPException):
        return f"not a valid HTTP answer ({type(reason).__name__})"
    if isinstance(reason, OSError):
        return f"cannot connect ({reason.strerror or reason})"
    return f"cannot fetch ({visible(str(reason), keep='')})"


def _content_type(headers: Message, shown: str) -> tuple[str, str | None]:
    """The kind of document (html, pdf, text) and its declared charset; any other type is refused."""
    declared = headers.get("Content-Type")
    if not declared:
        raise InputError("the server gave no content type; expected HTML, PDF or plain text", shown)
    kind = KINDS.get(headers.get_content_type())
    if kind is None:
        raise InputError(f"content type {headers.get_content_type()} is not HTML, PDF or plain text", shown)
    return kind, headers.get_content_charset()


def _read(response, shown: str, *, max_bytes: int, deadline: float, seconds: float) -> bytes:
    """The body, at most ``max_bytes``, read before ``deadline``; more, or later, is refused."""
    length = response.headers.get("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise InputError(f"too large ({int(length):,} bytes; the limit is {max_bytes:,})", shown)
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.read1(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise InputError(f"too large (more than the limit of {max_bytes:,} bytes)", shown)
            if time.monotonic() > deadline:
                raise InputError(f"the download took too long (over {seconds:g} s)", shown)
            chunks.append(chunk)
    except TimeoutError:
        raise InputError("timed out while reading the body", shown) from None
    except (OSError, http.client.HTTPException) as exc:
        if time.monotonic() >= deadline:
            raise InputError(f"the download took too long (over {seconds:g} s)", shown) from None
        raise InputError(f"the connection broke while reading the body ({type(exc).__name__})", shown) from None
    if time.monotonic() >= deadline:  # the watchdog shut the socket: the body ended early, not at its end
        raise InputError(f"the download took too long (over {seconds:g} s)", shown)
    return b"".join(chunks)
