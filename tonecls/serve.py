"""A local web page and JSON API over one loaded model, on the standard library alone.

The page is for analysts who would rather paste statements than type commands;
the API answers exactly what `tonecls classify --json` prints, so scripts and
the page see the same thing. Limits keep one request from tying up the machine.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import socket
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from tonecls.batch import score_batch
from tonecls.errors import ToneclsError
from tonecls.explain import evidence
from tonecls.output import visible
from tonecls.tones import COLOURS, DEFINITIONS, TONES

if TYPE_CHECKING:
    from tonecls.label_web import LabelDesk
    from tonecls.predictor import Scorer

MAX_BODY = 1_000_000  # bytes of one request body
MAX_TEXT_CHARS = 100_000  # characters of one statement
MAX_TEXTS = 1_000  # statements in one /api/score request
TOKEN_HEADER = "X-Tonecls-Token"  # the /label page's session token travels in this header
_DRAIN_LIMIT = 64_000_000  # an oversized body is read and dropped up to here, so the client sees the 413
_SCRIPT_RE = re.compile(rb"<script>(.*?)</script>", re.S)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})  # methods that never change anything on the server


class ApiError(Exception):
    """A request the API refuses: the status code and a one-line reason for the client."""

    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class ToneServer(ThreadingHTTPServer):
    """An HTTP server that holds the model, the page and its policy; one per `tonecls serve`.

    Why ThreadingHTTPServer: it is in the standard library (no new dependency for a
    command most users start on their own machine), a thread per connection is plenty
    for loopback use by one analyst or a script, and the listen backlog below keeps
    bursts of connections from being reset.

    Requests run in parallel with no lock around the model: prediction reads the fitted
    arrays and only adds to (or, past a size, clears) the Analyzer's and Features'
    per-word dict caches. Each of those dict operations is atomic in CPython (under
    the GIL, and by the dict's own lock in free-threaded builds), no code iterates
    over a cache, and a cached value is never changed after it is stored, so a
    thread that finds an entry missing (cleared by another) just computes it again.
    Stemming a word the model's table lacks uses a PyStemmer object per thread (they are
    not thread-safe); a model file without a table records nltk's stems in a dict, as above.
    tests/robustness/test_server_hostile.py checks this while clearing the caches.
    """

    daemon_threads = True
    request_queue_size = max(socket.SOMAXCONN, 128)  # socketserver's default of 5 resets connections under load

    def __init__(
        self,
        address: tuple[str, int],
        model: Scorer,
        log: Callable[[str], None] | None = None,
        allow_hosts: Iterable[str] = (),
        labeler: LabelDesk | None = None,
        allow_remote_labeling: bool = False,
    ):
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.model = model
        self.log = log
        self.page = load_page()
        self.csp = content_security_policy(self.page)
        self.info = model_info(model)
        self.labeler = labeler
        self.label_csp = content_security_policy(labeler.page) if labeler is not None else ""
        extra = extra_host_names(address[0], allow_hosts)
        super().__init__(address, ToneHandler)
        self.hosts = HostPolicy.for_address(self.server_address[0], self.server_address[1], extra)
        if labeler is not None and not self.hosts.loopback and not allow_remote_labeling:
            self.server_close()
            raise ToneclsError(
                f"--label-into writes to {labeler.into} from the page, and on {address[0]} anyone who can reach "
                "this machine could open it; listen on 127.0.0.1 (the default), or add --allow-remote-labeling"
            )

    def report(self, line: str) -> None:
        """A problem on the server's side, one line: to the request log, else to standard error."""
        if self.log is not None:
            self.log(line)
        else:
            print(line, file=sys.stderr, flush=True)

    def handle_error(self, request, client_address) -> None:
        """A client that hung up mid-answer is not worth a line; anything else gets one line, never a traceback."""
        exc = sys.exc_info()[1]
        if exc is not None and not isinstance(exc, ConnectionError):
            self.report(f"{client_address[0]} internal error: {one_line(exc)}")

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def one_line(exc: BaseException) -> str:
    """``Type: message`` on one line and short: what the log says about an exception instead of a traceback."""
    message = " ".join(str(exc).split())
    if len(message) > 300:
        message = message[:300] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def host_name(name: str) -> str:
    """A ``--allow-host`` value as HostPolicy compares it: lower case, no trailing dot, IPv6 without brackets."""
    clean = name.strip().lower().rstrip(".")
    if clean.startswith("[") and clean.endswith("]"):
        clean = clean[1:-1]
    if not clean or "/" in clean or any(c.isspace() for c in clean) or (":" in clean and not _is_ip(clean)):
        raise ToneclsError(f"--allow-host {name!r}: give a host name or address without a port, e.g. tonecls.lan")
    return clean


