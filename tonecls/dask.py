"""Score on a Dask cluster: the cores of many machines, or all of this one (`tonecls score --dask`).

How a run goes:

- the client cuts each input into parts (`tonecls.readers.plan_spans`: JSONL
  after a newline, CSV where a row starts, Parquet between row groups; folders
  of text files in groups of files), reading only what it needs to count lines;
- the model file's bytes go to each worker once, in a worker plugin, and each
  worker loads the model from them: tasks carry only a part's description;
- each task reads its part with the same readers as `tonecls score`, scores it
  with `score_batch` and renders its rows (JSON Lines, CSV lines or an Arrow
  table), returning them with the part's skipped rows;
- the client takes the results in input order, a bounded number in flight, and
  writes one JSONL, CSV or Parquet file, or a folder of Parquet parts.

So the output is byte for byte that of `tonecls score`, the skipped rows are
reported with their file and line in the same order, and the counts agree. A
task whose worker dies is run again on another worker by the scheduler (it
only reads its part), so a lost worker costs time, not rows.

Workers read the input files themselves: on a cluster of several machines the
inputs must be visible to every worker under the same path (a shared file
system), and the output is written by the client. Dask is imported only here.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import uuid
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tonecls.errors import ToneclsError
from tonecls.parts import Part, PartResult, plan_parts, score_part_with, take
from tonecls.readers import MAX_CHARS, SPAN_BYTES
from tonecls.score import Note, ReadOptions, Skip, Summary, Unread

PLUGIN_PREFIX = "tonecls-model-"
INSTALL = "pip install 'tonecls[dask]'"


def require_dask() -> None:
    """A one-line error naming the extra to install when Dask is missing."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise ToneclsError(f"--dask needs Dask and its distributed scheduler: {INSTALL}") from None


# ---------------------------------------------------------------- the model on the workers


def _model_plugin_class():
    from distributed import WorkerPlugin

    class ModelPlugin(WorkerPlugin):
        """Holds a model file's bytes; on each worker (also one that joins or restarts later) loads the model once."""

        idempotent = True  # the same model registered again (a second run on the cluster) is not sent again

        def __init__(self, data: bytes, name: str):
            from tonecls import __version__

            self.data = data
            self.name = name
            self.version = __version__
            self.model: Any = None
            self.error: ToneclsError | None = None

        def setup(self, worker) -> None:
            from tonecls import __version__
            from tonecls.loading import load_any

            if __version__ != self.version:  # another tonecls could read or score otherwise
                self.error = ToneclsError(
                    f"worker {worker.address} runs tonecls {__version__}, this client {self.version}; "
                    "install the same version on both"
                )
                return
            try:
                folder = Path(getattr(worker, "local_directory", None) or tempfile.gettempdir())
                path = folder / f"{self.name}.model"
                path.write_bytes(self.data)
                self.model = load_any(path, predictor=True)
            except (ToneclsError, OSError) as exc:  # raised again by the first task, so the client says why
                self.error = ToneclsError(f"on worker {worker.address}: {exc}")

    return ModelPlugin


