"""Where scoring spends its time: cProfile of what `tonecls score` does per chunk of 512 statements (the
feature transform, the probabilities, the rows and their JSON Lines), on the corpus's statements and on
open-domain text.

The corpus sample is statements resampled from the corpus's sentences (a small vocabulary: the per-word
caches hit almost always); the open-domain samples are the real sentences of `../shared/` (UN Security
Council speeches, other crises, PLOVER's records), read once each with cold caches, as new text is, and
statements drawn from the words of the seed articles (a large vocabulary, word pairs never seen). Each
is scored with a freshly loaded model.

Usage: python benchmarks/profile_transform.py [--n 20000] [--top 12]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    RESULTS,
    SHARED,
    generated_statements,
    load_corpus,
    machine,
    seed_word_statements,
    write_results,
)

from tonecls.model_file import default_model_path, load_predictor  # noqa: E402
from tonecls.score import Item, _score_chunk  # noqa: E402

OPEN_DOMAIN = ("external/unscon.jsonl", "other-crises/dev.jsonl", "external/plover_gsr_cameo.jsonl")


def open_domain_texts(shared: Path) -> list[str]:
    texts = []
    for name in OPEN_DOMAIN:
        path = shared / name
        if not path.exists():
            print(f"{path} is absent: left out of the open-domain sample")
            continue
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def profile(model_path: Path, texts: list[str], top: int) -> dict:
    model = load_predictor(model_path)
    chunks = [[Item(str(i), t) for i, t in enumerate(texts[s : s + 512], s)] for s in range(0, len(texts), 512)]
    profiler = cProfile.Profile()
    profiler.enable()
    for chunk in chunks:
        _score_chunk(model, chunk, ("jsonl", False))
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    rows = []
    for (filename, line, name), (_, calls, tottime, _cumtime, _) in sorted(
        stats.stats.items(), key=lambda kv: -kv[1][2]
    )[:top]:
        where = f"{Path(filename).name}:{line}({name})" if line else name
        rows.append({"function": where, "calls": calls, "tottime": tottime, "share": tottime / total})
    words = sum(len(t.split()) for t in texts)
    return {"texts": len(texts), "words": words, "seconds": total, "per_second": len(texts) / total, "top": rows}


def print_table(title: str, result: dict) -> None:
    print(
        f"### {title}: {result['texts']:,} texts, {result['words']:,} words, {result['seconds']:.2f} s profiled "
        f"({result['per_second']:,.0f} texts/s under the profiler)\n"
    )
    print("| function | calls | own time (s) | share |")
    print("|---|---|---|---|")
    for row in result["top"]:
        print(f"| `{row['function']}` | {row['calls']:,} | {row['tottime']:.2f} | {row['share']:.0%} |")
    print()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=default_model_path())
    parser.add_argument("--n", type=int, default=20_000, help="corpus statements to profile")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--shared", type=Path, default=SHARED, help="the shared/ folder with the open-domain data")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    results = {"corpus": profile(args.model, generated_statements(load_corpus(), args.n, seed=3), args.top)}
    print_table("Corpus statements", results["corpus"])
    texts = open_domain_texts(args.shared)
    if texts:
        results["open_domain"] = profile(args.model, texts, args.top)
        print_table("Open-domain sentences", results["open_domain"])
    if (args.shared / "seeds").is_dir():
        texts = seed_word_statements(args.shared / "seeds", args.n, seed=3)
        results["seed_words"] = profile(args.model, texts, args.top)
        print_table("Statements drawn from the seed articles' words", results["seed_words"])
    path = write_results("profile_transform", results, args.out_dir)
    print(f"wrote {path} ({machine()['date']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