def extra_host_names(host: str, allow_hosts: Iterable[str]) -> list[str]:
    """The ``--allow-host`` names, and ``--host`` itself when it is a name (`--host analyst-pc` is browsed so)."""
    names = [host_name(name) for name in allow_hosts]
    if host and not _is_ip(host):
        names.append(host_name(host))
    return names


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def split_authority(value: str) -> tuple[str, int | None] | None:
    """(name, port or None) of a Host header or an origin's ``host[:port]``, or None when it is malformed.

    The name comes back lower case, without a trailing dot and, for IPv6, without brackets.
    """
    if value.startswith("["):
        end = value.find("]")
        name, rest = value[1:end], value[end + 1 :]
        if end < 0 or not _is_ip(name) or (rest and not rest.startswith(":")):
            return None
        port_text = rest[1:] if rest else None
    else:
        if value.count(":") > 1:
            return None
        name, colon, port_text = value.partition(":")
        port_text = port_text if colon else None
    if not name or any(c.isspace() or c in "/@?#\\" for c in name):
        return None
    port = None
    if port_text is not None:
        if not (port_text.isascii() and port_text.isdigit() and len(port_text) <= 5 and int(port_text) <= 65535):
            return None
        port = int(port_text)
    return name.lower().rstrip("."), port


@dataclass(frozen=True)
class HostPolicy:
    """The Host names this server answers to, so that a web page on another name cannot reach it.

    DNS rebinding points an attacker's name at 127.0.0.1: the browser then sends that
    name in Host, which this policy refuses. An IP address in Host is always safe when
    the server listens on every address (0.0.0.0 or ::): a browser sends one only to
    the address it names, so the page that asks is on this machine already.
    """

    names: frozenset[str]
    port: int
    any_address: bool = False  # bound to 0.0.0.0 or ::
    loopback: bool = False  # bound to a loopback address: only this machine can connect

    @classmethod
    def for_address(cls, bound: str, port: int, extra: Iterable[str] = ()) -> HostPolicy:
        """The policy of a server bound to ``bound:port``, also answering to the ``extra`` names."""
        names = set(extra)
        ip = ipaddress.ip_address(bound.split("%")[0])
        if ip.is_unspecified:
            names |= LOOPBACK_NAMES | machine_names()
        elif ip.is_loopback:
            names |= LOOPBACK_NAMES | {ip.compressed}
        else:
            names.add(ip.compressed)
        return cls(frozenset(names), port, ip.is_unspecified, ip.is_loopback)

    def allows(self, name: str, port: int | None) -> bool:
        """Whether ``name[:port]`` (from split_authority) is this server: a known name, and this port or none."""
        if port is not None and port != self.port:
            return False
        return name in self.names or (self.any_address and _is_ip(name))

    def example(self) -> str:
        """One address to suggest in an error message."""
        name = "localhost" if "localhost" in self.names else min(self.names)
        return f"http://[{name}]:{self.port}/" if ":" in name else f"http://{name}:{self.port}/"


def machine_names() -> set[str]:
    """This machine's host names, as a browser on the network might spell them."""
    names = set()
    for get in (socket.gethostname, socket.getfqdn):
        try:
            names.add(get().lower().rstrip("."))
        except OSError:
            pass
    return {n for n in names if n}


def same_origin(origin: str, host: str) -> bool:
    """Whether an Origin header names the site the request's Host is: http, same name, same port (80 if none)."""
    scheme, sep, authority = origin.partition("://")
    if sep == "" or scheme.lower() != "http":
        return False
    theirs, ours = split_authority(authority), split_authority(host)
    if theirs is None or ours is None:
        return False
    return (theirs[0], theirs[1] or 80) == (ours[0], ours[1] or 80)


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


def model_info(model: Scorer) -> dict:
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


def parse_json(body: bytes) -> object:
    """The decoded body; anything json.loads refuses (bad syntax, a 5,000-digit number, deep nesting) is a 400."""
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise ApiError(HTTPStatus.BAD_REQUEST, "the body is not UTF-8") from None
    except RecursionError:
        raise ApiError(HTTPStatus.BAD_REQUEST, "the body is not valid JSON (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({exc.msg})") from None
    except ValueError as exc:  # e.g. "Exceeds the limit (4300 digits) for integer string conversion"
        reason = "a number has too many digits" if "digits" in str(exc) else one_line(exc)
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the body is not valid JSON ({reason})") from None


