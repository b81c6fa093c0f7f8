"""Save and load model files: a zip of JSON and .npy arrays, never a pickle.

Model files get passed between analysts, so loading one must not run code
and a hostile one must be refused in bounded time and memory: see
``read_meta``. A model also records the digest of each data file its features
were built from (gazetteer, cue lexicon) and refuses to run against others.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

import numpy as np
from numpy.lib import format as np_format

from tonecls import __version__
from tonecls.errors import ModelFileError, ToneclsError
from tonecls.features import Analysis, Block, FeatureSpace
from tonecls.predictor import TonePredictor
from tonecls.resources import CUES, GAZETTEER, resolve_model_path, shipped_model_path
from tonecls.resources import digest as resource_digest
from tonecls.settings import Settings
from tonecls.text import WordForms
from tonecls.tones import TONES

if TYPE_CHECKING:  # the estimators import scikit-learn: only fitting and `load_model` need them
    from tonecls.model import ToneModel

FORMAT = "tonecls-model"
FORMAT_VERSION = 2  # 2: records the digests of the gazetteer and cue files, and holds the calibration (0.2.0)
# The semantic model file (tonecls/semantic_file.py): the same container, read by the same checks.
SEMANTIC_FORMAT = "tonecls-semantic-model"
SEMANTIC_FORMAT_VERSION = 1
KNOWN_FORMATS = {FORMAT: FORMAT_VERSION, SEMANTIC_FORMAT: SEMANTIC_FORMAT_VERSION}
META_NAME = "model.json"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)
BLOCK_NAMES = ("word", "char", "cue")
# Bounds no real model comes near (the shipped one has about 12,000 features and unpacks to under 1 MB).
MAX_FEATURES = 1_000_000
MAX_TERM_CHARS = 1_000
MAX_BLOCK_WEIGHT = 100.0
MAX_ABS_VALUE = 1e7  # above any C settings allow (1e6) and any weight a fit reaches (the shipped: 15); 1e300 overflows
MAX_MEMBERS = 16
MAX_META_BYTES = 64 * 2**20
MAX_JSON_VALUES = 3 * MAX_FEATURES + 100_000  # terms, display names and the rest of model.json
MAX_JSON_OBJECTS = 20_000  # the shipped model.json has a few hundred
MAX_ARRAY_BYTES = len(TONES) * MAX_FEATURES * 8 + 4096
MAX_TOTAL_BYTES = 256 * 2**20
MAX_FILE_BYTES = 256 * 2**20


def default_model_path() -> Path:
    """``$TONECLS_MODEL``, else the model shipped inside the package."""
    env = os.environ.get("TONECLS_MODEL")
    if env:
        return Path(resolve_model_path(env))
    return shipped_model_path()


def needed_resources(settings: Settings) -> list[str]:
    """The data files whose contents shape this model's features."""
    return ([GAZETTEER] if settings.mask_actors else []) + ([CUES] if settings.cues else [])


def expected_blocks(settings: Settings) -> list[str]:
    return ["word"] + (["char"] if settings.char_ngrams is not None else []) + (["cue"] if settings.cues else [])


def _npy_bytes(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def model_arrays(model: ToneModel) -> dict[str, np.ndarray]:
    arrays = {
        "coef": model.coef_.astype(np.float64),
        "intercept": model.intercept_.astype(np.float64),
        "thresholds": model.thresholds_.astype(np.float64),
        "C": model.C_.astype(np.float64),
        "calibration": model.calibration_.astype(np.float64),
    }
    for block in model.features_.blocks_:
        arrays[f"idf_{block.name}"] = block.idf.astype(np.float64)
    return arrays


def model_meta(model: ToneModel, card: dict | None = None) -> dict:
    arrays = model_arrays(model)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "tones": list(TONES),
        "settings": model.settings.to_dict(),
        "blocks": [
            {"name": b.name, "weight": b.weight, "terms": b.terms, "display": b.display}
            for b in model.features_.blocks_
        ],
        "arrays": {name: hashlib.sha256(_npy_bytes(a)).hexdigest() for name, a in arrays.items()},
        "resources": {name: resource_digest(name) for name in needed_resources(model.settings)},
        "word_forms": word_forms_meta(getattr(model.features_, "forms_", None) or model.features_.analyzer.forms),
        "card": card or {},
    }


def word_forms_meta(forms: WordForms) -> dict:
    """The stem of every word the model was trained on, and its negators: scoring needs no nltk then."""
    return {"stems": dict(sorted(forms.stems.items())), "negators": sorted(forms.negators)}


