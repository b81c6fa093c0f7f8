"""The web server: every endpoint and every refusal, over real HTTP on a free local port."""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.errors import ToneclsError
from tonecls.model_file import load_model
from tonecls.serve import MAX_BODY, MAX_TEXT_CHARS, MAX_TEXTS, load_page, make_server, serve_forever
from tonecls.tones import TONES

from .conftest import TINY

ROOT = Path(__file__).resolve().parent.parent

STATEMENT = "We strongly condemn this unprovoked attack on our territory."


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return load_model(tiny_model_path)


@pytest.fixture(scope="module")
def server(model):
    srv = make_server(model, port=0)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    thread.join(timeout=10)


def request(server, path: str, *, method: str = "GET", body: bytes | None = None, ctype="application/json"):
    """(status, headers, parsed JSON or raw bytes) of one request."""
    req = urllib.request.Request(server.url.rstrip("/") + path, data=body, method=method)
    if body is not None and ctype:
        req.add_header("Content-Type", ctype)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            status, headers, data = resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        status, headers, data = exc.code, exc.headers, exc.read()
    if headers.get("Content-Type", "").startswith("application/json"):
        return status, headers, json.loads(data)
    return status, headers, data


def post(server, path: str, obj: object):
    return request(server, path, method="POST", body=json.dumps(obj).encode())


def test_page_is_self_contained_html(server):
    status, headers, page = request(server, "/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.decode("utf-8")
    assert '<textarea id="input"' in html and 'id="results"' in html
    assert not re.search(r"https?://", html), "the page must not load anything from another host"
    assert "innerHTML" not in html and "outerHTML" not in html and "insertAdjacentHTML" not in html
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert "'sha256-" in headers["Content-Security-Policy"]


def test_page_is_package_data():
    assert load_page().startswith(b"<!doctype html>")


def test_info(server, model):
    status, headers, info = request(server, "/api/info")
    assert status == 200
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert info["tones"] == list(TONES)
    assert info["thresholds"] == {t: round(float(th), 4) for t, th in zip(TONES, model.thresholds_, strict=True)}
    assert set(info["colours"]) == set(TONES)
    assert info["card"] == json.loads(json.dumps(model.card_))


def test_classify_equals_the_library(server, model):
    status, _, result = post(server, "/api/classify", {"text": STATEMENT})
    assert status == 200
    assert result == json.loads(json.dumps(model.classify(STATEMENT)))
    assert "condemnation" in result["tones"]


def test_score_with_evidence_gives_one_classify_result_per_text(server, model):
    texts = [STATEMENT, "We call on both sides to exercise restraint.", "Ünïcödé <b>tags</b> & “quotes”"]
    status, _, body = post(server, "/api/score", {"texts": texts, "evidence": True})
    assert status == 200
    assert body == {"results": [json.loads(json.dumps(model.classify(t))) for t in texts]}


def test_score_is_one_batch_equal_to_classify_text_by_text(server, model, monkeypatch):
    texts = [f"{text} ({i})" for i, (text, _) in enumerate(TINY * 3)]
    calls: list[int] = []
    real = model.predict_proba

    def counted(batch):
        calls.append(len(batch))
        return real(batch)

    monkeypatch.setattr(model, "predict_proba", counted)
    for evidence in (False, True):
        calls.clear()
        status, _, body = post(server, "/api/score", {"texts": texts, "evidence": evidence})
        assert status == 200
        assert calls == [len(texts)]  # one call to the model for the whole request
        expected = [json.loads(json.dumps(model.classify(t))) for t in texts]
        if not evidence:
            expected = [{"tones": e["tones"], "scores": e["scores"]} for e in expected]
        assert body["results"] == expected
    assert any(r["tones"] for r in body["results"]) and any(r["evidence"] for r in body["results"])


def test_score_of_no_texts(server):
    assert post(server, "/api/score", {"texts": []})[::2] == (200, {"results": []})


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        ("/api/classify", {"texts": ["x"]}, 'expected a JSON object {"text": ...}'),
        ("/api/classify", ["x"], 'expected a JSON object {"text": ...}, got list'),
        ("/api/classify", {"text": "x", "top": 3}, "got ['text', 'top']"),
        ("/api/classify", {"text": 3}, "text must be a string, not int"),
        ("/api/classify", {"text": "   "}, "text is empty"),
        ("/api/score", {"texts": "one text"}, "texts must be a list of strings, not str"),
        ("/api/score", {"texts": ["fine", None]}, "texts[1] must be a string, not NoneType"),
        ("/api/score", {"texts": ["fine"], "evidence": 1}, "evidence must be true or false, not 1"),
        ("/api/score", {"texts": ["fine"], "evidence": "yes"}, 'evidence must be true or false, not "yes"'),
        ("/api/score", {"texts": ["fine"], "top": 3}, 'expected a JSON object {"texts": ...}, optionally "evidence"'),
        ("/api/score", {"evidence": True}, "got ['evidence']"),
    ],
)
def test_wrong_shape_is_400(server, path, payload, message):
    status, _, body = post(server, path, payload)
    assert status == 400
    assert message in body["error"]
    assert "\n" not in body["error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"text": "unclosed', "the body is not valid JSON"),
        (b"\xff\xfe", "the body is not UTF-8"),
        (b"[" * 100_000, "the body is not valid JSON (nested too deeply)"),
        (b"", "the body is not valid JSON"),
    ],
)
def test_invalid_json_is_400(server, body, message):
    status, _, answer = request(server, "/api/classify", method="POST", body=body)
    assert status == 400
    assert answer["error"].startswith(message)


