"""The /label page's API over real HTTP: order, accept, undo, token, origin, retrain, and the CLI options."""

from __future__ import annotations

import base64
import errno
import hashlib
import http.client
import json
import os
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.errors import ToneclsError
from tonecls.label_web import LabelDesk, default_retrain_base
from tonecls.model_file import load_model
from tonecls.pool import read_pool
from tonecls.serve import make_server, serve_forever
from tonecls.suggest import suggest_next

from .conftest import write_jsonl

ROOT = Path(__file__).resolve().parent.parent
POOL = [
    "The ministry condemned the raid on its border post as a blatant violation.",
    "We call on both sides to show restraint and return to talks.",
    "Any further incursion will be met with a decisive response.",
    "The delegation will arrive on Tuesday for trade talks.",
    "Our territorial integrity is not up for discussion.",
    "We deplore the shelling and demand an immediate halt.",
]
ENDPOINTS = [
    ("GET", "/api/label/state", None),
    ("GET", "/api/label/item?index=0", None),
    ("POST", "/api/label/accept", {"index": 0, "tones": ["threat"]}),
    ("POST", "/api/label/undo", {}),
    ("POST", "/api/label/add", {"text": "A new statement."}),
    ("GET", "/api/label/retrain", None),
    ("POST", "/api/label/retrain", {}),
]


@pytest.fixture(scope="module")
def model(tiny_model_path):
    return load_model(tiny_model_path)


def pool_file(folder: Path, texts=POOL) -> Path:
    rows = [{"id": f"p{i}", "text": t, "context": f"Earlier text. {t} Later text.", "speaker": "a spokesperson",
             "source": {"file": "article.txt", "start": 10 * i, "end": 10 * i + len(t)}}
            for i, t in enumerate(texts)]  # fmt: skip
    return write_jsonl(folder / "pool.jsonl", rows)


def lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@contextmanager
def serving(model, desk=None, **kwargs):
    srv = make_server(model, port=0, labeler=desk, **kwargs)
    thread = threading.Thread(target=serve_forever, args=(srv,), daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        thread.join(timeout=10)
        if desk is not None:
            desk.retrainer.join(timeout=60)


def call(srv, method: str, path: str, body=None, *, token: str | None = None, origin: str | None = None):
    """(status, parsed JSON or bytes, headers) of one request with the given token and Origin headers."""
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=60)
    headers = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["X-Tonecls-Token"] = token
    if origin is not None:
        headers["Origin"] = origin
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        ctype = resp.headers.get("Content-Type", "")
        return resp.status, json.loads(raw) if ctype.startswith("application/json") else raw, resp.headers
    finally:
        conn.close()


@pytest.fixture
def desk(model, tmp_path, tiny_data):
    pool = read_pool(pool_file(tmp_path))
    return LabelDesk(model, pool, tmp_path / "labels.jsonl", retrain_base=[tiny_data])


@pytest.fixture
def srv(model, desk):
    with serving(model, desk) as s:
        yield s


def api(srv, method, path, body=None):
    """A request as the page sends it: with the session's token."""
    return call(srv, method, path, body, token=srv.labeler.token)


def test_label_page_is_404_without_label_into(model):
    with serving(model) as s:
        for path in ("/label", "/api/label/state", "/api/label/accept"):
            status, body, _ = call(s, "GET", path)
            assert status == 404
            assert body["error"] == f"no such page: {path}; labeling is off (start tonecls serve with --label-into)"
        assert call(s, "GET", "/")[0] == 200