def ship_model(client, model_path: str | os.PathLike) -> str:
    """Send the model file to every worker of ``client`` (and to those that join later) once; its plugin name.

    The name holds the file's digest, so a cluster shared by several runs
    keeps each model apart and the same model is sent once.
    """
    path = Path(model_path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ToneclsError(f"{path}: {exc.strerror or exc}") from None
    name = PLUGIN_PREFIX + hashlib.sha256(data).hexdigest()[:16]
    client.register_plugin(_model_plugin_class()(data, name), name=name)
    return name


def worker_model(plugin: str):
    """The model a worker loaded for ``plugin`` (see `ship_model`)."""
    from distributed import get_worker

    loaded = get_worker().plugins.get(plugin)
    if loaded is None:
        raise ToneclsError(f"the model {plugin} was not sent to this worker")
    if loaded.error is not None:
        raise loaded.error
    return loaded.model


def scored_parts(
    client,
    plugin: str,
    parts: Iterable[Part | Skip | Unread],
    summary: Summary,
    *,
    fmt: str,
    raw_cells: bool = False,
    on_skip: Callable[[Skip | Note], None] | None = None,
    window: int | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Any]:
    """Rendered results of the parts in input order, at most ``window`` tasks in flight.

    Skips and notes (the client's and the workers') go to ``summary`` and
    ``on_skip`` in input order. A task lost with its worker is run again by
    the scheduler; a task that fails raises here, in one line for user errors.
    """
    if window is None:
        threads = sum(client.nthreads().values()) or 1
        window = max(4, 2 * threads)
    options = options or ReadOptions()
    run = uuid.uuid4().hex[:10]
    pending: deque = deque()

    def next_result() -> Iterator[Any]:
        entry = pending.popleft()
        if isinstance(entry, Skip | Unread):
            yield from take(PartResult(None, 0, [entry]), summary, on_skip)
            return
        try:
            result: PartResult = entry.result()
        except ToneclsError:
            raise
        except Exception as exc:  # e.g. KilledWorker: the part's workers died again and again
            if type(exc).__name__ != "KilledWorker":
                raise
            raise ToneclsError(
                "a part of the input could not be scored: the workers that took it died, again and again "
                "(out of memory?)"
            ) from None
        entry.release()
        yield from take(result, summary, on_skip, options.dates)

    try:
        for i, part in enumerate(parts):
            if isinstance(part, Skip | Unread):
                pending.append(part)
            else:
                key = f"tonecls-score-{run}-{i}"
                pending.append(client.submit(score_part, part, plugin, fmt, raw_cells, options, key=key, pure=False))
            while sum(not isinstance(e, Skip | Unread) for e in pending) >= window or (
                pending and isinstance(pending[0], Skip | Unread)
            ):
                yield from next_result()
        while pending:
            yield from next_result()
    finally:
        for entry in pending:
            if not isinstance(entry, Skip | Unread):
                entry.cancel()


def score_part(
    part: Part, plugin: str, fmt: str, raw_cells: bool = False, options: ReadOptions | None = None
) -> PartResult:
    """The task each worker runs: one part scored with the model the worker loaded for ``plugin``."""
    return score_part_with(worker_model(plugin), part, fmt, raw_cells, options)


def dask_parts(
    inputs: Iterable[str], part_bytes: int = SPAN_BYTES, options: ReadOptions | None = None
) -> Iterator[Part | Skip | Unread]:
    """`plan_parts` for --dask, which reads files, folders and URLs, not standard input."""
    if "-" in inputs:
        raise ToneclsError("--dask reads files and folders, not standard input ('-')")
    return plan_parts(inputs, part_bytes, options)


# ---------------------------------------------------------------- clusters


@contextmanager
def dask_client(address: str, *, workers: int | None = None) -> Iterator[Any]:
    """A client of the scheduler at ``address``, or of a new cluster on this machine's cores for ``local``.

    The local cluster listens on 127.0.0.1 only, runs one single-threaded
    worker process per core (scoring holds the GIL) and ends with the run.
    """
    require_dask()
    from distributed import Client, LocalCluster

    if address == "local":
        with warnings.catch_warnings():  # "port 8787 is in use, using another": nothing for the user to do
            warnings.simplefilter("ignore", UserWarning)
            cluster = LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                silence_logs=logging.ERROR,
            )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    try:  # waits up to Dask's distributed.comm.timeouts.connect (30 s unless configured)
        client = Client(address)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ToneclsError(f"cannot reach the Dask scheduler at {address} ({_one_line(exc)})") from None
    try:
        yield client
    finally:
        client.close()


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------- a user's own dataframe


