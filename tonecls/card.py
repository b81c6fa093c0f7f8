"""The model card: what a model was trained on, how, and how well it did."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from tonecls.readers import shown_path
from tonecls.tones import TONES


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("tonecls", "scikit-learn", "numpy", "scipy", "nltk"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def file_digest(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def training_path(path: str | Path) -> str:
    """A training file as the card shows it: relative to the checkout when it lies there, so cards don't
    carry one machine's folders; else as given."""
    from tonecls.resources import checkout_root

    root = checkout_root()
    resolved = Path(path).resolve()
    if root is not None and resolved.is_relative_to(root.resolve()):
        return shown_path(resolved.relative_to(root.resolve()).as_posix())
    return shown_path(Path(path).as_posix())


def build_card(*, files, statements, settings: dict, thresholds, Cs, cv: dict | None, calibration=None) -> dict:
    """Facts gathered during training, stored inside the model file."""
    real = [s for s in statements if not s.constructed]
    return {
        "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "versions": versions(),
        "training_files": [{"path": training_path(f), "sha256": file_digest(f)} for f in files],
        "counts": {
            "statements": len(statements),
            "real": len(real),
            "constructed": len(statements) - len(real),
            "per_tone": {t: sum(t in s.labels for s in statements) for t in TONES},
            "per_tone_real": {t: sum(t in s.labels for s in real) for t in TONES},
            "no_tone": sum(not s.labels for s in statements),
        },
        "settings": settings,
        "thresholds": {t: float(v) for t, v in zip(TONES, thresholds, strict=True)},
        "C": {t: float(v) for t, v in zip(TONES, Cs, strict=True)},
        "calibration": {
            t: {"slope": float(a), "intercept": float(b)} for t, (a, b) in zip(TONES, calibration, strict=True)
        }
        if calibration is not None
        else {},
        "cross_validation": cv,
    }


def render_card(card: dict) -> str:
    """Markdown for the card file beside a model and for `tonecls info`."""
    from tonecls.output import metrics_table

    c = card.get("counts", {})
    lines = ["# tonecls model card", "", f"Created: {card.get('created', '?')}", ""]
    lines += ["## Versions", ""] + [f"- {k}: {v}" for k, v in card.get("versions", {}).items()] + [""]
    lines += ["## Training data", ""]
    lines += [f"- `{f['path']}` sha256 `{f['sha256'][:16]}…`" for f in card.get("training_files", [])]
    lines += [
        "",
        f"{c.get('statements', 0)} statements: {c.get('real', 0)} real, {c.get('constructed', 0)} constructed; "
        f"{c.get('no_tone', 0)} with no tone.",
        "",
        "Probabilities are calibrated per tone: p = sigmoid(slope x log-odds + intercept), fitted on "
        "grouped out-of-fold scores; a statement has a tone when p reaches the threshold.",
        "",
        "| tone | all | real | threshold | C | calibration (slope, intercept) |",
        "|---|---|---|---|---|---|",
    ]
    for t in TONES:
        cal = card.get("calibration", {}).get(t)
        shown = f"{cal['slope']:.3f}, {cal['intercept']:+.3f}" if cal else "none"
        lines.append(
            f"| {t} | {c.get('per_tone', {}).get(t, 0)} | {c.get('per_tone_real', {}).get(t, 0)} "
            f"| {card.get('thresholds', {}).get(t, 0):.2f} | {card.get('C', {}).get(t, 0):g} | {shown} |"
        )
    lines += ["", "## Settings", "", "```"]
    lines += [f"{k} = {v}" for k, v in card.get("settings", {}).items()] + ["```", ""]
    semantic = card.get("semantic")
    if isinstance(semantic, dict):  # a model of `tonecls train --embed`
        lines += ["## Semantic block", ""] + [f"- {k}: {v}" for k, v in semantic.items()] + [""]
    cv = card.get("cross_validation")
    if cv:
        lines += [
            "## Cross-validation",
            "",
            f"Grouped {cv['folds']}-fold cross-validation repeated {cv['repeats']} times, "
            f"scored on {cv['scored']} real statements (constructed statements train but never score).",
            "",
            metrics_table(cv["systems"]),
            "",
        ]
    return "\n".join(lines)
