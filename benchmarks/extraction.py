"""Extraction: how many of the seed statements `tonecls.extract` finds in the five seed articles.

The seed corpus (statements/seed.jsonl) lists every official statement of the five articles in
../shared/seeds, with the articles each one appears in. A seed statement is found when an item extracted
from one of its listed articles overlaps it: the item's words cover at least half of the seed statement's
words, or the seed text appears word for word in the item's context. Precision is the share of extracted
items that match a seed statement of their article by the same rule in either direction (the seed's words
cover half of the item's, or the item's text appears in the seed text). Words are lower-cased runs of
letters and digits, with "'s" dropped and typographic quotes folded; the half-of-the-words overlap leaves
function words ("the", "of", "has") out, and the looser figures with them counted are printed beside it
and kept in the results as ``overall_all_words``. A match only says the item covers a seed statement; the
speaker and actor extracted are not scored.

Per article, recall counts the seed statements listing that article and found in it; overall, a seed
statement counts once, found in any of its articles.

Usage: python benchmarks/extraction.py [--show-unmatched]
(--show-unmatched prints the extracted items that match no seed statement; they are not written to the
results file, which holds no article text.)
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, read_jsonl, write_results  # noqa: E402

from tonecls.extract import extract_statements  # noqa: E402
from tonecls.text import normalise  # noqa: E402

SEEDS = ROOT.parent / "shared" / "seeds"
SEED_FILE = ROOT / "statements" / "seed.jsonl"
SHARE = 0.5
_WORD = re.compile(r"[^\W_]+")
# Function words do not count towards overlap: with them, "Tehran alleges that the group also has hideouts"
# would share half its words with any sentence about Tehran.
STOPWORDS = frozenset(
    "a an the of to in on at by for from with into onto and or but nor as that this these those it its is are was "
    "were be been being has have had will would can could should may might must not no than then there their they "
    "them he she his her him we our us you your i which who whom whose what when where while also so such both each "
    "other any all some more most very only just about over under after before between against during through up "
    "out if because do does did said says".split()
)


def words(text: str, *, all_words: bool = False) -> list[str]:
    found = _WORD.findall(re.sub(r"'s\b", "", normalise(text).lower()))
    return found if all_words else [w for w in found if w not in STOPWORDS]


def _covers(part: list[str], whole: list[str]) -> bool:
    """``whole`` has at least half of the distinct words of ``part``."""
    need = set(part)
    return bool(need) and len(need & set(whole)) >= SHARE * len(need)


def _inside(part: list[str], whole: list[str]) -> bool:
    """``part`` appears word for word in ``whole``."""
    n = len(part)
    return n > 0 and any(whole[i : i + n] == part for i in range(len(whole) - n + 1))


def finds(seed: str, item: dict, all_words: bool = False) -> bool:
    """Recall's rule: the item covers half the seed's words, or its context holds the seed text."""
    covered = _covers(words(seed, all_words=all_words), words(item["text"], all_words=all_words))
    return covered or _inside(words(seed, all_words=True), words(item["context"], all_words=True))


def matches(seed: str, item: dict, all_words: bool = False) -> bool:
    """Precision's rule: the recall rule in either direction."""
    covered = _covers(words(item["text"], all_words=all_words), words(seed, all_words=all_words))
    return (
        finds(seed, item, all_words)
        or covered
        or _inside(words(item["text"], all_words=True), words(seed, all_words=True))
    )


def measure(seeds_dir: Path = SEEDS, seed_file: Path = SEED_FILE, *, all_words: bool = False) -> dict:
    """Extract from every article of ``seeds_dir`` and compare with the seed statements; no printing.

    ``all_words`` counts function words too in the overlap (a looser match, shown for comparison).
    """
    seeds = read_jsonl(seed_file)
    started = time.perf_counter()
    articles, found_ids, unmatched = [], set(), {}
    for path in sorted(seeds_dir.glob("*.txt")):
        items = extract_statements(path.read_text(encoding="utf-8"), path.name)
        listed = [s for s in seeds if path.name in s.get("sources", [])]
        found = {s["id"] for s in listed if any(finds(s["text"], it, all_words) for it in items)}
        good = [it for it in items if any(matches(s["text"], it, all_words) for s in listed)]
        found_ids |= found
        unmatched[path.name] = [it for it in items if it not in good]
        articles.append(_row(path.name, len(listed), len(found), len(items), len(good)))
    missed = [{"id": s["id"], "text": s["text"]} for s in seeds if s["id"] not in found_ids]
    total = _row(
        "overall",
        len(seeds),
        len(found_ids),
        sum(a["extracted"] for a in articles),
        sum(a["matching"] for a in articles),
    )
    seconds = round(time.perf_counter() - started, 2)
    return {"articles": articles, "overall": total, "missed": missed, "unmatched": unmatched, "seconds": seconds}


def _row(name: str, seeds: int, found: int, extracted: int, good: int) -> dict:
    return {
        "article": name,
        "seeds": seeds,
        "found": found,
        "recall": round(found / seeds, 3) if seeds else None,
        "extracted": extracted,
        "matching": good,
        "precision": round(good / extracted, 3) if extracted else None,
    }


def table(result: dict) -> str:
    lines = [
        "| article | seed statements | found | recall | extracted | matching a seed | precision |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*result["articles"], result["overall"]]:
        name = f"**{r['article']}**" if r["article"] == "overall" else r["article"]
        lines.append(
            f"| {name} | {r['seeds']} | {r['found']} | {r['recall']} | {r['extracted']} | {r['matching']} "
            f"| {r['precision']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-unmatched", action="store_true", help="print extracted items matching no seed")
    args = parser.parse_args(argv)
    if not SEEDS.is_dir():
        print("skipped: ../shared/seeds is absent on this machine")
        return 0
    result = measure()
    loose = measure(all_words=True)["overall"]
    print(table(result))
    print(
        f"\nwith function words counted in the overlap (looser): recall {loose['recall']}, "
        f"precision {loose['precision']}"
    )
    print(f"\nmissed seed statements ({len(result['missed'])}):")
    for m in result["missed"]:
        print(f"- {m['id']}: {m['text']}")
    if args.show_unmatched:
        print("\nextracted items matching no seed statement:")
        for items in result["unmatched"].values():
            for it in items:
                print(f"- {it['id']} ({it['kind']}, {it['speaker']}): {it['text']}")
    unmatched_ids = {name: [it["id"] for it in items] for name, items in result["unmatched"].items()}
    payload = {k: v for k, v in result.items() if k != "unmatched"}
    path = write_results("extraction", {**payload, "unmatched_ids": unmatched_ids, "overall_all_words": loose})
    print(f"\nwrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
