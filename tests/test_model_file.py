import io
import json
import zipfile

import numpy as np
import pytest

from tonecls.errors import ModelFileError
from tonecls.model_file import FORMAT_VERSION, load_model, save_model
from tonecls.training import train

from .conftest import TINY, TINY_SETTINGS

TEXTS = [t for t, _ in TINY] + ["Nothing to see here.", ""]


def rewrite(src, dst, edit):
    """Copy a model zip, letting ``edit(name, data)`` change members."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
    return dst


def test_round_trip_keeps_every_prediction(tiny_model_path, tmp_path):
    model = load_model(tiny_model_path)
    again = load_model(save_model(model, tmp_path / "copy.model", model.card_))
    np.testing.assert_array_equal(model.predict_proba(TEXTS), again.predict_proba(TEXTS))
    assert again.classify(TINY[0][0]) == model.classify(TINY[0][0])


def test_file_holds_json_and_npy_only(tiny_model_path):
    with zipfile.ZipFile(tiny_model_path) as zf:
        names = sorted(zf.namelist())
        meta = json.loads(zf.read("model.json"))
    assert names == sorted(
        [
            "model.json",
            "coef.npy",
            "intercept.npy",
            "thresholds.npy",
            "C.npy",
            "calibration.npy",
            "idf_word.npy",
            "idf_char.npy",
            "idf_cue.npy",
        ]
    )
    assert sorted(meta) == [
        "arrays", "blocks", "card", "format", "format_version", "resources", "settings", "tones", "word_forms"
    ]
    assert sorted(meta["resources"]) == ["cues.tsv", "gazetteer.tsv"]
    assert meta["format"] == "tonecls-model" and meta["format_version"] == FORMAT_VERSION
    assert [b["name"] for b in meta["blocks"]] == ["word", "char", "cue"]
    assert sorted(meta["card"]) == [
        "C",
        "calibration",
        "counts",
        "created",
        "cross_validation",
        "settings",
        "thresholds",
        "training_files",
        "versions",
    ]


def test_training_is_deterministic(tiny_data, tmp_path):
    paths = []
    for name in ("a.model", "b.model"):
        result = train([tiny_data], settings=TINY_SETTINGS, folds=2, repeats=1)
        result.card["created"] = "fixed"
        paths.append(save_model(result.model, tmp_path / name, result.card))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match=r"nope.model: no model file there; train one with `tonecls train"):
        load_model(tmp_path / "nope.model")


def test_folder(tmp_path):
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        load_model(tmp_path)


def test_not_a_model(tmp_path):
    p = tmp_path / "x.model"
    p.write_text("hello")
    with pytest.raises(ModelFileError, match=r"x.model: not a readable tonecls model file \(BadZipFile"):
        load_model(p)


def test_zip_without_metadata(tmp_path):
    p = tmp_path / "x.model"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("other.txt", "hi")
    with pytest.raises(ModelFileError, match=r"not a tonecls model file \(no model.json inside\)"):
        load_model(p)


def test_truncated_file(tiny_model_path, tmp_path):
    p = tmp_path / "cut.model"
    data = tiny_model_path.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="not a readable tonecls model file"):
        load_model(p)


def test_other_format_version(tiny_model_path, tmp_path):
    def edit(name, data):
        if name == "model.json":
            meta = json.loads(data)
            meta["format_version"] = FORMAT_VERSION + 1
            return json.dumps(meta)
        return data

    p = rewrite(tiny_model_path, tmp_path / "v2.model", edit)
    with pytest.raises(
        ModelFileError,
        match=rf"format version {FORMAT_VERSION + 1}, but this tonecls .* reads version {FORMAT_VERSION}",
    ):
        load_model(p)


def test_modified_array_fails_its_checksum(tiny_model_path, tmp_path):
    def edit(name, data):
        if name == "coef.npy":
            arr = np.load(io.BytesIO(data))
            arr[0, 0] += 1.0
            buf = io.BytesIO()
            np.save(buf, arr)
            return buf.getvalue()
        return data

    p = rewrite(tiny_model_path, tmp_path / "bad.model", edit)
    with pytest.raises(ModelFileError, match=r"corrupted \(array 'coef' does not match its checksum\)"):
        load_model(p)


def test_pickled_array_is_refused(tiny_model_path, tmp_path):
    def edit(name, data):
        if name == "C.npy":
            buf = io.BytesIO()
            np.save(buf, np.array([object()] * 4, dtype=object), allow_pickle=True)
            return buf.getvalue()
        return data

    def fix_digest(name, data):
        if name == "model.json":
            import hashlib

            meta = json.loads(data)
            with zipfile.ZipFile(tmp_path / "p1.model") as zf:
                meta["arrays"]["C"] = hashlib.sha256(zf.read("C.npy")).hexdigest()
            return json.dumps(meta)
        return data

    rewrite(tiny_model_path, tmp_path / "p1.model", edit)
    p = rewrite(tmp_path / "p1.model", tmp_path / "p2.model", fix_digest)
    with pytest.raises(ModelFileError, match="array 'C' is not a float64 vector or matrix"):
        load_model(p)


def test_saved_estimators_load_as_the_same_calibrated_model(tiny_data, tmp_path):
    result = train([tiny_data], settings=TINY_SETTINGS, folds=2, repeats=1)
    loaded = load_model(save_model(result.model, tmp_path / "m.model", result.card))
    np.testing.assert_array_equal(loaded.calibration_, result.model.calibration_)
    assert loaded.calibration_.shape == (4, 2) and (loaded.calibration_[:, 0] > 0).all()
    np.testing.assert_allclose(loaded.predict_proba(TEXTS), result.model.predict_proba(TEXTS))
    np.testing.assert_array_equal(loaded.predict(TEXTS), result.model.predict(TEXTS))
    assert loaded.pipeline_.get_params()["classifier__C"] == tuple(result.model.C_)
    assert list(loaded.features_.get_feature_names_out()) == list(result.model.features_.get_feature_names_out())
