"""Shared by the benchmark scripts: data, systems' common shape, machine facts, results."""

from __future__ import annotations

import json
import os
import platform
import random
import re
import time
from datetime import date
from pathlib import Path

import numpy as np

from tonecls.atomic import write_atomic
from tonecls.corpus import Statement, read_statements
from tonecls.model import label_matrix

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
# The measurement data beside the checkout; TONECLS_SHARED points elsewhere (a git worktree's parent has none).
SHARED = Path(os.environ.get("TONECLS_SHARED") or ROOT.parent / "shared")


def machine() -> dict:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "cpu": cpu, "python": platform.python_version(), "date": date.today().isoformat()}


def write_results(name: str, payload: dict, out_dir: Path = RESULTS) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.json"
    text = json.dumps({"machine": machine(), **payload}, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, lambda fh: fh.write(text), overwrite=True)
    return path


def load_corpus(paths: list[str] | None = None) -> list[Statement]:
    return read_statements(paths or [ROOT / "statements"])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def shared_file(relative: str) -> Path | None:
    """A measurement file in ../shared, or None (with the caller printing why) where absent."""
    path = SHARED / relative
    return path if path.exists() else None


def labels_of(rows) -> np.ndarray:
    return label_matrix([r.labels if isinstance(r, Statement) else r["labels"] for r in rows])


_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def seed_word_statements(folder: Path, n: int, *, words: int = 45, seed: int = 0) -> list[str]:
    """Statements of ``words`` words drawn (seeded) from the words of the seed articles in ``folder``, as they
    stand there (capitals, punctuation, typographic quotes): an open-domain vocabulary and word pairs no
    model has seen, for speed measurements only (nothing is trained on them or kept)."""
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(Path(folder).glob("*.txt")))
    vocabulary = text.split()
    if not vocabulary:
        raise SystemExit(f"{folder}: no seed articles there (set TONECLS_SHARED to the shared/ folder)")
    rng = random.Random(seed)
    return [" ".join(rng.choices(vocabulary, k=words)) for _ in range(n)]


def generated_statements(statements: list[Statement], n: int, *, words: int = 45, seed: int = 0) -> list[str]:
    """Statements of about ``words`` words made by resampling the corpus's sentences (seeded)."""
    sentences = [s for st in statements for s in _SENTENCE.split(st.text) if len(s.split()) >= 3]
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        parts: list[str] = []
        count = 0
        while count < words:
            sentence = rng.choice(sentences)
            parts.append(sentence)
            count += len(sentence.split())
        out.append(" ".join(parts))
    return out


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
