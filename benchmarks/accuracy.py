"""Accuracy of tonecls beside baselines, inside the seed crisis and on crises it never saw.

Tables:
1. grouped, repeated cross-validation on the real statements of statements/
   (constructed statements join every training fold, never a test fold);
2. other crises: train on all of statements/, score ../shared/other-crises/dev.jsonl;
3. UNSCon: the same models, condemnation only, on ../shared/external/unscon.jsonl;
4. leave the crisis out: train on the constructed statements alone, score the seed ones;
and an ablation of tonecls's feature choices on tables 2-4.

Usage: python benchmarks/accuracy.py [--repeats 3] [--folds 5] [--no-embed] [--no-ablation]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, labels_of, load_corpus, machine, read_jsonl, shared_file, write_results  # noqa: E402
from systems import Keywords, Majority, MiniLM, Tonecls, embedding_available  # noqa: E402

from tonecls.evaluate import mean_metrics, tone_metrics  # noqa: E402
from tonecls.grouping import group_ids, grouped_folds, tuning_groups  # noqa: E402
from tonecls.model import Settings  # noqa: E402
from tonecls.output import metrics_table  # noqa: E402
from tonecls.tones import TONES  # noqa: E402

SHIPPED = Settings()
ABLATION = {
    "plain words (no stemming, negation, masking or cues; C=1, thresholds 0.5)": replace(
        SHIPPED, stem=False, negation=False, mask_actors=False, cues=False, C=1.0, tune_thresholds=False
    ),
    "+ stemming and negation marking": replace(SHIPPED, mask_actors=False, cues=False, C=1.0, tune_thresholds=False),
    "+ actor masking": replace(SHIPPED, cues=False, C=1.0, tune_thresholds=False),
    "+ cue lexicon": replace(SHIPPED, C=1.0, tune_thresholds=False),
    "+ C and thresholds by situation-grouped CV (= shipped)": SHIPPED,
    "shipped + character n-grams (2-5)": replace(SHIPPED, char_ngrams=(2, 5)),
    "shipped without masking": replace(SHIPPED, mask_actors=False),
    "shipped without cue lexicon": replace(SHIPPED, cues=False),
    "shipped without stemming and negation": replace(SHIPPED, stem=False, negation=False),
    "shipped with thresholds at 0.5": replace(SHIPPED, tune_thresholds=False),
}


def systems(embed: bool) -> list:
    out = [Majority(), Keywords(), Tonecls(SHIPPED)]
    if embed:
        out.append(MiniLM())
    return out


def cross_validation(statements, embed: bool, folds: int, repeats: int) -> dict:
    """Table 1: the same grouped folds for every system; constructed statements train, never score."""
    texts = [s.text for s in statements]
    y = labels_of(statements)
    groups = group_ids(texts)
    tuning = np.array(situation_groups(statements))
    real = np.flatnonzero([not s.constructed for s in statements])
    constructed = np.flatnonzero([s.constructed for s in statements])
    runners = systems(embed) + [Tonecls(SHIPPED, name="tonecls, seed statements only")]
    runs: dict[str, list] = {r.name: [] for r in runners}
    for rep in range(repeats):
        preds = {r.name: np.zeros((len(real), len(TONES)), dtype=bool) for r in runners}
        for test_pos in grouped_folds(groups[real], y[real], folds, rep):
            test = real[test_pos]
            train_real = np.setdiff1d(real, test)
            for r in runners:
                train = train_real if "seed statements only" in r.name else np.concatenate([train_real, constructed])
                r.fit([texts[i] for i in train], y[train], tuning[train])
                preds[r.name][test_pos] = r.predict([texts[i] for i in test])
            print(f"  repeat {rep + 1}/{repeats}: fold done", file=sys.stderr)
        for name, pred in preds.items():
            runs[name].append(tone_metrics(y[real], pred))
    return {name: mean_metrics(r) for name, r in runs.items()}


def situation_groups(statements) -> list[str]:
    """How `tonecls train` groups statements for tuning: by situation, else near-duplicates."""
    return tuning_groups([s.meta.get("situation") for s in statements], [s.text for s in statements])


def held_out(train_rows, test_rows, runners, tones=TONES) -> dict:
    texts = [s.text for s in train_rows]
    y = labels_of(train_rows)
    groups = situation_groups(train_rows)
    test_texts = [r["text"] if isinstance(r, dict) else r.text for r in test_rows]
    y_test = labels_of(test_rows)
    out = {}
    for r in runners:
        r.fit(texts, y, groups)
        pred = r.predict(test_texts)
        out[r.name] = restrict(tone_metrics(y_test, pred), tones)
    return out


def restrict(metrics: dict, tones) -> dict:
    if tuple(tones) == TONES:
        return metrics
    kept = {t: metrics["tones"][t] for t in tones}
    return {"tones": kept, "macro_f1": float(np.mean([m["f1"] for m in kept.values()])), "n": metrics["n"]}


def single_tone_table(systems_metrics: dict, tone: str) -> str:
    lines = [f"| system | {tone} precision | recall | F1 |", "|---|---|---|---|"]
    for name, m in systems_metrics.items():
        t = m["tones"][tone]
        lines.append(f"| {name} | {t['precision']:.3f} | {t['recall']:.3f} | {t['f1']:.3f} |")
    lines.append(
        f"\nsupport: {next(iter(systems_metrics.values()))['tones'][tone]['support']} of "
        f"{next(iter(systems_metrics.values()))['n']} sentences"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="*", help="label files or folders (default: statements/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-embed", action="store_true", help="leave out the MiniLM baseline")
    parser.add_argument("--no-ablation", action="store_true")
    parser.add_argument("--out-dir", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    statements = load_corpus(args.data)
    real = [s for s in statements if not s.constructed]
    constructed = [s for s in statements if s.constructed]
    why_not = embedding_available()
    embed = not args.no_embed and why_not is None
    if not args.no_embed and why_not:
        print(f"MiniLM + LR: skipped, {why_not}")
    info = machine()
    print(f"# Accuracy ({info['date']}, {info['cores']} cores, {info['cpu']})\n")
    print(f"{len(statements)} statements: {len(real)} real, {len(constructed)} constructed\n")
    results: dict = {"corpus": {"real": len(real), "constructed": len(constructed)}, "tables": {}}

    print(f"## 1. Grouped cross-validation on the real statements ({args.folds} folds x {args.repeats} repeats)\n")
    cv = cross_validation(statements, embed, args.folds, args.repeats)
    results["tables"]["cross_validation"] = cv
    print(metrics_table(cv) + "\n")

    other = shared_file("other-crises/dev.jsonl")
    unscon = shared_file("external/unscon.jsonl")
    if other or unscon:
        runners = systems(embed)
        texts, y = [s.text for s in statements], labels_of(statements)
        for r in runners:
            r.fit(texts, y, situation_groups(statements))
        seed_only = Tonecls(SHIPPED, name="tonecls, seed statements only")
        seed_only.fit([s.text for s in real], labels_of(real), situation_groups(real))
        runners.append(seed_only)
        for key, path, tones, title in (
            ("other_crises", other, TONES, "2. Other crises (../shared/other-crises/dev.jsonl)"),
            ("unscon", unscon, ("condemnation",), "3. UNSCon, condemnation only (../shared/external/unscon.jsonl)"),
        ):
            if path is None:
                print(f"## {title}\n\nskipped: {path or title.split('(')[1].rstrip(')')} is absent on this machine\n")
                continue
            rows = read_jsonl(path)
            y_test = labels_of(rows)
            table = {}
            for r in runners:
                table[r.name] = restrict(tone_metrics(y_test, r.predict([row["text"] for row in rows])), tones)
            results["tables"][key] = table
            print(f"## {title}\n")
            print((metrics_table(table) if len(tones) > 1 else single_tone_table(table, tones[0])) + "\n")
    else:
        print("## 2-3. Other crises and UNSCon\n\nskipped: ../shared/other-crises and ../shared/external are absent\n")

    print("## 4. Leave the crisis out: trained on constructed statements only, scored on the real seed statements\n")
    if constructed and real:
        loo = held_out(constructed, real, systems(embed))
        results["tables"]["leave_crisis_out"] = loo
        print(metrics_table(loo) + "\n")

    if not args.no_ablation:
        results["ablation"] = ablation(statements, constructed, real, other, unscon)
    path = write_results("accuracy", results, args.out_dir)
    print(f"wrote {path}")
    return 0


def ablation(statements, constructed, real, other, unscon) -> dict:
    """Each feature choice on the out-of-domain tables (macro-F1, and UNSCon condemnation F1)."""
    print("## Ablation of tonecls's features (out-of-domain)\n")
    print("| variant | other crises macro-F1 | UNSCon condemnation F1 | leave-crisis-out macro-F1 |")
    print("|---|---|---|---|")
    other_rows = read_jsonl(other) if other else None
    unscon_rows = read_jsonl(unscon) if unscon else None
    out = {}
    for name, settings in ABLATION.items():
        row = {}
        system = Tonecls(settings, name=name)
        system.fit([s.text for s in statements], labels_of(statements), situation_groups(statements))
        if other_rows:
            row["other_crises"] = tone_metrics(labels_of(other_rows), system.predict([r["text"] for r in other_rows]))
        if unscon_rows:
            m = tone_metrics(labels_of(unscon_rows), system.predict([r["text"] for r in unscon_rows]))
            row["unscon_condemnation_f1"] = m["tones"]["condemnation"]["f1"]
        if constructed and real:
            row["leave_crisis_out"] = held_out(constructed, real, [Tonecls(settings, name=name)])[name]
        out[name] = row

        print(
            f"| {name} | {_cell(row, 'other_crises')} | {_cell(row, 'unscon_condemnation_f1')} "
            f"| {_cell(row, 'leave_crisis_out')} |"
        )
    print()
    return out


def _cell(row: dict, key: str) -> str:
    if key not in row:
        return "absent"
    value = row[key]
    return f"{value['macro_f1']:.3f}" if isinstance(value, dict) else f"{value:.3f}"


if __name__ == "__main__":
    raise SystemExit(main())
