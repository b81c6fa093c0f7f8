"""Save and load model files: a zip of JSON and .npy arrays, never a pickle.

Model files get passed between analysts, so loading one must not run code:
arrays are read with ``allow_pickle=False`` and every array's SHA-256 is
checked against the one recorded in ``model.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np

from tonecls.errors import ModelFileError, ToneclsError
from tonecls.model import Block, Features, Settings, ToneModel
from tonecls.tones import TONES

FORMAT = "tonecls-model"
FORMAT_VERSION = 1
META_NAME = "model.json"
ARRAYS = ("coef", "intercept", "thresholds", "C")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def default_model_path() -> Path:
    """``$TONECLS_MODEL``, else the model shipped in the project's ``models/``."""
    env = os.environ.get("TONECLS_MODEL")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "models" / "tonecls.model"


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
    }
    for block in model.features_.blocks:
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
            {"name": b.name, "weight": b.weight, "terms": b.terms, "display": b.display} for b in model.features_.blocks
        ],
        "arrays": {name: hashlib.sha256(_npy_bytes(a)).hexdigest() for name, a in arrays.items()},
        "card": card or {},
    }


def save_model(model: ToneModel, path: str | os.PathLike, card: dict | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then a rename."""
    model.check_is_fitted()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = model_meta(model, card)
    members = {META_NAME: json.dumps(meta, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8")}
    members.update({f"{name}.npy": _npy_bytes(a) for name, a in model_arrays(model).items()})
    from tonecls.atomic import atomic_write

    with atomic_write(path, "wb", overwrite=True) as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path


def read_meta(path: str | os.PathLike) -> tuple[dict, dict[str, np.ndarray]]:
    """The checked metadata and arrays of a model file, or a ModelFileError saying why not."""
    path = Path(path)
    if not path.exists():
        raise ModelFileError(
            f"{path}: no model file there; train one with `tonecls train --out {path}` or pass --model"
        )
    if path.is_dir():
        raise ModelFileError(f"{path}: is a folder, not a model file")
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if META_NAME not in names:
                raise ModelFileError(f"{path}: not a tonecls model file (no {META_NAME} inside)")
            meta = json.loads(zf.read(META_NAME).decode("utf-8"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ModelFileError(f"{path}: not a tonecls model file")
            version = meta.get("format_version")
            if version != FORMAT_VERSION:
                raise ModelFileError(
                    f"{path}: model format version {version}, but this tonecls reads version {FORMAT_VERSION}; "
                    "retrain it with `tonecls train`"
                )
            arrays = {}
            for name, digest in meta.get("arrays", {}).items():
                data = zf.read(f"{name}.npy")
                if hashlib.sha256(data).hexdigest() != digest:
                    raise ModelFileError(f"{path}: corrupted (array {name!r} does not match its checksum)")
                arrays[name] = np.load(io.BytesIO(data), allow_pickle=False)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not a readable tonecls model file ({type(exc).__name__}: {exc})") from None
    return meta, arrays


def load_model(path: str | os.PathLike | None = None) -> ToneModel:
    """Load a model file (default: ``default_model_path()``) without unpickling anything."""
    path = Path(path) if path is not None else default_model_path()
    meta, arrays = read_meta(path)
    try:
        if meta["tones"] != list(TONES):
            raise ModelFileError(f"{path}: model tones {meta['tones']} differ from {list(TONES)}")
        settings = Settings.from_dict(meta["settings"])
        features = Features(settings)
        blocks = []
        for spec in meta["blocks"]:
            idf = arrays[f"idf_{spec['name']}"]
            if idf.shape != (len(spec["terms"]),):
                raise ModelFileError(f"{path}: corrupted (block {spec['name']!r} has mismatched sizes)")
            display = spec.get("display")
            if display is not None and len(display) != len(spec["terms"]):
                raise ModelFileError(f"{path}: corrupted (block {spec['name']!r} has mismatched display names)")
            vocabulary = {t: i for i, t in enumerate(spec["terms"])}
            blocks.append(Block(spec["name"], vocabulary, idf, float(spec["weight"]), display))
        features.blocks = blocks
        n_features = sum(len(b.vocabulary) for b in blocks)
        shapes = {
            "coef": (len(TONES), n_features),
            "intercept": (len(TONES),),
            "thresholds": (len(TONES),),
            "C": (len(TONES),),
        }
        for name, shape in shapes.items():
            if arrays[name].shape != shape:
                raise ModelFileError(
                    f"{path}: corrupted (array {name!r} has shape {arrays[name].shape}, expected {shape})"
                )
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, ToneclsError) as exc:
        raise ModelFileError(f"{path}: not a usable tonecls model file (missing or bad {exc})") from None
    model = ToneModel(settings)
    model.features_ = features
    model.coef_ = arrays["coef"]
    model.intercept_ = arrays["intercept"]
    model.thresholds_ = arrays["thresholds"]
    model.C_ = arrays["C"]
    model.card_ = meta.get("card", {})
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

    meta, _ = read_meta(model_path)
    out = card_path(model_path)
    write_atomic(out, lambda fh: fh.write(render_card(meta["card"]) + "\n"), overwrite=True)
    return out


def check_replaceable(path: str | os.PathLike, *, force: bool = False) -> None:
    """Refuse to overwrite a file that is not a tonecls model (someone's data) unless forced."""
    path = Path(path)
    if force or not path.exists():
        return
    try:
        read_meta(path)
    except ModelFileError:
        raise ToneclsError(f"{path}: exists and is not a tonecls model; use --force to replace it") from None
