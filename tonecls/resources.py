"""Files shipped inside the package: the gazetteer, the cue lexicon, Punkt's parameters and the model.

They are found with ``importlib.resources`` so that a wheel and a checkout read
the same bytes. A model records the digest of each file its features were
built from, so an edited gazetteer or cue list without retraining is caught
at load time instead of silently shifting every score.
"""

from __future__ import annotations

import hashlib
import os
from importlib import resources
from pathlib import Path

from tonecls.errors import ToneclsError

DATA = "data"
GAZETTEER = "gazetteer.tsv"
CUES = "cues.tsv"
PUNKT = "punkt.json"
SHIPPED_MODEL = "tonecls.model"
SHIPPED_SEMANTIC_MODEL = "tonecls-semantic.model"  # `--model semantic`: needs tonecls[embed]


def read_bytes(name: str) -> bytes:
    """A data file of the package, or a ToneclsError naming it when the installation lacks it."""
    try:
        return resources.files("tonecls").joinpath(DATA, name).read_bytes()
    except OSError:
        raise ToneclsError(f"tonecls/{DATA}/{name} is missing from this installation; reinstall tonecls") from None


def read_text(name: str) -> str:
    return read_bytes(name).decode("utf-8")


def digest(name: str) -> str:
    """SHA-256 of a data file, as recorded in the model files trained with it."""
    return hashlib.sha256(read_bytes(name)).hexdigest()


def read_pairs(name: str) -> list[tuple[str, str]]:
    """The two tab-separated columns of a data file (# starts a comment line)."""
    pairs = []
    for line in read_text(name).splitlines():
        if line.strip() and not line.startswith("#"):
            first, second = line.split("\t", 1)
            pairs.append((first.strip(), second.strip()))
    return pairs


def shipped_model_path(name: str = SHIPPED_MODEL) -> Path:
    """A model file shipped with the package (``models/`` of the repository, ``tonecls/models`` installed)."""
    return Path(str(resources.files("tonecls.models").joinpath(name)))


SEMANTIC_ALIAS = "semantic"


def resolve_model_path(path: str | os.PathLike | None) -> str | os.PathLike | None:
    """``"semantic"`` (when no file of that name is here) is the semantic model shipped with tonecls."""
    if path is not None and str(path) == SEMANTIC_ALIAS and not Path(path).is_file():
        return shipped_model_path(SHIPPED_SEMANTIC_MODEL)
    return path


def checkout_root() -> Path | None:
    """The repository folder when tonecls runs from a checkout (editable install), else None.

    Only a checkout has a ``statements/`` folder to train on and a ``models/``
    folder that is the project's own to overwrite; an installed package has neither.
    """
    root = shipped_model_path().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "statements").is_dir():
        return root
    return None