def parse_body(body: bytes, field: str, optional: Sequence[str] = ()) -> dict:
    """A JSON object body with ``field`` and maybe the ``optional`` ones, e.g. ``{"text": ...}``; else a 400."""
    data = parse_json(body)
    if not isinstance(data, dict) or field not in data or not set(data) <= {field, *optional}:
        got = sorted(data) if isinstance(data, dict) else type(data).__name__
        also = "".join(f', optionally "{name}"' for name in optional)
        raise ApiError(HTTPStatus.BAD_REQUEST, f'expected a JSON object {{"{field}": ...}}{also}, got {got}')
    return data


def parse_object(body: bytes) -> dict:
    """A body that must be an empty JSON object (the label actions that take no arguments)."""
    data = parse_json(body)
    if data != {}:
        raise ApiError(HTTPStatus.BAD_REQUEST, "expected an empty JSON object {}")
    return data


def score_texts(model: Scorer, texts: list[str], *, with_evidence: bool = False) -> list[dict]:
    """One result per text from ONE `score_batch` call (15 times faster than a call per text).

    Tones and rounded scores are those `tonecls score` writes (the same function
    builds them); the evidence, which costs a second pass per text, only when asked for.
    """
    rows = []
    for text, scored in zip(texts, score_batch(model, texts), strict=True):
        row: dict = {key: scored[key] for key in ("tones", "scores", "known_words", "note") if key in scored}
        if with_evidence:
            row["evidence"] = {t: evidence(model, text, t) for t in scored["tones"]}
        rows.append(row)
    return rows


def parse_index(query: dict[str, list[str]]) -> int:
    """``?index=N`` of an item request."""
    values = query.get("index", [])
    if len(values) != 1 or not values[0].isascii() or not values[0].isdigit() or len(values[0]) > 9:
        raise ApiError(HTTPStatus.BAD_REQUEST, "give one ?index=N (a whole number from 0)")
    return int(values[0])



