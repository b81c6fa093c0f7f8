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
speaker and actor extracted do not count in it.

Per article, recall counts the seed statements listing that article and found in it; overall, a seed
statement counts once, found in any of its articles. Speakers and actors are checked apart (see below):
for each seed statement found in an article, on the item that covers most of its words.

The rules were written while reading the seed articles, so the same figures are also measured on the
project's own new articles (benchmarks/articles: wire copy, press releases and long-form reports written
for this, with gold lists of their official statements written before extraction was run on them), by the
same rule with the gold statements in place of the seed statements. Six of those articles are a tuning set
that was read while the rules were improved; six are held out. Beside recall and precision, for each gold
statement found the best-matching item (the one that covers most of its words) is checked for its actor
(equal, ignoring case) and its speaker (the gold speaker's last word is one of the item's speaker words).

Usage: python benchmarks/extraction.py [--seeds DIR] [--split tuning|held-out|all] [--show-unmatched]
(--show-unmatched prints the extracted items that match no seed or gold statement; they are not written
to the results file, which holds no article text.)
"""

from __future__ import annotations

import argparse
import json
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
ARTICLES = ROOT / "benchmarks" / "articles"
SPLITS = ("tuning", "held-out")
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
    checks = {"actor": [0, 0], "speaker": [0, 0]}
    for path in sorted(seeds_dir.glob("*.txt")):
        items = extract_statements(path.read_text(encoding="utf-8"), path.name)
        listed = [s for s in seeds if path.name in s.get("sources", [])]
        found = {s["id"] for s in listed if any(finds(s["text"], it, all_words) for it in items)}
        for s in listed:
            if s["id"] in found:
                for key, right in _attribution(s, _best(s, items, all_words)).items():
                    checks[key][0] += bool(right)
                    checks[key][1] += right is not None
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
    right = {key: {"right": r, "of": n} for key, (r, n) in checks.items()}
    return {
        "articles": articles,
        "overall": total,
        "attribution": right,
        "missed": missed,
        "unmatched": unmatched,
        "seconds": seconds,
    }


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


def table(result: dict, reference: str = "seed statements", matching: str = "matching a seed") -> str:
    """Per article and overall: recall against the reference list, precision of what was extracted."""
    lines = [
        f"| article | {reference} | found | recall | extracted | {matching} | precision |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in [*result["articles"], result["overall"]]:
        name = f"**{r['article']}**" if r["article"] == "overall" else r["article"]
        lines.append(
            f"| {name} | {r['seeds']} | {r['found']} | {r['recall']} | {r['extracted']} | {r['matching']} "
            f"| {r['precision']} |"
        )
    return "\n".join(lines)


def measure_articles(
    names: list[str], articles_dir: Path = ARTICLES, gold_file: Path | None = None, *, all_words: bool = False
) -> dict:
    """Extract from the named articles of ``articles_dir`` and compare with their gold statements (no printing).

    The seed rule, with gold statements for seed statements; each article's gold lists only its own
    statements, so rows add up to the overall line. Also checks the actor and speaker of the best item.
    """
    gold = read_jsonl(gold_file or articles_dir / "gold.jsonl")
    rows, unmatched, missed, checks = [], {}, [], {"actor": [0, 0], "speaker": [0, 0]}
    for name in names:
        path = articles_dir / name
        items = extract_statements(path.read_text(encoding="utf-8"), name)
        listed = [g for g in gold if g["article"] == name]
        found = [g for g in listed if any(finds(g["text"], it, all_words) for it in items)]
        good = [it for it in items if any(matches(g["text"], it, all_words) for g in listed)]
        for g in found:
            for key, right in _attribution(g, _best(g, items, all_words)).items():
                checks[key][0] += bool(right)
                checks[key][1] += right is not None
        missed += [{"id": g["id"], "text": g["text"]} for g in listed if g not in found]
        unmatched[name] = [it for it in items if it not in good]
        rows.append(_row(name, len(listed), len(found), len(items), len(good)))
    total = _row("overall", *(sum(r[k] for r in rows) for k in ("seeds", "found", "extracted", "matching")))
    right = {key: {"right": r, "of": n} for key, (r, n) in checks.items()}
    return {"articles": rows, "overall": total, "attribution": right, "missed": missed, "unmatched": unmatched}


def _best(gold: dict, items: list[dict], all_words: bool = False) -> dict:
    """The item that covers most of a gold statement's words (the shorter one on a tie)."""
    need = set(words(gold["text"]))
    found = [it for it in items if finds(gold["text"], it, all_words)]
    return max(found, key=lambda it: (len(need & set(words(it["text"]))), -len(it["text"])))


