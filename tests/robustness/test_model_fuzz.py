"""Hostile model files: every mutation of a real model file is refused in one line or loads and predicts sanely.

Model files are passed between analysts, so a loader that crashes, hangs or
allocates gigabytes on a crafted file is a security hole, not a bug report.
"""

import hashlib
import io
import json
import math
import os
import signal
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls import model_file
from tonecls.cli import cli
from tonecls.errors import ModelFileError
from tonecls.model_file import load_model

TEXTS = ["We strongly condemn the attack.", "We call for restraint.", ""]
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@contextmanager
def time_limit(seconds: int):
    """Fail instead of hanging: a load that takes this long is a defect."""

    def stop(signum, frame):
        raise TimeoutError(f"load took over {seconds} s")

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def outcome(path: Path) -> str:
    """'loaded' or 'refused'; anything else (another exception, a hang, a bad prediction) fails the test."""
    with time_limit(20):
        try:
            model = load_model(path)
        except ModelFileError as exc:
            assert "\n" not in str(exc) and str(exc).startswith(str(path)), str(exc)
            return "refused"
        probs = model.predict_proba(TEXTS)
    assert probs.shape == (len(TEXTS), 4) and np.isfinite(probs).all() and ((probs >= 0) & (probs <= 1)).all()
    return "loaded"


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def write_zip(path: Path, content: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in content.items():
            zf.writestr(name, data)
    return path


def npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=array.dtype == object)
    return buf.getvalue()


def with_meta(content: dict[str, bytes], edit) -> dict[str, bytes]:
    meta = json.loads(content["model.json"])
    edit(meta)
    return {**content, "model.json": json.dumps(meta).encode()}


def with_array(content: dict[str, bytes], name: str, data: bytes) -> dict[str, bytes]:
    """Replace an array and record its checksum, so that the deeper checks are what refuse it."""
    content = {**content, f"{name}.npy": data}

    def fix(meta):
        meta["arrays"][name] = hashlib.sha256(data).hexdigest()

    return with_meta(content, fix)


@pytest.fixture(scope="module")
def original(tiny_model_path) -> dict[str, bytes]:
    return members(tiny_model_path)


@FUZZ
@given(cut=st.floats(0, 1, exclude_max=True))
def test_truncated(tiny_model_path, tmp_path, cut):
    data = tiny_model_path.read_bytes()
    path = tmp_path / "cut.model"
    path.write_bytes(data[: int(len(data) * cut)])
    assert outcome(path) == "refused"


@FUZZ
@given(flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 7)), min_size=1, max_size=8))
def test_bit_flips(tiny_model_path, tmp_path, flips):
    data = bytearray(tiny_model_path.read_bytes())
    for where, bit in flips:
        data[int(where * len(data))] ^= 1 << bit
    path = tmp_path / "flipped.model"
    path.write_bytes(bytes(data))
    outcome(path)


@FUZZ
@given(
    pair=st.lists(
        st.sampled_from(
            [
                "model.json",
                "coef.npy",
                "intercept.npy",
                "thresholds.npy",
                "C.npy",
                "idf_word.npy",
                "idf_char.npy",
                "idf_cue.npy",
            ]
        ),
        min_size=2,
        max_size=2,
        unique=True,
    )
)
def test_member_swaps(original, tmp_path, pair):
    a, b = pair
    content = {**original, a: original[b], b: original[a]}
    assert outcome(write_zip(tmp_path / "swapped.model", content)) == "refused"


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
META_PATHS = [
    ("format_version",),
    ("tones",),
    ("settings",),
    ("settings", "word_ngrams"),
    ("settings", "char_ngrams"),
    ("settings", "min_df"),
    ("settings", "cues"),
    ("settings", "mask_actors"),
    ("settings", "C_grid"),
    ("settings", "inner_folds"),
    ("blocks",),
    ("blocks", 0),
    ("blocks", 0, "terms"),
    ("blocks", 0, "weight"),
    ("blocks", 1, "display"),
    ("blocks", 2, "name"),
    ("arrays",),
    ("arrays", "coef"),
    ("resources",),
    ("resources", "gazetteer.tsv"),
    ("word_forms",),
    ("word_forms", "stems"),
    ("word_forms", "negators"),
    ("card",),
]


@FUZZ
@given(where=st.sampled_from(META_PATHS), value=JSON_VALUES)
def test_json_edits(original, tmp_path, where, value):
    def edit(meta):
        node = meta
        for key in where[:-1]:
            node = node[key]
        node[where[-1]] = value

    outcome(write_zip(tmp_path / "edited.model", with_meta(original, edit)))


@pytest.mark.parametrize(
    "raw", [b'{"format": "tonecls-model", "format_version": 1' + b"9" * 5000 + b"}", b"[" * 100_000]
)
def test_json_past_python_limits_is_refused(original, tmp_path, raw):
    path = write_zip(tmp_path / "limits.model", {**original, "model.json": raw})
    assert outcome(path) == "refused"


