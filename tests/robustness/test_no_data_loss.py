"""Writes are atomic: a failed or concurrent run never leaves a partial or mixed file."""

import json
import subprocess
import sys
import zipfile

import numpy as np
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.model_file import load_model
from tonecls.predictor import TonePredictor

from ..conftest import TINY

TINY_SETTINGS = ["--set", "min_df=1", "--set", "C=1.0", "--set", "inner_folds=2", "--repeats", "0"]


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_train_failing_while_writing_keeps_the_old_model(tmp_path, tiny_data, tiny_model_path, monkeypatch):
    out = tmp_path / "m.model"
    out.write_bytes(tiny_model_path.read_bytes())
    calls = {"n": 0}
    real = zipfile.ZipFile.writestr

    def failing(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", failing)
    result = CliRunner().invoke(cli, ["train", str(tiny_data), "--out", str(out), *TINY_SETTINGS])
    assert result.exit_code != 0
    assert out.read_bytes() == tiny_model_path.read_bytes()
    assert leftovers(tmp_path) == []


def test_two_trainings_at_once_leave_one_complete_model(tmp_path, tiny_data):
    out = tmp_path / "m.model"
    cmd = [sys.executable, "-m", "tonecls", "train", str(tiny_data), "--out", str(out), "-q", *TINY_SETTINGS]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err.decode()
    model = load_model(out)
    assert model.predict_proba([t for t, _ in TINY]).shape == (len(TINY), 4)
    assert leftovers(tmp_path) == []


def test_interrupted_score_leaves_no_output(tmp_path, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": TINY[i % len(TINY)][0]}) + "\n" for i in range(1500)))
    out = tmp_path / "out.csv"
    real = TonePredictor.predict_proba_with_coverage  # what `score` calls: probabilities and word counts
    calls = {"n": 0}

    def interrupted(self, texts):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(self, texts)

    monkeypatch.setattr(TonePredictor, "predict_proba_with_coverage", interrupted)
    result = CliRunner().invoke(cli, ["score", str(src), "--out", str(out)])
    assert result.exit_code != 0
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_interrupted_score_keeps_an_existing_output_intact(tmp_path, monkeypatch):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": "We condemn it."}) + "\n" for i in range(1500)))
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    stop = lambda self, texts: (_ for _ in ()).throw(KeyboardInterrupt)  # noqa: E731
    monkeypatch.setattr(TonePredictor, "predict_proba_with_coverage", stop)
    result = CliRunner().invoke(cli, ["score", str(src), "--out", str(out), "--force"])
    assert result.exit_code != 0
    assert out.read_text() == "previous results\n"


def test_completed_score_output_is_whole(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": TINY[i % len(TINY)][0]}) + "\n" for i in range(1500)))
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(cli, ["score", str(src), "--out", str(out)]).exit_code == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == [str(i) for i in range(1500)]
    assert np.isfinite([v for r in rows for v in r["scores"].values()]).all()
