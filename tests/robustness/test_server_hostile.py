"""Hostile requests to `tonecls serve`: foreign Host and Origin, JSON bombs, stalled bodies, concurrent load."""

from __future__ import annotations

import http.client
import json
import socket
import sys
import threading

import numpy as np
import pytest

from tonecls.explain import evidence
from tonecls.model_file import load_model
from tonecls.serve import HostPolicy, ToneHandler, extra_host_names, make_server, serve_forever

from ..conftest import TINY

STATEMENT = "We strongly condemn this unprovoked attack on our territory."
OURS = object()  # the Host header a browser on http://127.0.0.1:<port>/ sends


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return load_model(tiny_model_path)


@pytest.fixture(scope="module")
def running(model):
    lines: list[str] = []
    srv = make_server(model, port=0, log=lines.append)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    yield srv, lines
    srv.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def served(running):
    """The running server and the lines its log gets during this test (requests and internal errors)."""
    running[1].clear()
    return running


def send(server, method: str, path: str, *, host=OURS, headers=(), body: bytes | None = None, timeout: float = 30):
    """(status, parsed JSON body) of one request with exactly the headers given."""
    addr, port = server.server_address[:2]
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        if host is OURS:
            host = f"127.0.0.1:{port}"
        for value in [host] if isinstance(host, str) else host or []:
            conn.putheader("Host", value)
        for key, value in headers:
            conn.putheader(key, value)
        if body is not None:
            conn.putheader("Content-Type", "application/json")
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read())
    finally:
        conn.close()


def classify_body(text: str = STATEMENT) -> bytes:
    return json.dumps({"text": text}).encode()


def assert_one_line_error(answer: dict, *, starts: str = "") -> None:
    assert set(answer) == {"error"}
    assert "\n" not in answer["error"] and "Traceback" not in answer["error"]
    assert answer["error"].startswith(starts)


# -- Host: DNS rebinding ---------------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "localhost.evil.example:{port}", "127.0.0.1.nip.io:{port}",
     "localhost:1", "127.0.0.1:{other}", "192.0.2.10:{port}", "[::2]:{port}"],
)  # fmt: skip
@pytest.mark.parametrize(("method", "path"), [("GET", "/"), ("GET", "/api/info"), ("POST", "/api/classify")])
def test_a_foreign_host_is_refused_with_421(served, host, method, path):
    server, lines = served
    port = server.server_address[1]
    host = host.format(port=port, other=port + 1 if port < 65535 else port - 1)
    body = classify_body() if method == "POST" else None
    status, answer = send(server, method, path, host=host, body=body)
    assert status == 421
    assert_one_line_error(answer, starts=f"this server does not answer to Host {host!r}; open http://localhost:")
    assert "--allow-host" in answer["error"]
    assert lines[-1].endswith(" 421 -")


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:{port}", "LocalHost:{port}", "localhost.:{port}", "127.0.0.1",
             "127.0.0.1:{port}", "[::1]", "[::1]:{port}"],
)  # fmt: skip
def test_this_machines_names_are_accepted(served, host):
    server, _ = served
    host = host.format(port=server.server_address[1])
    assert send(server, "GET", "/api/info", host=host)[0] == 200
    status, answer = send(server, "POST", "/api/classify", host=host, body=classify_body())
    assert status == 200 and "condemnation" in answer["tones"]


@pytest.mark.parametrize(
    ("host", "message"),
    [
        (None, "send exactly one Host header, not 0"),
        (["localhost", "evil.example"], "send exactly one Host header, not 2"),
        ("", "the Host header '' is not a host[:port]"),
        ("localhost:80:80", "the Host header 'localhost:80:80' is not a host[:port]"),
        ("[::1", "the Host header '[::1' is not a host[:port]"),
        ("localhost:http", "the Host header 'localhost:http' is not a host[:port]"),
        ("user@localhost", "the Host header 'user@localhost' is not a host[:port]"),
        ("x" * 200 + ":", "the Host header 'xxxxxxxx"),
    ],
)
def test_a_missing_or_malformed_host_is_400(served, host, message):
    server, _ = served
    status, answer = send(server, "GET", "/api/info", host=host)
    assert status == 400
    assert_one_line_error(answer, starts=message)
    assert len(answer["error"]) < 200


