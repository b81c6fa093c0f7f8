"""The constructed statements: counts, coverage, and original wording."""

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tonecls.corpus import read_statements
from tonecls.tones import TONES

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
N = 10  # a constructed statement may share no run of this many words with outside text


@pytest.fixture(scope="module")
def constructed():
    return read_statements(sorted((ROOT / "statements").glob("constructed*.jsonl")))


def grams(text: str, n: int = N) -> set[str]:
    words = re.findall(r"[a-z0-9']+", text.lower())
    return {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}


def test_counts_and_coverage(constructed):
    assert len(constructed) >= 1000
    assert all(s.constructed for s in constructed)
    counts = Counter(t for s in constructed for t in s.labels)
    assert all(counts[t] >= 250 for t in TONES), counts
    assert sum(not s.labels for s in constructed) >= 150
    assert len({s.meta["situation"] for s in constructed}) >= 100
    assert {s.meta["kind"] for s in constructed} == {"quote", "reported", "fragment"}


@pytest.mark.parametrize(
    "source",
    ["seeds", "other-crises", "external"],
)
def test_no_ten_word_overlap_with_outside_text(constructed, source):
    folder = SHARED / source
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent on this machine (it is present in development and CI)")
    outside: set[str] = set()
    for path in sorted(folder.iterdir()):
        if path.suffix == ".txt":
            outside |= grams(path.read_text(encoding="utf-8"))
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    outside |= grams(json.loads(line).get("text", ""))
    assert outside, f"no text read from {folder}"
    shared = [(s.id, sorted(grams(s.text) & outside)[0]) for s in constructed if grams(s.text) & outside]
    assert shared == []
