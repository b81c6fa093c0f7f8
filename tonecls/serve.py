"""A local web page and JSON API over one loaded model, on the standard library alone.

The page is for analysts who would rather paste statements than type commands;
the API answers exactly what `tonecls classify --json` prints, so scripts and
the page see the same thing. Limits keep one request from tying up the machine.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import sys
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import urlsplit

from tonecls.errors import ToneclsError
from tonecls.model import ToneModel
from tonecls.tones import COLOURS, DEFINITIONS, TONES

MAX_BODY = 1_000_000  # bytes of one request body
MAX_TEXT_CHARS = 100_000  # characters of one statement
MAX_TEXTS = 1_000  # statements in one /api/score request
_DRAIN_LIMIT = 64_000_000  # an oversized body is read and dropped up to here, so the client sees the 413
_SCRIPT_RE = re.compile(rb"<script>(.*?)</script>", re.S)


class ApiError(Exception):
    """A request the API refuses: the status code and a one-line reason for the client."""

    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ToneServer(ThreadingHTTPServer):
    """An HTTP server that holds the model, the page and its policy; one per `tonecls serve`."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], model: ToneModel, log: Callable[[str], None] | None = None):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.model = model
        self.log = log
        # predict_proba and evidence keep small per-model caches; one lock keeps them consistent across threads.
        self.model_lock = threading.Lock()
        self.page = load_page()
        self.csp = content_security_policy(self.page)
        self.info = model_info(model)
        super().__init__(address, ToneHandler)

    def handle_error(self, request, client_address) -> None:
        """A client that hung up mid-answer is not worth a traceback; anything else is."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def load_page() -> bytes:
    """The page shipped as package data (tonecls/web/index.html)."""
    try:
        return resources.files("tonecls").joinpath("web/index.html").read_bytes()
    except OSError:
        raise ToneclsError("tonecls/web/index.html is missing from this installation; reinstall tonecls") from None


def content_security_policy(page: bytes) -> str:
    """Allow the page's own inline scripts (by hash) and calls to this server only: nothing else loads or runs."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s).digest()).decode() + "'" for s in _SCRIPT_RE.findall(page)
    )
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def model_info(model: ToneModel) -> dict:
    """What the page needs once: tone names, thresholds, colours, definitions and the model card."""
    model.check_is_fitted()
    return {
        "tones": list(TONES),
        "thresholds": {t: round(float(th), 4) for t, th in zip(TONES, model.thresholds_, strict=True)},
        "colours": dict(COLOURS),
        "definitions": dict(DEFINITIONS),
        "card": getattr(model, "card_", {}),
    }


def check_text(text: object, where: str) -> str:
    """A statement from a request, or an ApiError saying what is wrong with it."""
    if not isinstance(text, str):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{where} must be a string, not {type(text).__name__}")
    if not text.strip():
        raise ApiError(HTTPStatus.BAD_REQUEST, f"{where} is empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ApiError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            f"{where} has {len(text):,} characters; the limit is {MAX_TEXT_CHARS:,} for one statement",
        )
    return text