def test_a_long_foreign_host_is_cut_short_in_the_error(served):
    status, answer = send(served[0], "GET", "/api/info", host="x" * 5000)
    assert status == 421
    assert answer["error"].startswith("this server does not answer to Host '" + "x" * 80 + "…'; open")


def test_the_policy_of_each_kind_of_address(monkeypatch):
    monkeypatch.setattr(socket, "gethostname", lambda: "analyst-pc")
    monkeypatch.setattr(socket, "getfqdn", lambda *a: "analyst-pc.corp.example.")
    every = HostPolicy.for_address("0.0.0.0", 8000, ["tonecls.lan"])
    assert every.any_address and not every.loopback
    for name in ["analyst-pc", "analyst-pc.corp.example", "tonecls.lan", "localhost", "192.0.2.7", "0.0.0.0"]:
        assert every.allows(name, 8000) and every.allows(name, None), name
    assert not every.allows("evil.example", 8000)
    assert not every.allows("analyst-pc", 8001)
    assert HostPolicy.for_address("::", 8000).allows("2001:db8::5", 8000)

    one = HostPolicy.for_address("192.0.2.10", 8000)
    assert one.allows("192.0.2.10", 8000) and not one.loopback
    assert not one.allows("192.0.2.11", 8000) and not one.allows("localhost", 8000)
    assert not one.allows("analyst-pc", 8000)

    assert HostPolicy.for_address("::1", 8000).loopback

    loop = HostPolicy.for_address("127.0.0.1", 8000)
    assert loop.loopback and loop.names == {"localhost", "127.0.0.1", "::1"}
    assert not loop.allows("192.0.2.10", 8000) and not loop.allows("analyst-pc", 8000)


def test_a_host_given_by_name_is_one_of_the_servers_names():
    assert extra_host_names("Analyst-PC", ["tonecls.lan"]) == ["tonecls.lan", "analyst-pc"]
    assert extra_host_names("192.0.2.10", []) == extra_host_names("::", []) == extra_host_names("", []) == []


# -- Origin: cross-site requests that change state ----------------------------------


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "null", "http://localhost:{port}", "https://127.0.0.1:{port}",
     "http://127.0.0.1:{other}", "http://127.0.0.1", "http://127.0.0.1:{port}/", "127.0.0.1:{port}"],
)  # fmt: skip
def test_a_cross_origin_post_is_refused_with_403(served, origin):
    server, _ = served
    port = server.server_address[1]
    origin = origin.format(port=port, other=port + 1 if port < 65535 else port - 1)
    status, answer = send(server, "POST", "/api/classify", headers=[("Origin", origin)], body=classify_body())
    assert status == 403
    assert_one_line_error(answer, starts=f"POST from another site refused: Origin {origin!r}")


@pytest.mark.parametrize(
    ("host", "origin"),
    [("127.0.0.1:{port}", "http://127.0.0.1:{port}"), ("localhost:{port}", "http://LOCALHOST:{port}"),
     ("[::1]:{port}", "http://[::1]:{port}"), ("localhost", "http://localhost:80")],
)  # fmt: skip
def test_a_same_origin_post_is_accepted(served, host, origin):
    server, _ = served
    port = server.server_address[1]
    headers = [("Origin", origin.format(port=port))]
    status, answer = send(
        server, "POST", "/api/classify", host=host.format(port=port), headers=headers, body=classify_body()
    )
    assert status == 200 and "condemnation" in answer["tones"]


def test_a_post_without_origin_is_accepted_like_curl(served):
    status, answer = send(served[0], "POST", "/api/score", body=json.dumps({"texts": [STATEMENT]}).encode())
    assert status == 200 and len(answer["results"]) == 1


