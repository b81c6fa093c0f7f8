"""The `tonecls` command: each command parses, calls the library once, and renders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from tonecls.errors import ToneclsError
from tonecls.tones import TONES


class ToneclsGroup(click.Group):
    """Turns the library's user errors into one-line messages and exit code 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToneclsError as exc:
            raise click.ClickException(str(exc)) from None


def model_option(fn):
    return click.option(
        "--model",
        "model_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Model file (default: $TONECLS_MODEL, else the shipped models/tonecls.model).",
    )(fn)


def json_option(fn):
    return click.option("json_", "--json", is_flag=True, help="Print JSON instead of text.")(fn)


def _load(model_path: str | None):
    from tonecls.model_file import load_model

    return load_model(model_path)


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


@click.group(cls=ToneclsGroup)
@click.version_option(package_name="tonecls")
def cli() -> None:
    """Tone of diplomatic statements: condemnation, conciliation, threat, sovereignty."""


@cli.command()
@click.argument("text", required=False)
@model_option
@json_option
@click.option("--lines", is_flag=True, help="Classify each line of standard input as its own statement.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1), help="Evidence phrases per tone.")
def classify(text: str | None, model_path: str | None, json_: bool, lines: bool, top: int) -> None:
    """Classify one statement given as TEXT, or read from standard input.

    \b
    Example:
        tonecls classify "This violation of our sovereignty is unacceptable."
        echo "We call for restraint." | tonecls classify --json
    """
    from tonecls.output import classification_text

    if text is None or text == "-":
        raw = sys.stdin.read()
        texts = [t for t in raw.splitlines() if t.strip()] if lines else [raw]
    else:
        if lines:
            raise click.UsageError("--lines reads standard input; give no TEXT")
        texts = [text]
    texts = [t.strip() for t in texts if t.strip()]
    if not texts:
        raise ToneclsError("no statement given: pass TEXT or pipe it on standard input")
    model = _load(model_path)
    thresholds = dict(zip(TONES, map(float, model.thresholds_), strict=True))
    for i, t in enumerate(texts):
        result = model.classify(t, top=top)
        if json_:
            click.echo(json.dumps(result, ensure_ascii=False))
        else:
            if lines:
                click.echo(("\n" if i else "") + t)
            click.echo(classification_text(result, thresholds))


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Output file, .csv or .jsonl (default: JSONL on stdout).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--jobs", default=1, show_default=True, type=click.IntRange(-1), help="Processes to score with (-1: all cores)."
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or skip notes on standard error.")
@model_option
def score(
    inputs: tuple[str, ...], out: str | None, force: bool, jobs: int, quiet: bool, model_path: str | None
) -> None:
    """Score folders of .txt/.md files, text files, JSONL/CSV files or - (one statement per line).

    \b
    Example:
        tonecls score articles/ --out scores.csv
        tonecls score statements.jsonl > scores.jsonl
    """
    from tonecls.score import Summary, iter_inputs, output_format, score_items, write_atomic, write_rows

    fmt = output_format(out)
    if jobs == 0:
        raise click.BadParameter("must not be 0", param_hint="--jobs")
    model = _load(model_path)
    summary = Summary()
    show = not quiet
    progress = show and _stderr_is_tty()

    def on_skip(skip) -> None:
        if show:
            click.echo(("\r" if progress else "") + str(skip), err=True)

    def counted(rows):
        for row in rows:
            yield row
            if progress and summary.scored % 512 == 0:
                click.echo(f"\rscored {summary.scored:,} statements", err=True, nl=False)

    stdin = sys.stdin
    rows = counted(score_items(model, iter_inputs(inputs, stdin), summary, jobs=jobs, on_skip=on_skip))
    if out is None or out == "-":
        write_rows(rows, sys.stdout, fmt)
    else:
        write_atomic(out, lambda fh: write_rows(rows, fh, fmt), overwrite=force)
    if progress:
        click.echo("\r", err=True, nl=False)
    if show:
        where = f" to {out}" if out else ""
        click.echo(f"scored {summary.scored:,} statements{where}; skipped {len(summary.skipped)} inputs", err=True)
    if summary.scored == 0:
        raise ToneclsError("nothing was scored" + (" (every input was skipped)" if summary.skipped else ""))


@cli.command()
@click.argument("data", nargs=-1)
@click.option(
    "--out",
    default="models/tonecls.model",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the model.",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2), help="Cross-validation folds.")
@click.option(
    "--repeats", default=3, show_default=True, type=click.IntRange(0), help="Cross-validation repeats (0: skip)."
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. --set C=1.0.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on standard error.")
@json_option
def train(data, out, folds, repeats, seed, overrides, quiet, json_) -> None:
    """Train on label files or folders (default: statements/) and write the model and its card.

    \b
    Example:
        tonecls train statements/ --out models/tonecls.model
    """
    from tonecls.card import render_card
    from tonecls.model import Settings
    from tonecls.model_file import save_model
    from tonecls.output import metrics_table
    from tonecls.train import train as run_training

    settings = Settings.from_dict({**Settings().to_dict(), **_parse_overrides(overrides)})
    bar = None
    progress = None
    if not quiet and _stderr_is_tty() and repeats:
        bar = click.progressbar(length=folds * repeats, label="cross-validating", file=sys.stderr)
        progress = lambda done, total: bar.update(1)  # noqa: E731
    result = run_training(
        data or ["statements"], settings=settings, folds=folds, repeats=repeats, seed=seed, progress=progress
    )
    if bar is not None:
        bar.render_finish()
    path = save_model(result.model, out, result.card)
    card_path = path.with_name("MODEL_CARD.md")
    from tonecls.score import write_atomic

    write_atomic(card_path, lambda fh: fh.write(render_card(result.card) + "\n"), overwrite=True)
    cv = result.card["cross_validation"]
    if json_:
        click.echo(json.dumps({"model": str(path), "card": result.card}, indent=2, ensure_ascii=False))
        return
    counts = result.card["counts"]
    click.echo(
        f"trained on {counts['statements']} statements ({counts['real']} real, {counts['constructed']} constructed)"
    )
    if cv:
        click.echo(f"grouped {folds}-fold cross-validation x {repeats}, scored on {cv['scored']} real statements:\n")
        click.echo(metrics_table(cv["systems"]))
    else:
        click.echo("cross-validation skipped")
    click.echo(f"\nwrote {path} and {card_path}")


def _parse_overrides(overrides: tuple[str, ...]) -> dict:
    out = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE", param_hint="--set")
        try:
            out[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            out[key.strip()] = value
    return out


@cli.command()
@click.argument("data", nargs=-1, required=True)
@model_option
@json_option
def evaluate(data: tuple[str, ...], model_path: str | None, json_: bool) -> None:
    """Score labeled files with the model and report per-tone precision, recall and F1.

    \b
    Example:
        tonecls evaluate new-labels.jsonl
    """
    from tonecls.evaluate import evaluate_statements
    from tonecls.output import metrics_table

    model = _load(model_path)
    report = evaluate_statements(model, data)
    if json_:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['scored']} real statements scored ({report['constructed_skipped']} constructed left out)")
    if report["seen_in_training"]:
        click.echo(
            "note: these files trained this model, so the figures are optimistic;"
            " see `tonecls info` for cross-validation"
        )
    click.echo(metrics_table(report["systems"]))


@cli.command()
@click.option("--tone", type=click.Choice(TONES), help="Only this tone.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(1))
@model_option
@json_option
def explain(tone: str | None, top: int, model_path: str | None, json_: bool) -> None:
    """Show the phrases with the largest positive and negative weights per tone.

    \b
    Example:
        tonecls explain --tone threat --top 10
    """
    from tonecls.explain import top_features

    model = _load(model_path)
    result = {t: top_features(model, t, top=top) for t in ([tone] if tone else TONES)}
    if json_:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for t, sides in result.items():
        click.echo(f"{t}")
        for side in ("positive", "negative"):
            items = ", ".join(f"{name} {w:+.2f}" for name, w in sides[side])
            click.echo(f"  {side}: {items}")


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--errors-only", is_flag=True, help="Hide warnings.")
def validate(paths: tuple[str, ...], errors_only: bool) -> None:
    """Check label files (JSONL or CSV): JSON, texts, tone names, duplicate ids and conflicts.

    \b
    Example:
        tonecls validate statements/
    """
    from tonecls.corpus import label_files
    from tonecls.corpus import validate as run_validation

    files = label_files(paths)
    statements, issues = run_validation(files)
    errors = [i for i in issues if i.level == "error"]
    for issue in issues:
        if issue.level == "error" or not errors_only:
            click.echo(str(issue), err=True)
    warnings = len(issues) - len(errors)
    click.echo(f"{len(statements)} statements in {len(files)} files: {len(errors)} errors, {warnings} warnings")
    if errors:
        sys.exit(1)


@cli.command()
@model_option
@json_option
def info(model_path: str | None, json_: bool) -> None:
    """Show the model card: training data, settings, thresholds and cross-validation.

    \b
    Example:
        tonecls info
    """
    from tonecls.card import render_card
    from tonecls.model_file import read_meta

    path = Path(model_path) if model_path else None
    if path is None:
        from tonecls.model_file import default_model_path

        path = default_model_path()
    meta, _ = read_meta(path)
    if json_:
        click.echo(json.dumps(meta["card"], indent=2, ensure_ascii=False))
    else:
        click.echo(f"model file: {path} (format version {meta['format_version']})")
        click.echo(render_card(meta["card"]))