def parse_body(body: bytes, field: str) -> object:
    """The one field of a JSON object body, e.g. ``{"text": ...}``; anything else is a 400."""
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(HTTPStatus.BAD_REQUEST, "the body is not UTF-8") from None
    except (json.JSONDecodeError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({reason})") from None
    if not isinstance(data, dict) or set(data) != {field}:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise ApiError(HTTPStatus.BAD_REQUEST, f'expected a JSON object {{"{field}": ...}}, got {got}')
    return data[field]


class ToneHandler(BaseHTTPRequestHandler):
    """Routes: GET /, GET /api/info, POST /api/classify, POST /api/score."""

    server: ToneServer
    timeout = 30  # seconds a client may stall mid-request

    routes = {
        "/": {"GET": "page"},
        "/api/info": {"GET": "info"},
        "/api/classify": {"POST": "classify"},
        "/api/score": {"POST": "score"},
    }

    def do_GET(self) -> None:  # http.server calls do_<METHOD>; every method goes to one router
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self) -> None:
        path = urlsplit(self.path).path
        self.body_read = False
        try:
            methods = self.routes.get(path)
            if methods is None:
                raise ApiError(HTTPStatus.NOT_FOUND, f"no such page: {path}; the API is /api/classify and /api/score")
            name = methods.get("GET" if self.command == "HEAD" else self.command)
            if name is None:
                allow = ", ".join(methods)
                raise ApiError(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"{self.command} is not allowed on {path}; use {allow}",
                    {"Allow": allow},
                )
            getattr(self, "handle_" + name)()
        except ApiError as exc:
            if not self.body_read:
                self.drain_body()
            self.send_json({"error": exc.message}, exc.status, exc.headers)
        except Exception:
            self.close_connection = True
            self.send_json({"error": "internal error; the server's log has the traceback"}, HTTPStatus(500))
            raise  # socketserver prints the traceback to standard error

    def handle_page(self) -> None:
        headers = {"Content-Security-Policy": self.server.csp, "Cache-Control": "no-cache"}
        self.send_bytes(self.server.page, "text/html; charset=utf-8", HTTPStatus.OK, headers)

    def handle_info(self) -> None:
        self.send_json(self.server.info)

    def handle_classify(self) -> None:
        text = check_text(parse_body(self.read_body(), "text"), "text")
        with self.server.model_lock:
            result = self.server.model.classify(text)
        self.send_json(result)

    def handle_score(self) -> None:
        texts = parse_body(self.read_body(), "texts")
        if not isinstance(texts, list):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"texts must be a list of strings, not {type(texts).__name__}")
        if len(texts) > MAX_TEXTS:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{len(texts):,} texts; the limit is {MAX_TEXTS:,} per request"
            )
        checked = [check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        with self.server.model_lock:
            results = [self.server.model.classify(t) for t in checked]
        self.send_json({"results": results})

    def read_body(self) -> bytes:
        """The request body, refused (413) past MAX_BODY and (415) when it is not declared JSON."""
        length = self.content_length()
        if length > MAX_BODY:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body has {length:,} bytes; the limit is {MAX_BODY:,}"
            )
        body = self.rfile.read(length)
        self.body_read = True
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype != "application/json":  # also keeps other web sites from posting here with a plain form
            raise ApiError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send the body as Content-Type: application/json")
        return body

    def content_length(self) -> int:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length; chunked bodies are not read")
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if length < 0:
            raise ApiError(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length header with the JSON body")
        return length

    def drain_body(self) -> None:
        """Read and drop a refused body, so that the client gets to read our answer instead of a reset."""
        self.body_read = True
        self.close_connection = True
        try:
            left = min(int(self.headers.get("Content-Length") or 0), _DRAIN_LIMIT)
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, ValueError):
            pass

    def send_json(self, obj: object, status: HTTPStatus = HTTPStatus.OK, headers: dict | None = None) -> None:
        body = json.dumps(obj, ensure_ascii=False).encode("utf-8")
        self.send_bytes(
            body, "application/json; charset=utf-8", status, {"Cache-Control": "no-store", **(headers or {})}
        )

    def send_bytes(self, body: bytes, ctype: str, status: HTTPStatus, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def version_string(self) -> str:
        return "tonecls"

    def log_message(self, format: str, *args) -> None:
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server raises itself (bad request line, unknown method) are JSON like ours."""
        self.close_connection = True
        status = HTTPStatus(code)
        self.send_json({"error": message or status.phrase}, status, {"Connection": "close"})


def make_server(
    model: ToneModel, host: str = "127.0.0.1", port: int = 8000, *, log: Callable[[str], None] | None = None
) -> ToneServer:
    """A server bound to ``host:port`` (port 0: any free port) sharing one loaded model.

    ``log`` receives one line per request; None logs nothing.
    """
    try:
        return ToneServer((host, port), model, log)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ToneclsError(f"cannot listen on {host}:{port} ({reason}); pick another --port or --host") from None


def serve_forever(server: ToneServer) -> None:
    """Serve until ``server.shutdown()`` or Ctrl-C, then close the socket."""
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