def test_reading_from_another_origin_is_left_to_the_browser(served):
    """GET changes nothing; the browser's same-origin policy keeps the other site from reading the answer."""
    assert send(served[0], "GET", "/api/info", headers=[("Origin", "http://evil.example")])[0] == 200


def test_two_origin_headers_are_refused(served):
    server, _ = served
    ours = f"http://127.0.0.1:{server.server_address[1]}"
    headers = [("Origin", ours), ("Origin", "http://evil.example")]
    assert send(server, "POST", "/api/classify", headers=headers, body=classify_body())[0] == 403


# -- JSON bombs and broken bodies: 400, one line, no traceback anywhere -----------


HUGE = "9" * 5000
BOMBS = {
    "huge integer text": (b'{"text": ' + HUGE.encode() + b"}", "a number has too many digits"),
    "huge integer in texts": (b'{"texts": [' + HUGE.encode() + b"]}", "a number has too many digits"),
    "huge integer evidence": (b'{"texts": [], "evidence": -' + HUGE.encode() + b"}", "a number has too many digits"),
    "unclosed arrays": (b"[" * 100_000, "nested too deeply"),
    "closed arrays": (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
    "objects": (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
    "text nested": (b'{"text": ' + b"[" * 3000 + b"]" * 3000 + b"}", "nested too deeply"),
}


@pytest.mark.parametrize("path", ["/api/classify", "/api/score"])
@pytest.mark.parametrize("case", sorted(BOMBS))
def test_json_bombs_are_400_without_a_traceback(served, capfd, path, case):
    server, lines = served
    body, reason = BOMBS[case]
    status, answer = send(server, "POST", path, body=body)
    assert status == 400
    assert_one_line_error(answer, starts=f"the body is not valid JSON ({reason})")
    assert lines == [f'127.0.0.1 "POST {path} HTTP/1.1" 400 -']
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "Error" not in out + err


@pytest.mark.parametrize("depth", [500, 900, 990, 1100])
def test_nesting_near_the_recursion_limit_is_400(served, depth):
    body = b'{"texts": ' + b"[" * depth + b"]" * depth + b"}"
    status, answer = send(served[0], "POST", "/api/score", body=body)
    assert status == 400
    assert_one_line_error(answer)
    assert answer["error"] in ("texts[0] must be a string, not list", "the body is not valid JSON (nested too deeply)")


def test_a_stalled_body_is_408_and_a_short_one_400(served, monkeypatch):
    server, lines = served
    monkeypatch.setattr(ToneHandler, "timeout", 1)  # seconds the client may stall; nothing here is timed
    for close_write, status, message in [
        (False, 408, "the body did not arrive within 1 s"),
        (True, 400, "the body ended after 2 of 10 bytes"),
    ]:
        with socket.create_connection(server.server_address[:2], timeout=30) as sock:
            head = "POST /api/classify HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            sock.sendall(head.encode() + b"Content-Length: 10\r\n\r\n{}")
            if close_write:
                sock.shutdown(socket.SHUT_WR)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(f"HTTP/1.0 {status} ".encode())
        assert json.loads(body) == {"error": message}
    assert [line.split('" ')[1] for line in lines] == ["408 -", "400 -"]


def test_a_bug_is_one_log_line_and_a_generic_500(served, capfd, monkeypatch):
    server, lines = served

    def broken(*args, **kwargs):
        raise RuntimeError("boom\non two lines")

    monkeypatch.setattr(server.model, "classify", broken)
    status, answer = send(server, "POST", "/api/classify", body=classify_body())
    assert status == 500
    assert answer == {"error": "internal error; the server's log has a one-line reason"}
    assert lines == [
        "127.0.0.1 internal error on POST /api/classify: RuntimeError: boom on two lines",
        '127.0.0.1 "POST /api/classify HTTP/1.1" 500 -',
    ]
    assert "Traceback" not in "".join(capfd.readouterr())


def test_without_a_log_a_bug_still_reaches_standard_error_in_one_line(model, capfd, monkeypatch):
    srv = make_server(model, port=0)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(srv.model, "predict_proba", lambda texts: 1 / 0)
        assert send(srv, "POST", "/api/score", body=b'{"texts": ["x"]}')[0] == 500
    finally:
        srv.shutdown()
        thread.join(timeout=10)
    out, err = capfd.readouterr()
    assert err == "127.0.0.1 internal error on POST /api/score: ZeroDivisionError: division by zero\n"


# -- Load: backlog and no global lock --------------------------------------------


def test_the_listen_backlog_is_real(served):
    assert served[0].request_queue_size >= 128


def test_many_connections_at_once_are_all_answered(model):
    """64 clients connect before the server accepts any, then all are answered (a backlog of 5 left most hanging)."""
    srv = make_server(model, port=0)
    addr = srv.server_address[:2]
    request = f"GET /api/info HTTP/1.1\r\nHost: localhost:{addr[1]}\r\n\r\n".encode()
    socks = []
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    try:
        for _ in range(64):
            socks.append(socket.create_connection(addr, timeout=10))  # the kernel queues them: nobody accepts yet
            socks[-1].sendall(request)
        thread.start()
        firsts = [sock.recv(12) for sock in socks]
    finally:
        for sock in socks:
            sock.close()
        if thread.is_alive():
            srv.shutdown()
            thread.join(timeout=10)
        srv.server_close()
    assert firsts == [b"HTTP/1.0 200"] * 64


def test_a_blocked_request_does_not_hold_up_the_others(served, monkeypatch):
    """One /api/score is stuck inside the model until released; a /api/classify meanwhile completes."""
    server, _ = served
    real = server.model.predict_proba
    inside, release = threading.Event(), threading.Event()

    def stuck_on_block(texts):
        if list(texts) == ["BLOCK"]:
            inside.set()
            assert release.wait(60)
        return real(texts)

    monkeypatch.setattr(server.model, "predict_proba", stuck_on_block)
    blocked: list = []
    thread = threading.Thread(
        target=lambda: blocked.append(send(server, "POST", "/api/score", body=b'{"texts": ["BLOCK"]}', timeout=90))
    )
    thread.start()
    try:
        assert inside.wait(30)
        status, answer = send(server, "POST", "/api/classify", body=classify_body(), timeout=30)
        finished_while_blocked = not release.is_set() and thread.is_alive()
    finally:
        release.set()
        thread.join(timeout=60)
    assert status == 200 and "condemnation" in answer["tones"]
    assert finished_while_blocked
    assert blocked and blocked[0][0] == 200 and len(blocked[0][1]["results"]) == 1


def test_prediction_is_thread_safe_while_caches_are_cleared(model):
    """Threads predict while another keeps clearing the per-word caches: every answer is the serial one."""
    texts = [text for text, _ in TINY] * 3
    expected = model.predict_proba(texts)
    expected_evidence = [evidence(model, t, "condemnation") for t in texts[:8]]
    features = model.features_
    stop = threading.Event()
    wrong: list[int] = []

    def clear_caches() -> None:
        while not stop.is_set():
            features.analyzer._words.clear()
            features.analyzer._chars.clear()
            features._char_columns.clear()

    def predict(worker: int) -> None:
        for _ in range(15):
            if not np.array_equal(model.predict_proba(texts), expected):
                wrong.append(worker)
            if [evidence(model, t, "condemnation") for t in texts[:8]] != expected_evidence:
                wrong.append(worker)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads as often as possible
    clearer = threading.Thread(target=clear_caches)
    workers = [threading.Thread(target=predict, args=(i,)) for i in range(4)]
    try:
        clearer.start()
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    finally:
        stop.set()
        clearer.join(timeout=10)
        sys.setswitchinterval(switch)
    assert not any(w.is_alive() for w in workers)
    assert wrong == []