def score_dataframe(ddf, model_path: str | os.PathLike | None = None, *, text: str = "text", client=None):
    """Score the ``text`` column of a Dask dataframe: the same frame with the scores added, lazily.

    New columns: ``tones`` (a list of tone names), ``score_<tone>`` for each
    tone and ``skipped``: why a row was not scored (a missing, empty,
    non-string or too long text, as `tonecls score` says it), else None; the
    scores of a skipped row are NaN. The model file is sent to each worker once
    when a distributed client is running (``client``, else the default one);
    without one (Dask's local schedulers) the loaded model goes in the graph.

    >>> import dask.dataframe as dd, pandas as pd  # doctest: +SKIP
    >>> ddf = dd.from_pandas(pd.DataFrame({"text": ["We condemn the attack."]}), npartitions=1)  # doctest: +SKIP
    >>> score_dataframe(ddf).compute()[["tones", "skipped"]]  # doctest: +SKIP
    """
    require_dask()
    from tonecls.model_file import default_model_path

    model_path = Path(model_path) if model_path is not None else default_model_path()
    if text not in ddf.columns:
        raise ToneclsError(f"the dataframe has no {text!r} column (columns: {', '.join(map(str, ddf.columns))})")
    clash = [c for c in _new_columns() if c in ddf.columns]
    if clash:
        raise ToneclsError(f"the dataframe already has a column {clash[0]!r}; rename it before scoring")
    client = client if client is not None else _default_client()
    if client is not None:
        source: Any = ship_model(client, model_path)
    else:
        from tonecls.loading import load_any

        source = load_any(model_path, predictor=True)
    meta = _frame_meta(ddf._meta, text)
    return ddf.map_partitions(score_frame, source, text, meta=meta)


def _default_client():
    try:
        from distributed import default_client

        return default_client()
    except (ImportError, ValueError):
        return None


def _new_columns() -> list[str]:
    from tonecls.columns import SCORE_COLUMNS

    return ["tones", *SCORE_COLUMNS, "note", "skipped"]


def _frame_meta(empty, text: str):
    import pandas as pd

    from tonecls.columns import SCORE_COLUMNS

    meta = empty.copy()
    meta["tones"] = pd.Series([], dtype=object)
    for name in SCORE_COLUMNS:
        meta[name] = pd.Series([], dtype="float64")
    meta["note"] = pd.Series([], dtype=object)
    meta["skipped"] = pd.Series([], dtype=object)
    return meta


def score_frame(frame, source, text: str = "text"):
    """One pandas partition with its scores added (see `score_dataframe`); ``source``: a model or a plugin name."""
    import numpy as np

    from tonecls.batch import score_batch
    from tonecls.columns import SCORE_COLUMNS
    from tonecls.tones import TONES

    model = worker_model(source) if isinstance(source, str) else source
    values = frame[text].tolist()
    skipped: list[str | None] = [_text_problem(v, text) for v in values]
    todo = [i for i, why in enumerate(skipped) if why is None]
    rows = score_batch(model, [values[i] for i in todo])
    tones: list[list[str] | None] = [None] * len(values)
    notes: list[str | None] = [None] * len(values)
    scores = np.full((len(values), len(TONES)), np.nan)
    for i, row in zip(todo, rows, strict=True):
        tones[i] = row["tones"]
        notes[i] = row.get("note")
        scores[i] = [row["scores"][t] for t in TONES]
    import pandas as pd

    out = frame.copy()
    out["tones"] = pd.Series(tones, index=frame.index, dtype=object)
    for k, name in enumerate(SCORE_COLUMNS):
        out[name] = scores[:, k]
    out["note"] = pd.Series(notes, index=frame.index, dtype=object)
    out["skipped"] = pd.Series(skipped, index=frame.index, dtype=object)  # None, not NaN, where scored
    return out


def _text_problem(value: object, column: str) -> str | None:
    """Why a dataframe's text cannot be scored, in the words `tonecls score` uses; None when it can."""
    if not isinstance(value, str):
        if _missing(value):
            return f"missing or empty '{column}'"
        return f"'{column}' must be a string, not {type(value).__name__}"
    if not value.strip():
        return f"missing or empty '{column}'"
    if len(value) > MAX_CHARS:
        return f"too long for one statement ({len(value):,} characters; the limit is {MAX_CHARS:,})"
    return None


def _missing(value: object) -> bool:
    """None, NaN, pandas' NA or NaT: what a dataframe holds where a value is missing."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: present, and not a string
        return False