def test_body_over_the_limit_is_413(server):
    status, _, body = request(server, "/api/score", method="POST", body=b" " * (MAX_BODY + 1))
    assert status == 413
    assert body["error"] == f"the body has {MAX_BODY + 1:,} bytes; the limit is {MAX_BODY:,}"


def test_text_over_the_limit_is_413(server):
    status, _, body = post(server, "/api/classify", {"text": "a" * (MAX_TEXT_CHARS + 1)})
    assert status == 413
    assert (
        body["error"]
        == f"text has {MAX_TEXT_CHARS + 1:,} characters; the limit is {MAX_TEXT_CHARS:,} for one statement"
    )
    status, _, body = post(server, "/api/score", {"texts": ["fine", "a" * (MAX_TEXT_CHARS + 1)]})
    assert status == 413
    assert body["error"].startswith("texts[1] has 100,001 characters")


def test_too_many_texts_is_413(server):
    status, _, body = post(server, "/api/score", {"texts": ["x"] * (MAX_TEXTS + 1)})
    assert status == 413
    assert body["error"] == f"{MAX_TEXTS + 1:,} texts; the limit is {MAX_TEXTS:,} per request"


def test_unknown_path_is_404(server):
    status, headers, body = request(server, "/api/nothing?x=1")
    assert status == 404
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body["error"].startswith("no such page: /api/nothing")
    assert post(server, "/index.html", {"text": "x"})[0] == 404


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/classify", "POST"),
        ("PUT", "/api/score", "POST"),
        ("POST", "/", "GET"),
        ("DELETE", "/api/info", "GET"),
    ],
)
def test_wrong_method_is_405(server, method, path, allow):
    status, headers, body = request(server, path, method=method, body=b"{}" if method in ("POST", "PUT") else None)
    assert status == 405
    assert headers["Allow"] == allow
    assert body["error"] == f"{method} is not allowed on {path}; use {allow}"


def test_body_not_declared_json_is_415(server):
    status, _, body = request(server, "/api/classify", method="POST", body=b'{"text": "x"}', ctype="text/plain")
    assert status == 415
    assert "Content-Type: application/json" in body["error"]


def test_missing_content_length_is_411(server):
    conn = http.client.HTTPConnection(server.server_address[0], server.server_address[1], timeout=10)
    conn.putrequest("POST", "/api/classify")
    conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    resp = conn.getresponse()
    assert resp.status == 411
    assert json.loads(resp.read())["error"].startswith("send a Content-Length")
    conn.close()


def test_head_sends_no_body(server):
    conn = http.client.HTTPConnection(server.server_address[0], server.server_address[1], timeout=10)
    conn.request("HEAD", "/")
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.headers["Content-Length"]) > 1000
    assert resp.read() == b""
    conn.close()


