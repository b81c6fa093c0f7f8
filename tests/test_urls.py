"""http(s) URLs as inputs of `score` and `extract`, served by a loopback server (issue 14, item 2)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from tonecls import fetch
from tonecls.cli import cli
from tonecls.errors import InputError

from .documents import PRESS_RELEASE, text_pdf

PDF = text_pdf(["Our forces stand ready and will respond decisively", "to any attack on our territory."])
SLOW_WAIT = 10  # seconds at most that the slow page holds its answer (it is released when the test ends)


class Handler(BaseHTTPRequestHandler):
    """The pages of the test site; the server's ``release`` event frees the slow page."""

    def do_GET(self):  # noqa: N802 - the name http.server calls
        path = self.path
        if path == "/page.html":
            self.send(200, "text/html; charset=utf-8", PRESS_RELEASE.encode("utf-8"))
        elif path == "/statement.pdf":
            self.send(200, "application/pdf", PDF)
        elif path == "/plain.txt":
            self.send(200, "text/plain; charset=cp1252", b"\x93We call for restraint,\x94 the envoy said.")
        elif path.startswith("/hop/"):
            n = int(path.rsplit("/", 1)[1])
            self.redirect("/page.html" if n == 0 else f"/hop/{n - 1}")
        elif path == "/loop":
            self.redirect("/loop")
        elif path == "/to-ftp":
            self.redirect("ftp://127.0.0.1/file.txt")
        elif path == "/declared-big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
        elif path == "/streamed-big":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()  # no length: the body ends when the connection closes
            for _ in range(64):  # 256 kB at most, whatever the client does
                self.wfile.write(b"<p>" + b"x" * 4092 + b"</p>")
        elif path == "/logo.png":
            self.send(200, "image/png", b"\x89PNG\r\n\x1a\n")
        elif path == "/slow":
            self.server.release.wait(SLOW_WAIT)
            self.send(200, "text/html", b"<p>Too late.</p>")
        else:
            self.send(404, "text/html", b"<p>Not here.</p>")

    def send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site(monkeypatch):
    """The base URL of a server on 127.0.0.1 (an ephemeral port), stopped when the test ends."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.release = threading.Event()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.release.set()
        server.shutdown()
        server.server_close()
        thread.join(SLOW_WAIT)


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_score_reads_html_pdf_and_text_urls_and_skips_the_bad_ones_in_one_line(site):
    urls = [f"{site}/page.html", f"{site}/statement.pdf", f"{site}/plain.txt", f"{site}/missing", f"{site}/logo.png"]
    result = run("score", *urls)
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in jsonl(result.stdout)}
    assert list(rows) == urls[:3]
    assert "condemnation" in rows[urls[0]]["tones"] and "<" not in rows[urls[0]]["text"]
    assert "threat" in rows[urls[1]]["tones"]
    assert rows[urls[2]]["text"] == "\u201cWe call for restraint,\u201d the envoy said."
    assert f"{site}/missing: skipped: HTTP 404 Not Found\n" in result.stderr
    assert f"{site}/logo.png: skipped: content type image/png is not HTML, PDF or plain text\n" in result.stderr
    assert "scored 3 statements; skipped 2 inputs" in result.stderr


def test_extract_reads_a_url(site):
    result = run("extract", f"{site}/page.html")
    assert result.exit_code == 0, result.output
    found = jsonl(result.stdout)
    assert "This violation of our sovereignty is completely unacceptable" in [f["text"] for f in found]
    assert {f["source"]["file"] for f in found} == {f"{site}/page.html"}


def test_extract_names_the_url_when_it_fails(site):
    result = run("extract", f"{site}/missing")
    assert (result.exit_code, result.output) == (1, f"Error: {site}/missing: HTTP 404 Not Found\n")


def test_five_redirects_are_followed_and_a_sixth_is_refused(site):
    assert "strongly condemns" in fetch.fetch(f"{site}/hop/4").body.decode()  # 5 redirects
    with pytest.raises(InputError, match=r"more than 5 redirects \(a redirect loop\?\)"):
        fetch.fetch(f"{site}/hop/5")


def test_a_redirect_loop_and_a_redirect_to_another_scheme_are_refused(site):
    result = run("score", f"{site}/loop", f"{site}/to-ftp")
    assert result.exit_code == 1
    assert f"{site}/loop: skipped: more than 5 redirects (a redirect loop?)" in result.stderr
    assert f"{site}/to-ftp: skipped: not an http(s) URL: ftp://127.0.0.1/file.txt" in result.stderr


def test_a_body_over_the_size_limit_is_refused_declared_or_streamed(site, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_BYTES", 100_000)
    result = run("score", f"{site}/declared-big", f"{site}/streamed-big")
    assert result.exit_code == 1
    assert f"{site}/declared-big: skipped: too large (1,000,000,000 bytes; the limit is 100,000)" in result.stderr
    assert f"{site}/streamed-big: skipped: too large (more than the limit of 100,000 bytes)" in result.stderr


def test_a_slow_server_hits_the_timeout(site):
    result = run("score", "--timeout", "0.2", f"{site}/slow")
    assert result.exit_code == 1
    assert f"{site}/slow: skipped: no answer within 0.2 s (timed out)" in result.stderr


def test_a_refused_connection_and_an_unknown_host_are_one_line(monkeypatch):
    with socket.socket() as probe:  # a port that nothing listens on once this socket is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("extract", f"http://127.0.0.1:{port}/x.html")
    assert (result.exit_code, result.output) == (1, f"Error: http://127.0.0.1:{port}/x.html: connection refused\n")

    def no_dns(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    result = run("score", "https://no-such-host.invalid/statement.html")
    assert result.exit_code == 1
    assert "https://no-such-host.invalid/statement.html: skipped: cannot find the host (DNS lookup failed)" in (
        result.stderr
    )


def test_timeout_must_be_positive():
    result = run("score", "--timeout", "0", "x.txt")
    assert result.exit_code == 2 and "--timeout" in result.output


@pytest.mark.parametrize("drip", ["headers", "body"])
def test_a_server_that_drips_bytes_is_stopped_at_the_overall_deadline(monkeypatch, drip):
    """Every byte arrives within the read timeout, so only the whole fetch's deadline can stop it."""
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            if drip == "body":
                conn.sendall(b"Content-Type: text/plain\r\nContent-Length: 100000\r\n\r\n")
            while not stop.wait(0.1):
                try:
                    conn.sendall(b"X-Drip: 1\r\n" if drip == "headers" else b"x")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/drip"
    started = time.monotonic()
    try:
        with pytest.raises(InputError, match=r"the download took too long \(over 1 s\)"):
            fetch.fetch(url, timeout=5, max_seconds=1)
    finally:
        stop.set()
        listener.close()
        thread.join(10)
    assert time.monotonic() - started < 4.5  # the deadline, not the read timeout or the server, ended it