def _attribution(gold: dict, item: dict) -> dict[str, bool | None]:
    """Whether the item's actor and speaker are the gold ones (None: the gold names no speaker)."""
    actor = (item.get("actor") or "").casefold() == (gold.get("actor") or "").casefold()
    if not gold.get("speaker"):
        return {"actor": actor, "speaker": None}
    last = re.sub(r"['\u2019]s$", "", gold["speaker"].split()[-1]).casefold()
    said = re.sub(r"['\u2019]s\b", "", item.get("speaker") or "").casefold().replace(",", " ").split()
    return {"actor": actor, "speaker": last in said}


def splits(articles_dir: Path = ARTICLES) -> dict[str, list[str]]:
    return json.loads((articles_dir / "splits.json").read_text(encoding="utf-8"))


def new_table(result: dict) -> str:
    return table(result, reference="gold statements", matching="matching gold")


def summary_table(seed: dict | None, new: dict[str, dict], loose: dict[str, dict]) -> str:
    """One line per article set: recall and precision, the looser figures, actors and speakers right."""
    lines = [
        "| articles | statements | recall | precision | recall / precision with function words | actor right "
        "| speaker right |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    sets = ([("seed articles (rules written from them)", seed)] if seed else []) + [
        (f"new articles, {name}", new[name]) for name in new
    ]
    for label, result in sets:
        o = result["overall"]
        key = "seed" if result is seed else label.removeprefix("new articles, ")
        lo = loose[key]["overall"]
        att = result.get("attribution")
        a, s = (att["actor"], att["speaker"]) if att else ({}, {})
        lines.append(
            f"| {label} | {o['seeds']} | {o['recall']} | {o['precision']} | {lo['recall']} / {lo['precision']} "
            f"| {_share(a)} | {_share(s)} |"
        )
    return "\n".join(lines)


def _share(check: dict) -> str:
    return f"{check['right']}/{check['of']}" if check else "not scored"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=SEEDS, help="folder of the five seed articles")
    parser.add_argument(
        "--split", choices=[*SPLITS, "all"], default="all", help="which new articles to measure (default: all)"
    )
    parser.add_argument("--show-unmatched", action="store_true", help="print extracted items matching nothing")
    parser.add_argument("--out-dir", type=Path, default=None, help="where to write extraction.json")
    args = parser.parse_args(argv)
    seed = loose_seed = None
    if args.seeds.is_dir():
        seed, loose_seed = measure(args.seeds), measure(args.seeds, all_words=True)
        print(table(seed))
        print(
            f"\nwith function words counted in the overlap (looser): recall {loose_seed['overall']['recall']}, "
            f"precision {loose_seed['overall']['precision']}"
        )
        print(f"\nmissed seed statements ({len(seed['missed'])}):")
        for m in seed["missed"]:
            print(f"- {m['id']}: {m['text']}")
    else:
        print(f"skipped the seed articles: {args.seeds} is absent on this machine")
    names = SPLITS if args.split == "all" else (args.split,)
    new = {name: measure_articles(splits()[name]) for name in names}
    loose = {name: measure_articles(splits()[name], all_words=True) for name in names}
    for name, result in new.items():
        print(f"\n### New articles, {name}\n\n{new_table(result)}")
        print(f"\nmissed gold statements ({len(result['missed'])}):")
        for m in result["missed"]:
            print(f"- {m['id']}: {m['text']}")
    print(f"\n### Summary\n\n{summary_table(seed, new, {**loose, 'seed': loose_seed})}")
    if args.show_unmatched:
        print("\nextracted items matching no seed or gold statement:")
        for result in ([seed] if seed else []) + list(new.values()):
            for items in result["unmatched"].values():
                for it in items:
                    print(f"- {it['id']} ({it['kind']}, {it['speaker']}, {it['actor']}): {it['text']}")
    payload: dict = {}
    if seed:
        payload = {k: v for k, v in seed.items() if k != "unmatched"}
        payload["unmatched_ids"] = {n: [it["id"] for it in items] for n, items in seed["unmatched"].items()}
        payload["overall_all_words"] = loose_seed["overall"]
    payload["new_articles"] = {
        name: {
            **{k: v for k, v in result.items() if k not in ("unmatched", "missed")},
            "missed_ids": [m["id"] for m in result["missed"]],
            "unmatched_ids": {n: [it["id"] for it in items] for n, items in result["unmatched"].items()},
            "overall_all_words": loose[name]["overall"],
        }
        for name, result in new.items()
    }
    path = write_results("extraction", payload, *([args.out_dir] if args.out_dir else []))
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
