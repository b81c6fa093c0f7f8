import csv
import json

import numpy as np
import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.tones import TONES

from .conftest import TINY, tiny_rows, write_jsonl

SAMPLE = "We strongly condemn this unprovoked attack and reserve the right to respond."


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


@pytest.mark.parametrize("how", ["argument", "dash", "stdin"])
def test_classify_reads_argument_or_stdin(how):
    args = {
        "argument": ["classify", "--json", SAMPLE],
        "dash": ["classify", "--json", "-"],
        "stdin": ["classify", "--json"],
    }
    result = run(*args[how], input=None if how == "argument" else SAMPLE)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert sorted(out) == ["evidence", "scores", "tones"]
    assert list(out["scores"]) == list(TONES)
    assert all(0.0 <= p <= 1.0 for p in out["scores"].values())
    assert set(out["evidence"]) == set(out["tones"])
    assert "condemnation" in out["tones"]
    for phrases in out["evidence"].values():
        assert all(isinstance(p, str) and w > 0 for p, w in phrases)


def test_classify_text_shows_bars_tones_and_evidence():
    result = run("classify", SAMPLE)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[1] if line.startswith("*") else line.split()[0] for line in lines[:4]] == list(TONES)
    assert "|" in lines[0] and "threshold" in lines[0]
    assert lines[4].startswith("tones: ") and "condemnation" in lines[4]
    assert any(line.startswith("  condemnation because of: '") for line in lines)


def test_classify_lines_gives_one_result_per_line():
    result = run("classify", "--lines", "--json", input="We condemn the attack.\n\nWe call for restraint.\n")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 2
    assert "condemnation" in rows[0]["tones"] and "conciliation" in rows[1]["tones"]


def test_classify_without_text_is_a_user_error():
    result = CliRunner().invoke(cli, ["classify"], input="  \n")
    assert result.exit_code == 1
    assert result.output == "Error: no statement given: pass TEXT or pipe it on standard input\n"