def test_requests_are_logged_one_line_each(model):
    lines: list[str] = []
    srv = make_server(model, port=0, log=lines.append)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    try:
        request(srv, "/api/info")
        request(srv, "/nowhere")
    finally:
        srv.shutdown()
        thread.join(timeout=10)
    assert [line.split(" ", 1)[1] for line in lines] == [
        '"GET /api/info HTTP/1.1" 200 -',
        '"GET /nowhere HTTP/1.1" 404 -',
    ]


def test_port_in_use_is_a_user_error(model, server):
    with pytest.raises(
        ToneclsError, match=rf"cannot listen on 127.0.0.1:{server.server_address[1]} .*pick another --port"
    ):
        make_server(model, port=server.server_address[1])


def test_ctrl_c_stops_cleanly(model, monkeypatch):
    srv = make_server(model, port=0)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(srv, "serve_forever", interrupted)
    serve_forever(srv)  # returns instead of raising
    assert srv.socket.fileno() == -1  # and the socket is closed


def test_a_bug_is_a_500_with_json(server, monkeypatch, capfd):
    class Broken:
        def classify(self, text):
            raise RuntimeError("boom")

    monkeypatch.setattr(server, "model", Broken())
    status, _, body = post(server, "/api/classify", {"text": STATEMENT})
    assert status == 500
    assert body == {"error": "internal error; the server's log has a one-line reason"}
    assert capfd.readouterr().err == "127.0.0.1 internal error on POST /api/classify: RuntimeError: boom\n"


def test_concurrent_requests_get_their_own_answers(server, model):
    texts = [f"{STATEMENT} Number {i}." if i % 2 else f"We call for restraint, round {i}." for i in range(12)]
    answers: dict[int, dict] = {}

    def ask(i: int) -> None:
        answers[i] = post(server, "/api/classify", {"text": texts[i]})[2]

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(texts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert answers == {i: json.loads(json.dumps(model.classify(t))) for i, t in enumerate(texts)}


def serve_with_cli(monkeypatch, *args) -> tuple:
    """(CliRunner result, the server the command built) without serving forever."""
    built = []

    def fake_serve_forever(server):
        built.append(server)
        server.server_close()

    monkeypatch.setattr("tonecls.serve.serve_forever", fake_serve_forever)
    result = CliRunner().invoke(cli, ["serve", "--port", "0", *args])
    return result, built[0] if built else None


def test_cli_allow_host_adds_names(monkeypatch):
    result, server = serve_with_cli(monkeypatch, "--allow-host", "Tonecls.LAN.", "--allow-host", "[::1]", "-q")
    assert result.exit_code == 0, result.output
    assert server.hosts.allows("tonecls.lan", server.server_address[1])
    assert server.hosts.names == {"localhost", "127.0.0.1", "::1", "tonecls.lan"}
    assert not server.hosts.allows("evil.example", None)
    assert "answering to Host: 127.0.0.1, ::1, localhost, tonecls.lan (add names with --allow-host)" in result.output
    assert "warning" not in result.output


def test_cli_loopback_serve_prints_only_its_address(monkeypatch):
    result, server = serve_with_cli(monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output == f"serving {server.url} (Ctrl-C stops it)\n"


@pytest.mark.parametrize("name", ["tonecls.lan:8000", "", "http://tonecls.lan", "a b"])
def test_cli_bad_allow_host_is_a_one_line_error(monkeypatch, name):
    result, server = serve_with_cli(monkeypatch, "--allow-host", name)
    assert result.exit_code == 1 and server is None
    assert (
        result.output == f"Error: --allow-host {name!r}: give a host name or address without a port, e.g. tonecls.lan\n"
    )


def test_serve_load_benchmark_runs(tmp_path, tiny_model_path):
    """The benchmark end to end on a tiny budget (its timings are not checked)."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "serve_load.py"), "--model", str(tiny_model_path),
           "--requests", "20", "--seconds", "1", "--texts", "50", "--out-dir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads((tmp_path / "serve_load.json").read_text())
    assert result["sequential"]["requests"] == 20 and result["sequential"]["errors"] == 0
    assert result["concurrent"]["threads"] == 8 and result["concurrent"]["requests"] > 0
    assert result["concurrent"]["errors"] == 0
    assert result["score"]["texts"] == 50 and result["score"]["rows"] == 50
    assert "| /api/classify, sequential |" in done.stdout