def _word_forms(path: Path, meta: dict) -> WordForms | None:
    """The stored stem table (None in a file written before tables were stored: nltk stems it then)."""
    stored = meta.get("word_forms")
    if stored is None:
        return None
    stems = stored.get("stems") if isinstance(stored, dict) else None
    negators = stored.get("negators") if isinstance(stored, dict) else None
    if (
        not isinstance(stems, dict)
        or len(stems) > MAX_FEATURES
        or not all(isinstance(v, str) and _term(k) and _term(v) for k, v in stems.items())
        or not isinstance(negators, list)
        or len(negators) > MAX_FEATURES
        or not all(isinstance(w, str) and _term(w) for w in negators)
    ):
        raise ModelFileError(f"{path}: not a usable tonecls model file (bad stem table)")
    return WordForms(stems, negators)


def _term(word: str) -> bool:
    return 0 < len(word) <= MAX_TERM_CHARS


def save_model(model: ToneModel, path: str | os.PathLike, card: dict | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename."""
    model.check_is_fitted()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_model_file(path, model_meta(model, card), model_arrays(model))


def write_model_file(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> Path:
    """A model file (lexical or semantic): ``model.json`` and one ``.npy`` per array, zipped with fixed
    dates (the same model gives the same bytes), written atomically."""
    from tonecls.atomic import atomic_write

    members = {META_NAME: json.dumps(meta, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")}
    members.update({f"{name}.npy": _npy_bytes(a) for name, a in arrays.items()})
    with atomic_write(path, "wb", overwrite=True) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path


def read_meta(
    path: str | os.PathLike, *, any_version: bool = False, formats: dict[str, int] | None = None
) -> tuple[dict, dict[str, np.ndarray]]:
    """The checked metadata and arrays of a model file, or a ModelFileError saying why not.

    ``formats`` maps the format names accepted to the version each must have (default: the lexical model
    file's); the semantic model file (tonecls/semantic_file.py) is read by the same checks.

    Model files travel between analysts, so each is read as hostile: only a
    regular file of bounded size, member sizes checked before anything is
    decompressed, JSON and .npy headers parsed without running code, every
    array's checksum, dtype, shape and values checked.
    """
    path = Path(path)
    try:
        with _open_regular(path) as fh, zipfile.ZipFile(fh) as zf:
            members = _checked_members(path, zf)
            formats = formats or {FORMAT: FORMAT_VERSION}
            meta = _parse_meta(path, _read_member(zf, members[META_NAME]), any_version=any_version, formats=formats)
            if any_version and meta.get("format_version") != formats[meta["format"]]:
                return meta, {}
            declared = meta.get("arrays")
            if not isinstance(declared, dict) or not declared:
                raise ModelFileError(f"{path}: not a usable tonecls model file (no arrays listed)")
            unexpected = set(members) - {META_NAME} - {f"{name}.npy" for name in declared}
            if unexpected:
                raise ModelFileError(f"{path}: not a tonecls model file (unexpected member {sorted(unexpected)[0]!r})")
            arrays = {}
            for name, digest in declared.items():
                info = members.get(f"{name}.npy")
                if info is None:
                    raise ModelFileError(f"{path}: corrupted (array {name!r} is missing)")
                data = _read_member(zf, info)
                if not isinstance(digest, str) or hashlib.sha256(data).hexdigest() != digest:
                    raise ModelFileError(f"{path}: corrupted (array {name!r} does not match its checksum)")
                arrays[name] = _parse_npy(path, name, data)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, RuntimeError, zlib.error) as exc:
        raise ModelFileError(f"{path}: not a readable tonecls model file ({_one_line(exc)})") from None
    return meta, arrays


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _open_regular(path: Path) -> BinaryIO:
    """Open a model file only if it is a regular file of sane size: never a FIFO, a device or a folder."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise ModelFileError(
            f"{path}: no model file there; train one with `tonecls train --out {path}` or pass --model"
        ) from None
    if stat.S_ISDIR(st.st_mode):
        raise ModelFileError(f"{path}: is a folder, not a model file")
    if not stat.S_ISREG(st.st_mode):
        raise ModelFileError(f"{path}: not a regular file (a pipe, socket or device), so not a model file")
    if st.st_size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: {st.st_size:,} bytes, larger than any tonecls model ({MAX_FILE_BYTES:,})")
    return open(path, "rb")  # noqa: SIM115 - the caller closes it


def _checked_members(path: Path, zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    """Members by name, refused before decompression when their declared sizes could not be a real model's."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ModelFileError(f"{path}: not a tonecls model file ({len(infos)} members)")
    members: dict[str, zipfile.ZipInfo] = {}
    total = 0
    for info in infos:
        if info.filename in members:
            raise ModelFileError(f"{path}: not a tonecls model file (member {info.filename!r} appears twice)")
        limit = MAX_META_BYTES if info.filename == META_NAME else MAX_ARRAY_BYTES
        if info.file_size > limit:
            raise ModelFileError(
                f"{path}: member {info.filename!r} unpacks to {info.file_size:,} bytes, more than a model holds"
            )
        total += info.file_size
        members[info.filename] = info
    if total > MAX_TOTAL_BYTES:
        raise ModelFileError(f"{path}: unpacks to {total:,} bytes, more than a model holds")
    if META_NAME not in members:
        raise ModelFileError(f"{path}: not a tonecls model file (no {META_NAME} inside)")
    return members


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """At most the declared size (zipfile checks the CRC when the member ends where it says)."""
    with zf.open(info) as member:
        data = member.read(info.file_size + 1)
    if len(data) != info.file_size:
        raise ValueError(f"member {info.filename!r} is not the size it declares")
    return data


def _parse_meta(path: Path, data: bytes, *, any_version: bool = False, formats: dict[str, int] | None = None) -> dict:
    # Parsed JSON takes tens of bytes of memory per byte of tiny values ("{}," or "1,"): bound the number of
    # values and of objects by what a real model holds (a term and its display name per feature), before
    # and while parsing, so that a small file cannot cost gigabytes.
    if data.count(b",") > MAX_JSON_VALUES:
        raise ModelFileError(f"{path}: not a tonecls model file ({META_NAME} holds more values than a model has)")
    objects = 0

    def counted(pairs: list) -> dict:
        nonlocal objects
        objects += 1
        if objects > MAX_JSON_OBJECTS:
            raise ValueError(f"more than {MAX_JSON_OBJECTS:,} objects")
        return dict(pairs)

    try:
        meta = json.loads(data.decode("utf-8"), object_pairs_hook=counted)
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, numbers past Python's digit limit, deep nesting
        raise ModelFileError(
            f"{path}: not a tonecls model file ({META_NAME} is not valid JSON: {_one_line(exc)})"
        ) from None
    formats = formats or {FORMAT: FORMAT_VERSION}
    if not isinstance(meta, dict) or not isinstance(meta.get("format"), str) or meta["format"] not in formats:
        raise ModelFileError(f"{path}: not a tonecls model file")
    version = meta.get("format_version")
    expected = formats[meta["format"]]
    if version != expected and not any_version:
        shown = version if isinstance(version, int | str) and len(str(version)) < 20 else "unknown"
        raise ModelFileError(
            f"{path}: model format version {shown}, but this tonecls ({__version__}) reads version "
            f"{expected}; retrain it with `tonecls train` or use the tonecls that made it"
        )
    return meta


def _parse_npy(path: Path, name: str, data: bytes) -> np.ndarray:
    """A float64 array from .npy bytes whose header (shape, dtype) agrees with its length; no pickle."""
    buf = io.BytesIO(data)
    try:
        major, _ = np_format.read_magic(buf)
        read_header = np_format.read_array_header_1_0 if major == 1 else np_format.read_array_header_2_0
        shape, fortran, dtype = read_header(buf)
    except (ValueError, SyntaxError, TypeError) as exc:
        raise ModelFileError(f"{path}: corrupted (array {name!r}: {_one_line(exc)})") from None
    if dtype != np.dtype("<f8") or fortran or len(shape) > 2:
        raise ModelFileError(f"{path}: corrupted (array {name!r} is not a float64 vector or matrix)")
    count = math.prod(shape)
    if count * 8 != len(data) - buf.tell():
        raise ModelFileError(f"{path}: corrupted (array {name!r} has {len(data) - buf.tell()} bytes for shape {shape})")
    array = np.frombuffer(data, dtype="<f8", count=count, offset=buf.tell()).reshape(shape).copy()
    if not np.isfinite(array).all():
        raise ModelFileError(f"{path}: corrupted (array {name!r} holds NaN or infinite values)")
    if array.size and np.abs(array).max() > MAX_ABS_VALUE:
        raise ModelFileError(f"{path}: corrupted (array {name!r} holds values beyond ±{MAX_ABS_VALUE:g})")
    return array


def _check_resources(path: Path, meta: dict, settings: Settings) -> None:
    """Refuse a model whose features were built from other gazetteer or cue files than the installed ones."""
    recorded = meta.get("resources")
    if not isinstance(recorded, dict):
        raise ModelFileError(f"{path}: not a usable tonecls model file (no resource digests)")
    for name in needed_resources(settings):
        have = resource_digest(name)
        want = recorded.get(name)
        if want != have:
            was = f"sha256 {want[:12]}" if isinstance(want, str) else "no record"
            raise ModelFileError(
                f"{path}: trained with another {name} ({was}) than this installation has (sha256 {have[:12]}); "
                "retrain the model with `tonecls train`, or restore the file it was trained with"
            )


def _block(path: Path, spec: object, arrays: dict[str, np.ndarray]) -> Block:
    if not isinstance(spec, dict) or spec.get("name") not in BLOCK_NAMES:
        raise ModelFileError(f"{path}: not a usable tonecls model file (bad feature block)")
    name = spec["name"]
    terms, display, weight = spec.get("terms"), spec.get("display"), spec.get("weight")
    if not isinstance(terms, list) or not all(isinstance(t, str) and len(t) <= MAX_TERM_CHARS for t in terms):
        raise ModelFileError(f"{path}: not a usable tonecls model file (block {name!r} has bad terms)")
    if len(set(terms)) != len(terms):
        raise ModelFileError(f"{path}: corrupted (block {name!r} lists a term twice)")
    if display is not None and (
        not isinstance(display, list) or len(display) != len(terms) or not all(isinstance(d, str) for d in display)
    ):
        raise ModelFileError(f"{path}: corrupted (block {name!r} has mismatched display names)")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= MAX_BLOCK_WEIGHT:
        raise ModelFileError(f"{path}: not a usable tonecls model file (block {name!r} has a bad weight)")
    idf = arrays.get(f"idf_{name}")
    if idf is None or idf.shape != (len(terms),):
        raise ModelFileError(f"{path}: corrupted (block {name!r} has mismatched sizes)")
    return Block(name, {t: i for i, t in enumerate(terms)}, idf, float(weight), display)


class Parts(NamedTuple):
    """The checked contents of a model file, from which both a ToneModel and a TonePredictor are built."""

    settings: Settings
    blocks: list[Block]
    arrays: dict[str, np.ndarray]
    card: dict
    path: Path
    forms: WordForms | None


def load_model(path: str | os.PathLike | None = None) -> ToneModel:
    """Load a model file (default: ``default_model_path()``) as a fitted ToneModel, without unpickling anything.

    The estimator imports scikit-learn; to score, `load_predictor` loads the same file faster.
    """
    return assemble(*read_parts(path))


def load_predictor(path: str | os.PathLike | None = None) -> TonePredictor:
    """Load a model file (default: ``default_model_path()``) for scoring only: numpy and scipy.sparse, no
    scikit-learn. Its predictions are exactly those of `load_model`'s ToneModel."""
    return predictor_of(read_parts(path))


def predictor_of(parts: Parts) -> TonePredictor:
    """A TonePredictor from a file's checked parts."""
    settings, blocks, arrays, card, path, forms = parts
    features = FeatureSpace(Analysis(settings.feature_params(), forms), blocks, settings.sublinear_tf)
    return TonePredictor(
        features,
        arrays["coef"],
        arrays["intercept"],
        arrays["calibration"],
        arrays["thresholds"],
        settings=settings,
        C=arrays["C"],
        card=card,
        path=path,
    )


def read_parts(path: str | os.PathLike | None = None) -> Parts:
    """A model file's settings, blocks, arrays, card and stem table, each checked, or a ModelFileError."""
    path = Path(path) if path is not None else default_model_path()
    meta, arrays = read_meta(path)
    return parts_from_meta(path, meta, arrays)


def model_from_meta(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> ToneModel:
    """A ToneModel from a file's checked metadata and arrays (the semantic file holds one inside it)."""
    return assemble(*parts_from_meta(path, meta, arrays))


def parts_from_meta(path: Path, meta: dict, arrays: dict[str, np.ndarray]) -> Parts:
    """The checked parts of a lexical model from a file's metadata and arrays, or a ModelFileError."""
    if meta.get("tones") != list(TONES):
        raise ModelFileError(f"{path}: not a usable tonecls model file (its tones differ from {', '.join(TONES)})")
    raw_settings = meta.get("settings")
    if not isinstance(raw_settings, dict):
        raise ModelFileError(f"{path}: not a usable tonecls model file (no settings)")
    try:
        settings = Settings.from_dict(raw_settings)
    except ToneclsError as exc:
        raise ModelFileError(f"{path}: not a usable tonecls model file ({exc})") from None
    _check_resources(path, meta, settings)
    specs = meta.get("blocks")
    if not isinstance(specs, list) or not specs:
        raise ModelFileError(f"{path}: not a usable tonecls model file (no feature blocks)")
    blocks = [_block(path, spec, arrays) for spec in specs]
    if [b.name for b in blocks] != expected_blocks(settings):
        raise ModelFileError(f"{path}: not a usable tonecls model file (its feature blocks do not fit its settings)")
    n_features = sum(len(b.vocabulary) for b in blocks)
    if n_features > MAX_FEATURES:
        raise ModelFileError(f"{path}: {n_features:,} features, more than a tonecls model holds")
    shapes = {
        "coef": (len(TONES), n_features),
        "intercept": (len(TONES),),
        "thresholds": (len(TONES),),
        "C": (len(TONES),),
        "calibration": (len(TONES), 2),
    }
    for name, shape in shapes.items():
        if name not in arrays:
            raise ModelFileError(f"{path}: corrupted (array {name!r} is missing)")
        if arrays[name].shape != shape:
            raise ModelFileError(f"{path}: corrupted (array {name!r} has shape {arrays[name].shape}, expected {shape})")
    if not ((arrays["thresholds"] >= 0) & (arrays["thresholds"] <= 1)).all():
        raise ModelFileError(f"{path}: corrupted (thresholds outside 0 to 1)")
    if not (arrays["C"] > 0).all():
        raise ModelFileError(f"{path}: corrupted (regularisation C not above 0)")
    if not (arrays["calibration"][:, 0] > 0).all():  # a slope of 0 or below would flatten or reverse the scores
        raise ModelFileError(f"{path}: corrupted (calibration slope not above 0)")
    card = meta.get("card", {})
    if not isinstance(card, dict):
        raise ModelFileError(f"{path}: not a usable tonecls model file (its card is not an object)")
    return Parts(settings, blocks, arrays, card, path, _word_forms(path, meta))


def assemble(
    settings: Settings,
    blocks: list[Block],
    arrays: dict[str, np.ndarray],
    card: dict,
    path: Path,
    forms: WordForms | None = None,
) -> ToneModel:
    """A fitted ToneModel from checked parts: the same estimators `fit` makes, with their fitted attributes.

    ``forms``: the file's stem table (None in a file written before tables were stored: nltk stems then).
    """
    from tonecls.model import ToneClassifier, ToneFeatures, ToneModel

    model = ToneModel(settings)
    features = ToneFeatures(**settings.feature_params())
    features.blocks_ = blocks
    if forms is not None:
        features.forms_ = forms
    classifier = ToneClassifier(
        C=tuple(float(c) for c in arrays["C"]), class_weight=settings.class_weight, random_state=settings.random_state
    )
    classifier.coef_ = arrays["coef"]
    classifier.intercept_ = arrays["intercept"]
    classifier.n_features_in_ = arrays["coef"].shape[1]
    classifier.classes_ = np.arange(len(TONES))
    classifier.binary_ = False
    model.pipeline_ = model.pipeline().set_params(features=features, classifier=classifier)
    model.C_ = arrays["C"]
    model.calibration_ = arrays["calibration"]
    model.thresholds_ = arrays["thresholds"]
    model.oof_probs_ = None
    model.classes_ = np.array(TONES)
    model.card_ = card
    model.path_ = path
    return model


def card_path(model_path: str | os.PathLike) -> Path:
    """The model card beside a model file: models/tonecls.model -> models/tonecls.card.md."""
    path = Path(model_path)
    return path.with_name(f"{path.stem}.card.md")


def write_card(model_path: str | os.PathLike) -> Path:
    """Render the card stored in a model file to markdown beside it (what `tonecls info` prints)."""
    from tonecls.atomic import write_atomic
    from tonecls.card import render_card

    meta, _ = read_meta(model_path, formats=KNOWN_FORMATS)
    out = card_path(model_path)
    write_atomic(out, lambda fh: fh.write(render_card(meta["card"]) + "\n"), overwrite=True)
    return out


def check_replaceable(path: str | os.PathLike, *, force: bool = False) -> None:
    """Refuse to overwrite a file that is not a tonecls model (someone's data) unless forced."""
    path = Path(path)
    if force or not path.exists():
        return
    try:
        read_meta(path, any_version=True, formats=KNOWN_FORMATS)  # an older or semantic model is still a model
    except ModelFileError:
        raise ToneclsError(f"{path}: exists and is not a tonecls model; use --force to replace it") from None