class ToneHandler(BaseHTTPRequestHandler):
    """Routes: GET /, GET /api/info, POST /api/classify, POST /api/score; with a LabelDesk, /label and /api/label/*."""

    server: ToneServer
    timeout = 30  # seconds a client may stall mid-request

    routes = {
        "/": {"GET": "page"},
        "/api/info": {"GET": "info"},
        "/api/classify": {"POST": "classify"},
        "/api/score": {"POST": "score"},
        "/label": {"GET": "label_page"},
        "/api/label/state": {"GET": "label_state"},
        "/api/label/item": {"GET": "label_item"},
        "/api/label/accept": {"POST": "label_accept"},
        "/api/label/undo": {"POST": "label_undo"},
        "/api/label/add": {"POST": "label_add"},
        "/api/label/retrain": {"GET": "retrain_status", "POST": "retrain_start"},
    }

    def do_GET(self) -> None:  # http.server calls do_<METHOD>; every method goes to one router
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self) -> None:
        path = urlsplit(self.path).path
        self.body_read = False
        try:
            host = self.check_host()
            if self.command not in SAFE_METHODS:
                self.check_origin(host)
            if path == "/label" or path.startswith("/api/label/"):
                self.check_labeling(path)
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
        except ConnectionError:
            self.close_connection = True  # the client hung up: nobody to answer
        except Exception as exc:
            self.close_connection = True
            self.server.report(f"{self.address_string()} internal error on {self.command} {path}: {one_line(exc)}")
            self.send_json({"error": "internal error; the server's log has a one-line reason"}, HTTPStatus(500))

    def check_host(self) -> str:
        """The request's Host header, refused unless it names this server (see HostPolicy)."""
        values = self.headers.get_all("Host") or []
        if len(values) != 1:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"send exactly one Host header, not {len(values)}")
        host = values[0].strip()
        parsed = split_authority(host)
        if parsed is None:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the Host header {_shown(host)} is not a host[:port]")
        if not self.server.hosts.allows(*parsed):
            raise ApiError(
                HTTPStatus.MISDIRECTED_REQUEST,
                f"this server does not answer to Host {_shown(host)}; open {self.server.hosts.example()} "
                "or start `tonecls serve` with --allow-host NAME",
            )
        return host

    def check_origin(self, host: str) -> None:
        """A request that may change something is refused (403) when a browser says another site sent it."""
        origins = self.headers.get_all("Origin") or []
        if not origins:
            return  # not from a browser page (curl, scripts): nothing to check
        if len(origins) > 1 or not same_origin(origins[0].strip(), host):
            raise ApiError(
                HTTPStatus.FORBIDDEN,
                f"{self.command} from another site refused: Origin {_shown(origins[0])} is not http://{host}",
            )

    def check_labeling(self, path: str) -> None:
        """Labeling is there only with --label-into, and its API answers only requests with the page's token."""
        desk = self.server.labeler
        if desk is None:
            raise ApiError(
                HTTPStatus.NOT_FOUND, f"no such page: {path}; labeling is off (start tonecls serve with --label-into)"
            )
        if path != "/label" and not desk.token_ok(self.headers.get(TOKEN_HEADER)):
            raise ApiError(
                HTTPStatus.FORBIDDEN, f"{path} needs the {TOKEN_HEADER} header of the /label page's session"
            )

    def handle_page(self) -> None:
        headers = {"Content-Security-Policy": self.server.csp, "Cache-Control": "no-cache"}
        self.send_bytes(self.server.page, "text/html; charset=utf-8", HTTPStatus.OK, headers)

    def handle_info(self) -> None:
        self.send_json(self.server.info)

    def handle_classify(self) -> None:
        text = check_text(parse_body(self.read_body(), "text")["text"], "text")
        self.send_json(self.server.model.classify(text))

    def handle_score(self) -> None:
        data = parse_body(self.read_body(), "texts", ["evidence"])
        texts, with_evidence = data["texts"], data.get("evidence", False)
        if not isinstance(with_evidence, bool):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"evidence must be true or false, not {json.dumps(with_evidence)}")
        if not isinstance(texts, list):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"texts must be a list of strings, not {type(texts).__name__}")
        if len(texts) > MAX_TEXTS:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"{len(texts):,} texts; the limit is {MAX_TEXTS:,} per request"
            )
        checked = [check_text(t, f"texts[{i}]") for i, t in enumerate(texts)]
        self.send_json({"results": score_texts(self.server.model, checked, with_evidence=with_evidence)})

    def handle_label_page(self) -> None:
        headers = {"Content-Security-Policy": self.server.label_csp, "Cache-Control": "no-store"}  # holds the token
        self.send_bytes(self.server.labeler.page, "text/html; charset=utf-8", HTTPStatus.OK, headers)

    def handle_label_state(self) -> None:
        self.send_json(self.server.labeler.state())

    def handle_label_item(self) -> None:
        self.send_json(self.server.labeler.item(parse_index(parse_qs(urlsplit(self.path).query))))

    def handle_label_accept(self) -> None:
        data = parse_body(self.read_body(), "index", ["tones"])
        if "tones" not in data:
            raise ApiError(HTTPStatus.BAD_REQUEST, 'expected a JSON object {"index": ..., "tones": [...]}')
        self.send_json(self.server.labeler.accept(data["index"], data["tones"]))

    def handle_label_undo(self) -> None:
        parse_object(self.read_body())
        self.send_json(self.server.labeler.undo())

    def handle_label_add(self) -> None:
        self.send_json(self.server.labeler.add(parse_body(self.read_body(), "text")["text"]))

    def handle_retrain_status(self) -> None:
        self.send_json(self.server.labeler.retrainer.status())

    def handle_retrain_start(self) -> None:
        parse_object(self.read_body())
        self.send_json(self.server.labeler.retrainer.start(), HTTPStatus.ACCEPTED)

    def read_body(self) -> bytes:
        """The request body, refused (413) past MAX_BODY and (415) when it is not declared JSON."""
        length = self.content_length()
        if length > MAX_BODY:
            raise ApiError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"the body has {length:,} bytes; the limit is {MAX_BODY:,}"
            )
        self.body_read = True  # whatever happens next, the rest of this body is not worth waiting for
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            raise ApiError(HTTPStatus.REQUEST_TIMEOUT, f"the body did not arrive within {self.timeout} s") from None
        if len(body) < length:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the body ended after {len(body):,} of {length:,} bytes")
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
            # The request line is the client's: escape sequences in it must not reach the operator's terminal.
            self.server.log(visible(f"{self.address_string()} {format % args}", keep=""))

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors http.server raises itself (bad request line, unknown method) are JSON like ours."""
        self.close_connection = True
        status = HTTPStatus(code)
        self.send_json({"error": message or status.phrase}, status, {"Connection": "close"})


def _shown(value: str) -> str:
    """A client's header value, quoted and cut short, for an error message."""
    return repr(value if len(value) <= 80 else value[:80] + "…")


def make_server(
    model: Scorer,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    log: Callable[[str], None] | None = None,
    allow_hosts: Iterable[str] = (),
    labeler: LabelDesk | None = None,
    allow_remote_labeling: bool = False,
) -> ToneServer:
    """A server bound to ``host:port`` (port 0: any free port) sharing one loaded model.

    ``log`` receives one line per request and one per internal error; None logs no
    requests and sends internal errors to standard error. ``allow_hosts`` are more
    names the server answers to in the Host header (see HostPolicy). ``labeler``
    adds the /label page; it is refused on an address other machines can reach
    unless ``allow_remote_labeling``.
    """
    try:
        return ToneServer((host, port), model, log, allow_hosts, labeler, allow_remote_labeling)
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
