"""Each benchmark script runs end to end on a tiny input (their timings are not checked here)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_script(name, *args):
    cmd = [sys.executable, str(ROOT / "benchmarks" / name), *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_accuracy_script(tmp_path, tiny_data):
    out = run_script(
        "accuracy.py",
        "--data",
        tiny_data,
        "--folds",
        "2",
        "--repeats",
        "1",
        "--no-embed",
        "--no-ablation",
        "--out-dir",
        tmp_path,
    )
    assert "## 1. Grouped cross-validation" in out and "| keyword cues |" in out
    result = json.loads((tmp_path / "accuracy.json").read_text())
    assert set(result["tables"]["cross_validation"]) >= {"majority", "keyword cues", "tonecls"}
    assert result["machine"]["cores"] >= 1


def test_speed_script(tmp_path, tiny_model_path):
    out = run_script(
        "speed.py",
        "--model",
        tiny_model_path,
        "--sizes",
        "60",
        "--files",
        "15",
        "--train-sizes",
        "40",
        "--runs",
        "1",
        "--no-embed",
        "--out-dir",
        tmp_path,
    )
    result = json.loads((tmp_path / "speed.json").read_text())
    row = result["batch"]["60"]
    assert row["tonecls"]["cpu"] > 0 and row["floor"]["wall"] > 0 and row["ratio"]["cpu"] > 0
    assert result["score_folder"]["rows"] == 15
    assert result["cold_start"]["ratio"] > 0
    assert "cold start" in out


@pytest.mark.parametrize("sizes", [("20", "40")])
def test_memory_script(tmp_path, tiny_model_path, sizes):
    run_script("memory.py", "--model", tiny_model_path, "--sizes", *sizes, "--out-dir", tmp_path)
    result = json.loads((tmp_path / "memory.json").read_text())
    assert [result["runs"][s]["rows_written"] for s in sizes] == [20, 40]
    assert result["runs"]["20"]["peak_rss_mb"] > 10


def test_jobs_script(tmp_path, tiny_model_path):
    out = run_script("jobs.py", "--model", tiny_model_path, "--n", "50", "--out-dir", tmp_path)
    result = json.loads((tmp_path / "jobs.json").read_text())
    assert result["identical"] is True and set(result["runs"]) == {"1", "2"}
    assert "| --jobs |" in out


def test_cold_start_script(tmp_path, tiny_model_path):
    out = run_script("cold_start.py", "--model", tiny_model_path, "--runs", "1", "--out-dir", tmp_path)
    result = json.loads((tmp_path / "cold_start.json").read_text())
    assert result["ratio"] > 0 and len(result["medians"]) == 4
    assert "model without a stem table" in out


def test_profile_script(tmp_path, tiny_model_path):
    out = run_script("profile_transform.py", "--model", tiny_model_path, "--n", "30", "--out-dir", tmp_path)
    result = json.loads((tmp_path / "profile_transform.json").read_text())
    assert result["corpus"]["texts"] == 30 and result["corpus"]["top"]
    assert "| function | calls |" in out


def test_dask_scale_script(tmp_path, tiny_model_path):
    pytest.importorskip("distributed", reason="needs the dask extra: pip install 'tonecls[dask]'")
    run_script("dask_scale.py", "--model", tiny_model_path, "--n", "300", "--workers", "1", "--out-dir", tmp_path)
    result = json.loads((tmp_path / "dask_scale.json").read_text())
    assert result["identical"] is True and result["dask"]["worker_peak_rss_mb"][0] > 10


def test_extraction_script_measures_the_new_articles(tmp_path):
    out = run_script("extraction.py", "--seeds", tmp_path / "no-seeds", "--split", "tuning", "--out-dir", tmp_path)
    assert "skipped the seed articles" in out and "### New articles, tuning" in out
    result = json.loads((tmp_path / "extraction.json").read_text())
    tuning = result["new_articles"]["tuning"]
    assert tuning["overall"]["seeds"] == 74 and "held-out" not in result["new_articles"]
    assert tuning["overall"]["recall"] >= 0.9  # these six articles were read while the rules were written


@pytest.mark.parametrize("with_dev", [False, True])
def test_calibration_script(tmp_path, tiny_data, with_dev, monkeypatch):
    shared = tmp_path / "shared"
    if with_dev:  # the tiny statements stand in for the other crises' dev set
        (shared / "other-crises").mkdir(parents=True)
        (shared / "other-crises" / "dev.jsonl").write_bytes(tiny_data.read_bytes())
    monkeypatch.setenv("TONECLS_SHARED", str(shared))
    out = run_script("calibration.py", "--data", tiny_data, "--folds", "2", "--out-dir", tmp_path)
    result = json.loads((tmp_path / "calibration.json").read_text())
    seed = result["sets"]["seed_crisis"]
    assert seed["before"]["n"] == seed["after"]["n"] == 20
    for name in ("before", "after"):
        for tone in seed[name]["tones"].values():
            assert 0 <= tone["ece"] <= 1 and len(tone["bins"]) == 10
    assert (tmp_path / "calibration-seed.png").read_bytes().startswith(b"\x89PNG")
    if with_dev:
        assert "## (a) Other crises" in out and "other_crises" in result["sets"]
        assert (tmp_path / "calibration-other-crises.png").exists()
    else:
        assert "(a) other crises: skipped, ../shared/other-crises/dev.jsonl is not there" in out
        assert "other_crises" not in result["sets"]