def test_page_carries_the_token_under_a_strict_csp(srv, desk):
    status, page, headers = call(srv, "GET", "/label")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    html = page.decode("utf-8")
    assert f'<meta name="tonecls-token" content="{desk.token}">' in html
    assert len(desk.token) >= 40 and "__TONECLS_TOKEN__" not in html
    assert headers["Cache-Control"] == "no-store"
    csp = headers["Content-Security-Policy"]
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 1
    digest = base64.b64encode(hashlib.sha256(scripts[0].encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in csp and "default-src 'none'" in csp
    assert "unsafe-inline' ;" not in csp and "script-src 'unsafe" not in csp
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers: the CSP would block them"
    assert "innerHTML" not in html and "outerHTML" not in html and "insertAdjacentHTML" not in html
    assert not re.search(r"https?://", html), "the page must not load anything from another host"


def test_each_session_has_its_own_token(model, tmp_path):
    one = LabelDesk(model, [], tmp_path / "a.jsonl", retrain_base=[])
    two = LabelDesk(model, [], tmp_path / "a.jsonl", retrain_base=[])
    assert one.token != two.token and one.token_ok(one.token) and not one.token_ok(two.token)


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize("token", [None, "", "wrong-token", "é"])
def test_missing_or_wrong_token_is_403(srv, desk, method, path, body, token):
    status, answer, _ = call(srv, method, path, body, token=token)
    assert status == 403
    assert answer["error"] == f"{path.split('?')[0]} needs the X-Tonecls-Token header of the /label page's session"
    assert not desk.into.exists() and len(desk.queue) == len(POOL)
    assert desk.retrainer.status()["state"] == "idle"


@pytest.mark.parametrize(("method", "path", "body"), [e for e in ENDPOINTS if e[0] == "POST"])
def test_cross_origin_post_is_403_even_with_the_token(srv, desk, method, path, body):
    status, answer, _ = call(srv, method, path, body, token=desk.token, origin="http://evil.example")
    assert status == 403 and "from another site refused" in answer["error"]
    assert not desk.into.exists() and len(desk.queue) == len(POOL)


def test_same_origin_post_with_the_token_is_accepted(srv, desk):
    host, port = srv.server_address[:2]
    status, answer, _ = call(srv, "POST", "/api/label/accept", {"index": 0, "tones": []}, token=desk.token,
                             origin=f"http://{host}:{port}")  # fmt: skip
    assert status == 200, answer
    assert len(lines(desk.into)) == 1


def test_a_foreign_host_is_refused_before_the_token_is_looked_at(srv, desk):
    host, port = srv.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/label", headers={"Host": f"attacker.example:{port}"})
    resp = conn.getresponse()
    assert resp.status == 421 and desk.token.encode() not in resp.read()
    conn.close()


def test_queue_is_the_suggest_order_without_what_the_file_holds(model, tmp_path):
    pool_path = pool_file(tmp_path)
    into = write_jsonl(tmp_path / "labels.jsonl", [
        {"id": "p2", "text": "something else entirely", "labels": []},  # the same id: labeled
        {"text": POOL[4].upper() + "  ", "labels": ["sovereignty"]},  # the same text (as text_key sees it)
    ])  # fmt: skip
    pool = read_pool(pool_path)
    expected = [s.statement.id for s in suggest_next(model, pool, n=len(pool)) if s.statement.id not in ("p2", "p4")]
    desk = LabelDesk(model, pool, into, retrain_base=[])
    with serving(model, desk) as s:
        status, state, _ = api(s, "GET", "/api/label/state")
        assert status == 200
        assert (state["total"], state["already"], state["labeled"], state["position"]) == (4, 2, 0, 0)
        assert state["into"] == str(into) and state["tones"][0] == "condemnation"
        items = [api(s, "GET", f"/api/label/item?index={i}")[1] for i in range(state["total"])]
    assert [i["id"] for i in items] == expected
    assert expected != sorted(expected), "the pool's file order would pass this test by chance"
    first = items[0]
    statement = next(st for st in pool if st.id == first["id"])
    assert first["text"] == statement.text and first["context"] == statement.meta["context"]
    assert first["speaker"] == "a spokesperson" and first["source"].startswith("article.txt (characters ")
    probs = model.predict_proba([statement.text])[0]
    assert first["guess"]["tones"] == model.tones_of(probs)
    assert first["guess"]["scores"]["threat"] == round(float(probs[2]), 4)
    assert first["saved"] is None


def test_accept_is_on_disk_before_the_answer(srv, desk, monkeypatch):
    events = []
    real_fsync = os.fsync

    def fsync(fd):
        real_fsync(fd)
        events.append(("fsync", len(lines(desk.into))))

    real_send = srv.RequestHandlerClass.send_json

    def send_json(handler, obj, *args, **kwargs):
        events.append(("answer", len(lines(desk.into))))
        return real_send(handler, obj, *args, **kwargs)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(srv.RequestHandlerClass, "send_json", send_json)
    first = desk.queue[0]
    status, answer, _ = api(srv, "POST", "/api/label/accept", {"index": 0, "tones": ["threat", "condemnation"]})
    assert status == 200, answer
    assert events == [("fsync", 1), ("answer", 1)]
    assert lines(desk.into) == [{**first.to_json(), "labels": ["condemnation", "threat"]}]
    assert answer == {
        "saved": {"index": 0, "id": first.id, "labels": ["condemnation", "threat"]},
        "labeled": 1,
        "next": 1,
    }


def test_accepting_twice_is_refused_and_saved_items_say_so(srv, desk):
    assert api(srv, "POST", "/api/label/accept", {"index": 2, "tones": []})[0] == 200
    status, answer, _ = api(srv, "POST", "/api/label/accept", {"index": 2, "tones": ["threat"]})
    assert status == 409 and answer["error"] == "statement 3 is saved already; undo (u) takes back the last label"
    assert [r["labels"] for r in lines(desk.into)] == [[]]
    assert api(srv, "GET", "/api/label/item?index=2")[1]["saved"] == []
    assert api(srv, "GET", "/api/label/state")[1]["position"] == 0  # the first one still open


def test_next_skips_what_is_labeled_and_ends_with_none(srv, desk):
    last = len(POOL) - 1
    assert api(srv, "POST", "/api/label/accept", {"index": last - 1, "tones": []})[1]["next"] == last
    assert api(srv, "POST", "/api/label/accept", {"index": 0, "tones": []})[1]["next"] == 1
    assert api(srv, "POST", "/api/label/accept", {"index": last, "tones": []})[1]["next"] is None


def test_undo_takes_the_last_labels_out_of_the_file(srv, desk):
    api(srv, "POST", "/api/label/accept", {"index": 0, "tones": ["threat"]})
    api(srv, "POST", "/api/label/accept", {"index": 1, "tones": ["conciliation"]})
    before = desk.into.stat().st_ino
    status, answer, _ = api(srv, "POST", "/api/label/undo", {})
    assert status == 200
    assert answer == {"undone": {"index": 1, "labels": ["conciliation"]}, "labeled": 1}
    assert [r["id"] for r in lines(desk.into)] == [desk.queue[0].id]
    assert desk.into.stat().st_ino != before, "undo rewrites the file by a rename, never in place"
    assert api(srv, "GET", "/api/label/item?index=1")[1]["saved"] is None
    assert api(srv, "POST", "/api/label/accept", {"index": 1, "tones": []})[0] == 200  # can be labeled again
    api(srv, "POST", "/api/label/undo", {})
    api(srv, "POST", "/api/label/undo", {})
    assert lines(desk.into) == []
    status, answer, _ = api(srv, "POST", "/api/label/undo", {})
    assert status == 409 and answer["error"] == "nothing to undo: no label was accepted in this session"
    assert list(desk.into.parent.glob(".labels.jsonl.*")) == [], "no temp file left behind"


def test_undo_refuses_when_someone_else_changed_the_file(srv, desk):
    api(srv, "POST", "/api/label/accept", {"index": 0, "tones": ["threat"]})
    with open(desk.into, "a", encoding="utf-8") as fh:
        fh.write('{"text": "added by hand", "labels": []}\n')
    status, answer, _ = api(srv, "POST", "/api/label/undo", {})
    assert status == 409 and answer["error"].startswith("not undone: ")
    assert "changed during the session" in answer["error"]
    assert len(lines(desk.into)) == 2


def test_a_failed_write_is_not_acknowledged(srv, desk, monkeypatch):
    real_write = os.write

    def full_disk(fd, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "write", full_disk)
    status, answer, _ = api(srv, "POST", "/api/label/accept", {"index": 0, "tones": ["threat"]})
    monkeypatch.setattr(os, "write", real_write)
    assert status == 500
    assert answer["error"] == f"not saved: {desk.into}: No space left on device"
    assert not desk.into.exists()
    assert api(srv, "GET", "/api/label/state")[1]["labeled"] == 0
    assert api(srv, "POST", "/api/label/accept", {"index": 0, "tones": ["threat"]})[0] == 200
    assert len(lines(desk.into)) == 1


@pytest.mark.parametrize(
    ("path", "body", "status", "message"),
    [
        ("/api/label/accept", {"index": 0, "tones": ["threats"]}, 400, "unknown tone 'threats'"),
        ("/api/label/accept", {"index": 0, "tones": "threat"}, 400, "tones must be a list of tone names"),
        ("/api/label/accept", {"index": 99, "tones": []}, 404, "no statement 99: the queue has 6"),
        ("/api/label/accept", {"index": True, "tones": []}, 400, "index must be a whole number, not bool"),
        ("/api/label/accept", {"index": "0", "tones": []}, 400, "index must be a whole number, not str"),
        ("/api/label/accept", {"tones": []}, 400, 'expected a JSON object {"index": ...}'),
        ("/api/label/accept", {"index": 0}, 400, 'expected a JSON object {"index": ..., "tones": [...]}'),
        ("/api/label/add", {"text": "a \ud800 b"}, 400, "text holds a NUL or a lone surrogate"),
        ("/api/label/add", {"text": "a \u0000 b"}, 400, "text holds a NUL or a lone surrogate"),
        ("/api/label/undo", {"x": 1}, 400, "expected an empty JSON object {}"),
        ("/api/label/add", {"text": "  "}, 400, "text is empty"),
        ("/api/label/retrain", [], 400, "expected an empty JSON object {}"),
    ],
)
def test_bad_requests_get_one_line(srv, desk, path, body, status, message):
    got, answer, _ = api(srv, "POST", path, body)
    assert got == status and answer["error"].startswith(message) and "\n" not in answer["error"]
    assert not desk.into.exists()


@pytest.mark.parametrize("query", ["", "?index=-1", "?index=x", "?index=1&index=2", "?index=1234567890"])
def test_bad_item_query_is_400(srv, query):
    status, answer, _ = api(srv, "GET", "/api/label/item" + query)
    assert status == 400 and answer["error"] == "give one ?index=N (a whole number from 0)"


def test_a_pasted_statement_joins_the_queue(srv, desk):
    status, answer, _ = api(srv, "POST", "/api/label/add", {"text": "  We reject these baseless accusations.  "})
    assert status == 200 and answer == {"index": 6, "total": 7, "existing": False}
    item = api(srv, "GET", "/api/label/item?index=6")[1]
    assert item["text"] == "We reject these baseless accusations." and item["context"] is None
    assert api(srv, "POST", "/api/label/add", {"text": POOL[1].lower()})[1]["existing"] is True
    assert api(srv, "POST", "/api/label/accept", {"index": 6, "tones": ["condemnation"]})[0] == 200
    assert lines(desk.into) == [{"text": "We reject these baseless accusations.", "labels": ["condemnation"]}]


def test_a_pasted_statement_the_file_holds_is_refused(model, tmp_path):
    into = write_jsonl(tmp_path / "labels.jsonl", [{"text": "Already labeled here.", "labels": []}])
    desk = LabelDesk(model, [], into, retrain_base=[])
    with serving(model, desk) as s:
        status, answer, _ = api(s, "POST", "/api/label/add", {"text": "already labeled here"})
    assert status == 409 and answer["error"] == f"{into} already holds this statement"


def test_retrain_runs_in_the_background_with_progress_and_a_table(srv, desk, model, monkeypatch, tmp_path):
    gate = threading.Event()
    import tonecls.training

    real_train = tonecls.training.train

    def gated_train(*args, **kwargs):
        assert gate.wait(60)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(tonecls.training, "train", gated_train)
    for i in range(3):
        api(srv, "POST", "/api/label/accept", {"index": i, "tones": ["threat"] if i else []})
    status, started, _ = api(srv, "POST", "/api/label/retrain", {})
    assert status == 202
    assert (started["state"], started["done"], started["total"]) == ("running", 0, 2)  # the tiny card: 2 folds x 1
    assert started["model"] == str(tmp_path / "labels-retrain-1.model")
    assert started["files"] == [str(srv.labeler.retrainer.base[0]), str(desk.into)]
    assert api(srv, "GET", "/api/label/retrain")[1]["phase"] == "cross-validating"
    status, answer, _ = api(srv, "POST", "/api/label/retrain", {})
    assert status == 409 and answer["error"] == "a retraining is running already; wait for it to finish"
    assert api(srv, "POST", "/api/label/accept", {"index": 3, "tones": []})[0] == 200  # labeling goes on meanwhile
    gate.set()
    desk.retrainer.join(timeout=120)
    status, done, _ = api(srv, "GET", "/api/label/retrain")
    assert (done["state"], done["phase"], done["done"], done["total"]) == ("done", "done", 2, 2), done
    assert done["new"]["table"].startswith("| system | condemnation P / R / F1 |")
    assert "| tonecls |" in done["new"]["table"] and done["new"]["folds"] == 2
    assert done["old"] == {**done["old"], "folds": 2, "repeats": 1}
    assert done["old"]["systems"] == model.card_["cross_validation"]["systems"]
    assert done["counts"]["statements"] == 20 + 4  # the label saved while it waited is read when training starts
    retrained = load_model(done["model"])
    assert retrained.card_["counts"]["statements"] == 24
    assert Path(done["card"]).is_file()
    assert load_model(model.path_).card_ == model.card_, "the served model is untouched"
    api(srv, "POST", "/api/label/retrain", {})
    desk.retrainer.join(timeout=120)
    assert api(srv, "GET", "/api/label/retrain")[1]["model"] == str(tmp_path / "labels-retrain-2.model")


def test_progress_is_reported_fold_by_fold(desk, monkeypatch):
    seen = []
    real = desk.retrainer._progress

    def progress(done, total):
        real(done, total)
        seen.append({k: desk.retrainer.status()[k] for k in ("done", "total", "phase")})

    monkeypatch.setattr(desk.retrainer, "_progress", progress)
    desk.retrainer.start()
    desk.retrainer.join(timeout=120)
    assert seen == [
        {"done": 1, "total": 2, "phase": "cross-validating"},
        {"done": 2, "total": 2, "phase": "fitting the final model"},
    ]


def test_retrain_refuses_too_few_labels(model, tmp_path):
    into = write_jsonl(tmp_path / "labels.jsonl", [{"text": f"Statement number {i}.", "labels": []} for i in range(3)])
    desk = LabelDesk(model, [], into, retrain_base=[])
    with serving(model, desk) as s:
        status, answer, _ = api(s, "POST", "/api/label/retrain", {})
        assert status == 400
        assert answer["error"] == (
            f"too few labeled statements to retrain and cross-validate (2 folds): 3 real in {into}, "
            "at least 10 needed; label more, or start serve with --retrain-base LABEL_FILES"
        )
        assert api(s, "GET", "/api/label/retrain")[1]["state"] == "idle"
    empty = LabelDesk(model, [], tmp_path / "none.jsonl", retrain_base=[])
    with serving(model, empty) as s:
        assert "0 real in " in api(s, "POST", "/api/label/retrain", {})[1]["error"]


def test_retrain_reports_a_bad_label_file_in_one_line(model, tmp_path, tiny_data):
    base = write_jsonl(tmp_path / "base.jsonl", [{"text": "x y z", "labels": ["threats"]}])
    desk = LabelDesk(model, [], tmp_path / "labels.jsonl", retrain_base=[base])
    with serving(model, desk) as s:
        status, answer, _ = api(s, "POST", "/api/label/retrain", {})
    assert status == 400 and answer["error"].startswith(f"cannot retrain: {base}:1: unknown tone 'threats'")


def test_a_failing_retrain_says_why(desk, monkeypatch):
    def broken(*args, **kwargs):
        raise ToneclsError("models/: Read-only file system")

    monkeypatch.setattr("tonecls.model_file.save_model", broken)
    desk.retrainer.start()
    desk.retrainer.join(timeout=120)
    status = desk.retrainer.status()
    assert (status["state"], status["error"]) == ("failed", "models/: Read-only file system")


def test_the_label_file_inside_the_base_folder_is_trained_on_once(model, tmp_path, tiny_data):
    folder = tmp_path / "statements"
    folder.mkdir()
    (folder / "tiny.jsonl").write_bytes(tiny_data.read_bytes())
    into = write_jsonl(folder / "new.jsonl", [{"text": "A brand new statement here.", "labels": []}])
    desk = LabelDesk(model, [], into, retrain_base=[folder])
    assert desk.retrainer.training_files() == [into, folder / "tiny.jsonl"]


def test_retrain_never_writes_over_the_served_model(model, tmp_path):
    with pytest.raises(ToneclsError, match="is the model being served; retrain to another file"):
        LabelDesk(model, [], tmp_path / "labels.jsonl", retrain_base=[], retrain_out=model.path_)
    taken = tmp_path / "labels-retrain-1.model"
    taken.write_bytes(b"someone's file")
    desk = LabelDesk(model, [], tmp_path / "labels.jsonl", retrain_base=[])
    assert desk.retrainer.next_out() == tmp_path / "labels-retrain-2.model"
    with pytest.raises(ToneclsError, match="exists and is not a tonecls model"):
        LabelDesk(model, [], tmp_path / "labels.jsonl", retrain_base=[], retrain_out=taken)


def test_retrain_base_defaults_to_the_checkouts_statements(model, tmp_path, monkeypatch):
    assert default_retrain_base() == [ROOT / "statements"]
    assert LabelDesk(model, [], tmp_path / "labels.jsonl").retrainer.base == [ROOT / "statements"]
    monkeypatch.setattr("tonecls.resources.checkout_root", lambda: None)  # installed: the label file alone
    assert default_retrain_base() == []
    assert LabelDesk(model, [], tmp_path / "labels.jsonl").retrainer.base == []


def test_labeling_on_a_reachable_address_needs_the_explicit_flag(model, tmp_path):
    desk = LabelDesk(model, [], tmp_path / "labels.jsonl", retrain_base=[])
    with pytest.raises(ToneclsError, match="add --allow-remote-labeling"):
        make_server(model, "0.0.0.0", 0, labeler=desk)
    srv = make_server(model, "0.0.0.0", 0, labeler=desk, allow_remote_labeling=True)
    srv.server_close()


# -- the command line -------------------------------------------------------------------------------------------


def serve_cli(monkeypatch, *args, during=None):
    """(CliRunner result, server): runs `tonecls serve` for real while ``during(server)`` sends requests."""
    built = []

    def fake_serve_forever(server):
        built.append(server)
        if during is None:
            server.server_close()
            return
        thread = threading.Thread(target=serve_forever, args=(server,), daemon=True)
        thread.start()
        try:
            during(server)
        finally:
            server.shutdown()
            thread.join(timeout=10)

    monkeypatch.setattr("tonecls.serve.serve_forever", fake_serve_forever)
    result = CliRunner().invoke(cli, ["serve", "--port", "0", "-q", *[str(a) for a in args]])
    return result, built[0] if built else None


def test_cli_serves_label_page_and_appends_labels(monkeypatch, tmp_path, tiny_data):
    into = tmp_path / "labels.jsonl"
    seen = {}

    def label_two(server):
        page = call(server, "GET", "/label")[1].decode()
        token = re.search(r'name="tonecls-token" content="([^"]+)"', page).group(1)
        seen["state"] = call(server, "GET", "/api/label/state", token=token)[1]
        for i, tones in enumerate([["threat"], []]):
            assert call(server, "POST", "/api/label/accept", {"index": i, "tones": tones}, token=token)[0] == 200
        seen["lines"] = lines(into)

    result, server = serve_cli(
        monkeypatch, "--label-into", into, "--pool", pool_file(tmp_path), "--retrain-base", tiny_data, during=label_two
    )
    assert result.exit_code == 0, result.output
    assert f"labeling 6 statements (0 already in {into}) at {server.url}label\n" in result.output
    assert seen["state"]["total"] == 6 and seen["state"]["retrain"]["base"] == [str(tiny_data)]
    assert [r["labels"] for r in seen["lines"]] == [["threat"], []]
    again, _ = serve_cli(monkeypatch, "--label-into", into, "--pool", pool_file(tmp_path))
    assert f"labeling 4 statements (2 already in {into})" in again.output


def test_cli_says_when_it_stops_during_a_retraining(monkeypatch, tmp_path, tiny_data):
    gate = threading.Event()
    import tonecls.training

    real_train = tonecls.training.train

    def gated_train(*args, **kwargs):
        gate.wait(60)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(tonecls.training, "train", gated_train)
    into = write_jsonl(tmp_path / "labels.jsonl", [{"text": "One labeled statement.", "labels": []}])

    def start_retraining(server):
        assert api(server, "POST", "/api/label/retrain", {})[0] == 202

    result, server = serve_cli(monkeypatch, "--label-into", into, "--retrain-base", tiny_data, during=start_retraining)
    gate.set()
    server.labeler.retrainer.join(timeout=120)
    assert result.exit_code == 0, result.output
    assert result.output.endswith("stopped during a retraining: its model was not written\n")


def test_cli_label_into_without_pool_starts_an_empty_queue(monkeypatch, tmp_path):
    result, server = serve_cli(monkeypatch, "--label-into", tmp_path / "labels.jsonl")
    assert result.exit_code == 0, result.output
    assert server.labeler is not None and server.labeler.queue == []


def test_cli_refuses_labeling_on_a_reachable_address(monkeypatch, tmp_path):
    into = tmp_path / "labels.jsonl"
    result, _ = serve_cli(monkeypatch, "--host", "0.0.0.0", "--label-into", into)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: --label-into writes to {into} from the page, and on 0.0.0.0 anyone who can reach this machine "
        "could open it; listen on 127.0.0.1 (the default), or add --allow-remote-labeling\n"
    )
    allowed, server = serve_cli(monkeypatch, "--host", "0.0.0.0", "--label-into", into, "--allow-remote-labeling")
    assert allowed.exit_code == 0, allowed.output
    assert f"warning: anyone who can reach 0.0.0.0 can write labels to {into}" in allowed.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pool", "p.jsonl"], "--pool, --retrain-base, --retrain-out and --allow-remote-labeling need --label-into"),
        (["--label-into", "labels.csv"], "labels.csv: labels are appended as JSON Lines; use a .jsonl file"),
        (["--label-into", "labels.jsonl", "--pool", "missing.jsonl"], "missing.jsonl"),
        (["--label-into", "labels.jsonl", "--retrain-base", "nowhere"], "nowhere: no such file or folder"),
    ],
)
def test_cli_bad_label_options_are_one_line(monkeypatch, tmp_path, args, message):
    monkeypatch.chdir(tmp_path)
    result, server = serve_cli(monkeypatch, *args)
    assert result.exit_code in (1, 2) and server is None
    assert message in result.output and "Traceback" not in result.output


def test_cli_refuses_a_torn_label_file(monkeypatch, tmp_path):
    into = tmp_path / "labels.jsonl"
    into.write_text('{"text": "a b", "labels": []}\n{"text": "cut', encoding="utf-8")
    result, server = serve_cli(monkeypatch, "--label-into", into)
    assert result.exit_code == 1 and server is None
    assert result.output == (
        f"Error: {into}:2: the last line is cut off (an earlier write did not finish); "
        "delete or complete it, then run again\n"
    )