ARRAYS = st.sampled_from(["coef", "intercept", "thresholds", "C", "calibration", "idf_word", "idf_char", "idf_cue"])
BAD_ARRAYS = st.sampled_from(
    [
        np.array([math.nan] * 4),
        np.array([math.inf] * 4),
        np.array(["a", "b", "c", "d"]),
        np.array([1, 2, 3, 4], dtype=np.int64),
        np.array([0.5] * 4, dtype=np.float32),
        np.zeros((4, 2, 2)),
        np.zeros(0),
        np.array([object()] * 4, dtype=object),
        np.array([2.0, 0.5, 0.5, 0.5]),
        np.array([-1.0, 0.5, 0.5, 0.5]),
        np.array([[-1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]),
        np.ones((4, 3)),
    ]
)


@FUZZ
@given(name=ARRAYS, array=BAD_ARRAYS)
def test_array_edits(original, tmp_path, name, array):
    content = with_array(original, name, npy(array))
    outcome(write_zip(tmp_path / "array.model", content))


def test_a_lying_npy_header_is_refused_without_allocating(original, tmp_path):
    data = npy(np.zeros(4))
    header = data.replace(b"(4,)", b"(4000000000000,)".ljust(len(b"(4,)"), b" ")[: len(b"(4000000000000,)")])
    content = with_array(original, "intercept", header)
    tracemalloc.start()
    try:
        assert outcome(write_zip(tmp_path / "lying.model", content)) == "refused"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda m: m["settings"].update(word_ngrams=[1, 100000]), "setting word_ngrams: expected two whole numbers"),
        (lambda m: m.update(arrays=[]), "no arrays listed"),
        (lambda m: m.update(card="hello"), "its card is not an object"),
        (lambda m: m.update(resources={}), "trained with another gazetteer.tsv (no record)"),
        (lambda m: m["settings"].update(char_ngrams=None), "feature blocks do not fit its settings"),
    ],
)
def test_named_hostile_edits_are_refused(original, tmp_path, edit, message):
    path = write_zip(tmp_path / "hostile.model", with_meta(original, edit))
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert message in str(caught.value)


def test_nan_threshold_is_refused(original, tmp_path):
    path = write_zip(
        tmp_path / "nan.model", with_array(original, "thresholds", npy(np.array([math.nan, 0.5, 0.5, 0.5])))
    )
    with pytest.raises(ModelFileError, match="NaN or infinite"):
        load_model(path)


def test_zip_bomb_is_refused_before_decompression(original, tmp_path, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_META_BYTES", 2**20)
    content = {**original, "model.json": original["model.json"] + b" " * (64 * 2**20)}
    path = write_zip(tmp_path / "bomb.model", content)
    assert path.stat().st_size < 2**20
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="unpacks to .* bytes, more than a model holds"):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_unexpected_member_is_refused(original, tmp_path):
    path = write_zip(tmp_path / "extra.model", {**original, "payload.pkl": b"\x80\x04K\x01."})
    with pytest.raises(ModelFileError, match="unexpected member 'payload.pkl'"):
        load_model(path)


@pytest.mark.parametrize("kind", ["fifo", "device", "folder"])
def test_non_regular_files_are_refused_at_once(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe.model"
        os.mkfifo(path)
        message = "not a regular file"
    elif kind == "device":
        path = Path("/dev/zero")
        message = "not a regular file"
    else:
        path = tmp_path
        message = "is a folder"
    with time_limit(5):
        result = CliRunner().invoke(cli, ["classify", "--model", str(path), "We condemn it."])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and message in result.output and "Traceback" not in result.output


def test_oversized_file_is_refused_by_its_size(tmp_path, monkeypatch):
    monkeypatch.setattr(model_file, "MAX_FILE_BYTES", 1000)
    path = tmp_path / "big.model"
    path.write_bytes(b"\0" * 2000)
    with pytest.raises(ModelFileError, match="larger than any tonecls model"):
        load_model(path)


def test_a_calibration_that_reverses_scores_is_refused(original, tmp_path):
    reversed_slope = np.array([[-1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    path = write_zip(tmp_path / "cal.model", with_array(original, "calibration", npy(reversed_slope)))
    with pytest.raises(ModelFileError, match="calibration slope not above 0"):
        load_model(path)


def test_a_model_without_calibration_is_refused(original, tmp_path):
    def drop(meta):
        del meta["arrays"]["calibration"]

    content = {k: v for k, v in with_meta(original, drop).items() if k != "calibration.npy"}
    with pytest.raises(ModelFileError, match="array 'calibration' is missing"):
        load_model(write_zip(tmp_path / "nocal.model", content))


def test_huge_but_finite_weights_are_refused(original, tmp_path):
    """1e300 is finite, but a weight like it overflows every score to 0 or 1."""
    content = with_array(original, "intercept", npy(np.array([1e300, 0.0, 0.0, 0.0])))
    path = write_zip(tmp_path / "huge.model", content)
    with pytest.raises(ModelFileError, match="beyond"):
        load_model(path)