def test_classify_with_bad_model_is_one_line(tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_text("not a model")
    result = CliRunner().invoke(cli, ["classify", "--model", str(bad), "x"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "not a readable tonecls model file" in result.output
    assert "Traceback" not in result.output


def test_bad_usage_exits_2():
    assert CliRunner().invoke(cli, ["classify", "--top", "0", "x"]).exit_code == 2
    assert CliRunner().invoke(cli, ["nosuchcommand"]).exit_code == 2


def test_score_folder_with_broken_file_writes_complete_csv(tmp_path):
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    for i, (text, _) in enumerate(TINY):
        (folder / ("sub" if i % 2 else "") / f"s{i:02d}.txt").write_text(text, encoding="utf-8")
    (folder / "broken.txt").write_bytes(b"\x00\x01\x02binary")
    (folder / "empty.txt").write_text("  \n")
    (folder / "not-read.json").write_text("{}")
    out = tmp_path / "scores.csv"
    result = CliRunner().invoke(cli, ["score", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{folder / 'broken.txt'}: skipped: contains NUL bytes" in result.output
    assert f"{folder / 'empty.txt'}: skipped: empty file" in result.output
    assert f"scored {len(TINY)} statements to {out}; skipped 3 inputs; not read: 1 .json" in result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == len(TINY)
    assert list(rows[0])[:6] == ["id", "tones", *(f"score_{t}" for t in TONES)]
    assert {r["id"] for r in rows} == {str(p) for p in folder.rglob("s*.txt")}


def test_score_jsonl_carries_fields_and_reports_bad_lines(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "We condemn it.", "actor": "X", "date": "2024-01-16"}\n'
        "{broken\n"
        '{"text": "We call for calm."}\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["score", str(src)])
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", f"{src}:3"]
    assert rows[0]["actor"] == "X" and rows[0]["date"] == "2024-01-16"
    assert sorted(rows[0]["scores"]) == sorted(TONES)
    assert f"{src}:2: skipped: invalid JSON" in result.stderr


def test_score_refuses_to_overwrite_without_force(tmp_path):
    src = tmp_path / "a.txt"
    src.write_text("We condemn it.")
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    result = CliRunner().invoke(cli, ["score", str(src), "--out", str(out)])
    assert result.exit_code == 1 and "already exists; use --force to replace it" in result.output
    assert out.read_text() == "precious\n"
    assert run("score", str(src), "--out", str(out), "--force").exit_code == 0
    assert json.loads(out.read_text())["id"] == str(src)


def test_score_with_nothing_readable_fails(tmp_path):
    (tmp_path / "a.txt").write_text("")
    result = CliRunner().invoke(cli, ["score", str(tmp_path)])
    assert result.exit_code == 1 and "nothing was scored (every input was skipped)" in result.output


def test_score_in_parallel_matches_serial(tmp_path):
    src = write_jsonl(tmp_path / "in.jsonl", [{"id": str(i), "text": t} for i, (t, _) in enumerate(TINY * 3)])
    one = run("score", str(src), "--jobs", "1").stdout
    two = run("score", str(src), "--jobs", "2").stdout
    assert one == two and len(one.splitlines()) == len(TINY) * 3


def test_train_then_evaluate_explain_info(tmp_path, tiny_data):
    out = tmp_path / "m.model"
    result = run(
        "train",
        str(tiny_data),
        "--out",
        str(out),
        "--folds",
        "2",
        "--repeats",
        "1",
        "--set",
        "min_df=1",
        "--set",
        "C=1.0",
        "--set",
        "inner_folds=2",
    )
    assert result.exit_code == 0, result.output
    assert f"trained on {len(TINY)} statements ({len(TINY)} real, 0 constructed)" in result.output
    assert "| tonecls |" in result.output and "| majority |" in result.output
    assert out.exists() and (tmp_path / "m.card.md").exists()

    ev = json.loads(run("evaluate", str(tiny_data), "--model", str(out), "--json").output)
    assert ev["scored"] == len(TINY) and ev["seen_in_training"] is True
    assert set(ev["systems"]) == {"tonecls", "majority"}
    assert 0.0 <= ev["systems"]["tonecls"]["macro_f1"] <= 1.0

    ex = json.loads(run("explain", "--model", str(out), "--tone", "threat", "--top", "3", "--json").output)
    assert list(ex) == ["threat"] and len(ex["threat"]["positive"]) <= 3

    info = run("info", "--model", str(out))
    assert "# tonecls model card" in info.output and str(tiny_data.name) in info.output


def test_train_with_bad_labels_keeps_old_model(tmp_path, tiny_model_path):
    out = tmp_path / "m.model"
    out.write_bytes(tiny_model_path.read_bytes())
    bad = write_jsonl(tmp_path / "bad.jsonl", [*tiny_rows(), {"text": "We warn them", "labels": ["threats"]}])
    result = CliRunner().invoke(cli, ["train", str(bad), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == f"Error: {bad}:21: unknown tone 'threats' (did you mean 'threat'?)\n"
    assert out.read_bytes() == tiny_model_path.read_bytes()


def test_validate_reports_and_exits(tmp_path, tiny_data):
    ok = run("validate", str(tiny_data))
    assert ok.exit_code == 0 and f"{len(TINY)} valid statements in 1 files; 0 errors" in ok.output
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "x y z", "labels": ["anger"]}])
    result = CliRunner().invoke(cli, ["validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:1: error: unknown tone 'anger'" in result.output


def test_unknown_setting_is_a_user_error(tiny_data, tmp_path):
    result = CliRunner().invoke(cli, ["train", str(tiny_data), "--out", str(tmp_path / "m"), "--set", "colour=red"])
    assert result.exit_code == 1 and result.output == "Error: unknown setting(s): colour\n"


def test_report_from_scored_output(tmp_path):
    scored = tmp_path / "scores.jsonl"
    rows = [
        {"id": "a", "text": "We condemn the strike.", "actor": "A", "date": "2024-01-16", "speaker": "FM"},
        {"id": "b", "text": "We call for restraint.", "actor": "B", "date": "2024-01-18"},
        {"id": "c", "text": "No date here."},
    ]
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    assert run("score", str(src), "--out", str(scored)).exit_code == 0
    scored.write_text(scored.read_text() + "{broken\n")
    out, figs = tmp_path / "r.html", tmp_path / "figs"
    result = CliRunner().invoke(cli, ["report", str(scored), "--out", str(out), "--png", str(figs)])
    assert result.exit_code == 0, result.output
    assert f"{scored}:4: skipped: invalid JSON" in result.stderr
    html = out.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "No date here." in html
    assert list(figs.glob("*.png"))
    again = CliRunner().invoke(cli, ["report", str(scored), "--out", str(out)])
    assert again.exit_code == 1 and "already exists; use --force to replace it" in again.output
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = CliRunner().invoke(cli, ["report", str(empty), "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "empty" in result.output


def test_serve_refuses_a_port_in_use():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_train_refuses_to_replace_a_file_that_is_not_a_model(tmp_path, tiny_data):
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    result = CliRunner().invoke(cli, ["train", str(tiny_data), "--out", str(notes), "--repeats", "0"])
    assert result.exit_code == 1
    assert result.output == f"Error: {notes}: exists and is not a tonecls model; use --force to replace it\n"
    assert notes.read_text() == "my notes\n"


@pytest.mark.parametrize(
    "setting, message",
    [
        ("C=abc", "setting C: expected a number from 1e-06 to 1e+06, or none (choose by cross-validation), got 'abc'"),
        ("class_weight=heavy", "setting class_weight: expected one of balanced, None, got 'heavy'"),
        ("char_ngrams=2,4,6", "setting char_ngrams: expected two whole numbers LOW,HIGH from 1 to 8, or none, got"),
        ("stem=maybe", "setting stem: expected true or false, got 'maybe'"),
    ],
)
def test_bad_settings_fail_before_training(tmp_path, tiny_data, setting, message):
    result = CliRunner().invoke(cli, ["train", str(tiny_data), "--out", str(tmp_path / "m.model"), "--set", setting])
    assert result.exit_code == 1 and message in result.output and "Traceback" not in result.output


def test_boolean_settings_are_parsed_not_taken_as_text(tmp_path, tiny_data):
    out = tmp_path / "m.model"
    args = ["train", str(tiny_data), "--out", str(out), "--repeats", "0", "--set", "stem=False", "--set", "C=1"]
    assert run(*args, "--set", "min_df=1", "--set", "inner_folds=2").exit_code == 0
    from tonecls.model_file import load_model

    model = load_model(out)
    assert model.settings.stem is False
    assert "denounced" in model.features_.blocks_[0].vocabulary


@pytest.mark.parametrize("how", ["classify", "score"])
def test_standard_input_is_decoded_like_a_file(how):
    args = ["classify"] if how == "classify" else ["score", "-"]
    result = CliRunner().invoke(cli, args, input=b"caf\xe9 statement\n")
    assert result.exit_code == 1
    assert "not valid UTF-8 (byte 3)" in result.output


def test_models_are_calibrated_unless_told_not_to_and_info_shows_it(tmp_path, tiny_data):
    common = ["--repeats", "0", "--set", "min_df=1", "--set", "inner_folds=2", "--set", "char_ngrams=none"]
    paths = {}
    for name, extra in (("calibrated", []), ("raw", ["--set", "calibrate=false"])):
        paths[name] = tmp_path / f"{name}.model"
        assert run("train", str(tiny_data), "--out", str(paths[name]), *common, *extra).exit_code == 0
    raw_info = run("info", "--model", str(paths["raw"]))
    assert raw_info.exit_code == 0 and "calibration (slope, intercept)" in raw_info.output
    assert raw_info.output.count("| 1.000, +0.000 |") == 4  # the uncalibrated model keeps its log-odds
    info = run("info", "--model", str(paths["calibrated"])).output
    assert info.count("| 1.000, +0.000 |") < 4
    from tonecls.model_file import load_model

    text = "We strongly condemn this unprovoked attack on our territory."
    calibrated, raw = (load_model(paths[n]) for n in ("calibrated", "raw"))
    z = calibrated.pipeline_.decision_function([text])[0]
    expected = 1 / (1 + np.exp(-(calibrated.calibration_[:, 0] * z + calibrated.calibration_[:, 1])))
    scores = json.loads(run("classify", "--model", str(paths["calibrated"]), "--json", text).output)["scores"]
    assert [scores[t] for t in TONES] == pytest.approx(expected, abs=1e-4)
    assert not np.allclose(calibrated.calibration_, raw.calibration_)
