"""Labeling in the browser: the state behind `tonecls serve --label-into FILE` and its /label page.

The page is for labelers who never open a terminal; it keeps the promises of
`tonecls label`: statements come in the `suggest` order, those the label file
already holds are skipped, and an accepted label is appended and fsynced before
the answer (and so the next statement) goes back to the page. A retraining runs
in a thread of the server and writes its model to a new file, never over the
served one.

Everything a request may change goes through ``LabelDesk`` under one lock, since
the server answers each request in its own thread.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
import threading
from collections.abc import Sequence
from http import HTTPStatus
from importlib import resources
from pathlib import Path

from tonecls.atomic import check_writable
from tonecls.corpus import Statement, jsonl_tail, label_files, read_statements
from tonecls.errors import InputError, ToneclsError
from tonecls.grouping import text_key
from tonecls.label import KEYS, LabelSession, check_label_file, labeled_keys
from tonecls.model import ToneModel
from tonecls.output import metrics_table
from tonecls.serve import ApiError, check_text, one_line
from tonecls.suggest import suggest_next
from tonecls.tones import COLOURS, DEFINITIONS, TONES

TOKEN_PLACEHOLDER = b"__TONECLS_TOKEN__"
MIN_REAL_PER_FOLD = 2  # a retraining needs this many real statements per cross-validation fold, and at least:
MIN_REAL = 10
_UNREADABLE = re.compile("[\x00\ud800-\udfff]")


def load_label_page(token: str) -> bytes:
    """The /label page (tonecls/web/label.html) with this session's token in its <meta> tag.

    The token sits outside the script, so the script's hash in the
    Content-Security-Policy stays the same from one session to the next.
    """
    try:
        page = resources.files("tonecls").joinpath("web/label.html").read_bytes()
    except OSError:
        raise ToneclsError("tonecls/web/label.html is missing from this installation; reinstall tonecls") from None
    if not re.fullmatch(r"[A-Za-z0-9_-]+", token):
        raise ValueError("a token goes into HTML as it is: letters, digits, - and _ only")
    if page.count(TOKEN_PLACEHOLDER) != 1:
        raise ToneclsError("tonecls/web/label.html is damaged (no place for the session token); reinstall tonecls")
    return page.replace(TOKEN_PLACEHOLDER, token.encode("ascii"))


def source_text(meta: dict) -> str | None:
    """Where a pool statement comes from, for the page: `extract`'s {"file", "start", "end"} or a plain value."""
    source = meta.get("source")
    if isinstance(source, dict):
        file, start, end = source.get("file"), source.get("start"), source.get("end")
        if file is None:
            return None
        span = f" (characters {start}–{end})" if isinstance(start, int) and isinstance(end, int) else ""
        return f"{file}{span}"
    if source not in (None, ""):
        return str(source)
    sources = meta.get("sources")
    if isinstance(sources, list) and sources:
        return ", ".join(str(s) for s in sources)
    return None


def cv_view(cv: dict | None) -> dict | None:
    """A card's cross-validation as the page shows it: the figures and the same table `tonecls train` prints."""
    if not cv or not cv.get("systems"):
        return None
    return {
        "folds": cv.get("folds"),
        "repeats": cv.get("repeats"),
        "scored": cv.get("scored"),
        "systems": cv["systems"],
        "table": metrics_table(cv["systems"]),
    }


class LabelDesk:
    """One labeling session of the server: the queue, what was accepted in it, the token and the retrainer.

    The queue only grows (statements pasted on the page go to its end), so an
    index names the same statement for the whole session.
    """

    def __init__(
        self,
        model: ToneModel,
        pool: Sequence[Statement],
        into: str | os.PathLike,
        *,
        retrain_base: Sequence[str | os.PathLike] | None = None,
        retrain_out: str | os.PathLike | None = None,
    ):
        self.model = model
        self.into = Path(into)
        check_label_file(self.into)
        check_writable(self.into, overwrite=True)  # the file's problems first, before ordering a long pool
        jsonl_tail(self.into)
        ordered = [s.statement for s in suggest_next(model, pool, n=len(pool))] if pool else []
        self.session = LabelSession(model, ordered, self.into)  # checks the file: writable, no torn last line
        self.token = secrets.token_urlsafe(32)
        self.page = load_label_page(self.token)
        self.saved: dict[int, tuple[str, ...]] = {}  # queue index -> labels accepted in this session
        self.order: list[int] = []  # indexes in the order accepted, for undo
        self.lock = threading.Lock()
        self.retrainer = Retrainer(model, self.into, retrain_base, retrain_out)

    @property
    def queue(self) -> list[Statement]:
        return self.session.queue

    @property
    def already(self) -> int:
        """Statements of the pool left out because the label file held them at the start."""
        return self.session.already

    def token_ok(self, sent: str | None) -> bool:
        """Whether a request carries this session's token (compared in constant time)."""
        return sent is not None and hmac.compare_digest(sent.encode("utf-8", "replace"), self.token.encode("ascii"))

    def state(self) -> dict:
        """What the page needs at its start: the file, the counts, the tones and the retraining set-up."""
        with self.lock:
            position = self._next_open(-1)
            return {
                "into": str(self.into),
                "total": len(self.queue),
                "already": self.already,
                "labeled": len(self.order),
                "position": position,
                "tones": list(TONES),
                "keys": dict(KEYS),
                "colours": dict(COLOURS),
                "definitions": dict(DEFINITIONS),
                "thresholds": {t: round(float(th), 4) for t, th in zip(TONES, self.model.thresholds_, strict=True)},
                "retrain": self.retrainer.status(),
            }

    def item(self, index: int) -> dict:
        """Statement ``index`` of the queue with its context, the model's guess and the labels saved for it."""
        with self.lock:
            statement = self._statement(index)
            saved = self.saved.get(index)
        probs = self.model.predict_proba([statement.text])[0]
        meta = statement.meta
        return {
            "index": index,
            "total": len(self.queue),
            "id": statement.id,
            "text": statement.text,
            "context": meta.get("context") if isinstance(meta.get("context"), str) else None,
            "speaker": _shown(meta.get("speaker")),
            "actor": _shown(meta.get("actor")),
            "date": _shown(meta.get("date")),
            "source": source_text(meta),
            "guess": {
                "tones": self.model.tones_of(probs),
                "scores": {t: round(float(p), 4) for t, p in zip(TONES, probs, strict=True)},
            },
            "saved": list(saved) if saved is not None else None,
        }

    def accept(self, index: object, tones: object) -> dict:
        """Append statement ``index`` with ``tones`` to the label file (whole and fsynced) before answering."""
        labels = check_tones(tones)
        with self.lock:
            statement = self._statement(index)
            if index in self.saved:
                raise ApiError(
                    HTTPStatus.CONFLICT, f"statement {index + 1} is saved already; undo (u) takes back the last label"
                )
            try:
                self.session.accept(statement, set(labels))
            except ToneclsError as exc:
                raise ApiError(HTTPStatus.INTERNAL_SERVER_ERROR, f"not saved: {exc}") from None
            self.saved[index] = labels
            self.order.append(index)
            return {
                "saved": {"index": index, "id": statement.id, "labels": list(labels)},
                "labeled": len(self.order),
                "next": self._next_open(index),
            }

    def undo(self) -> dict:
        """Take the last label of this session out of the file (rewritten atomically, as `label`'s u does)."""
        with self.lock:
            if not self.order:
                raise ApiError(HTTPStatus.CONFLICT, "nothing to undo: no label was accepted in this session")
            index = self.order[-1]
            try:
                self.session.undo()
            except ToneclsError as exc:
                self.order.pop()  # LabelSession forgets it too: the file is the user's to fix now
                raise ApiError(HTTPStatus.CONFLICT, f"not undone: {exc}") from None
            self.order.pop()
            labels = self.saved.pop(index)
            return {"undone": {"index": index, "labels": list(labels)}, "labeled": len(self.order)}

    def add(self, text: object) -> dict:
        """Put a pasted statement at the end of the queue (or find it there) and return its index."""
        text = check_text(text, "text").strip()
        if _UNREADABLE.search(text):
            raise ApiError(
                HTTPStatus.BAD_REQUEST, "text holds a NUL or a lone surrogate, which no label file reader takes back"
            )
        key = text_key(text)
        with self.lock:
            for i, s in enumerate(self.queue):
                if text_key(s.text) == key:
                    return {"index": i, "total": len(self.queue), "existing": True}
            if key in labeled_keys(self.into)[1]:
                raise ApiError(HTTPStatus.CONFLICT, f"{self.into} already holds this statement")
            self.queue.append(Statement(text=text))
            return {"index": len(self.queue) - 1, "total": len(self.queue), "existing": False}

    def _statement(self, index: object) -> Statement:
        if not isinstance(index, int) or isinstance(index, bool):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"index must be a whole number, not {type(index).__name__}")
        if not 0 <= index < len(self.queue):
            raise ApiError(HTTPStatus.NOT_FOUND, f"no statement {index}: the queue has {len(self.queue)} (from 0)")
        return self.queue[index]

    def _next_open(self, after: int) -> int | None:
        """The first index after ``after`` not labeled in this session (None at the end: skipped ones stay skipped)."""
        return next((i for i in range(after + 1, len(self.queue)) if i not in self.saved), None)


def _shown(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def check_tones(tones: object) -> tuple[str, ...]:
    """The tones of an accept request, in TONES order, or a 400 naming the first unknown one."""
    if not isinstance(tones, list) or not all(isinstance(t, str) for t in tones):
        raise ApiError(HTTPStatus.BAD_REQUEST, "tones must be a list of tone names (empty for no tone)")
    for t in tones:
        if t not in TONES:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"unknown tone {t[:40]!r}; tones are {', '.join(TONES)}")
    return tuple(t for t in TONES if t in tones)


def default_retrain_base() -> list[Path]:
    """In a checkout, its statements/ (what the shipped model learns from); installed, nothing."""
    from tonecls.resources import checkout_root

    root = checkout_root()
    return [root / "statements"] if root is not None else []


class Retrainer:
    """One retraining at a time, in a thread, on the base label files plus the label file being written.

    It uses the served model's settings and the folds, repeats and seed of its
    card's cross-validation, so the new table is comparable with the old one.
    """

    def __init__(
        self,
        model: ToneModel,
        into: Path,
        base: Sequence[str | os.PathLike] | None,
        out: str | os.PathLike | None,
    ):
        self.settings = model.settings
        self.into = into
        self.base = [Path(p) for p in (default_retrain_base() if base is None else base)]
        for p in self.base:
            if not p.exists():
                raise InputError("no such file or folder (given as --retrain-base)", str(p))
        cv = (getattr(model, "card_", None) or {}).get("cross_validation") or {}
        self.folds = _whole(cv.get("folds"), 5, low=2)
        self.repeats = _whole(cv.get("repeats"), 1, low=1)
        self.seed = _whole(cv.get("seed"), 0, low=0)
        self.old = cv_view(cv)
        served = getattr(model, "path_", None)
        self.served = Path(served).resolve() if served is not None else None
        self.out = Path(out) if out is not None else None
        if self.out is not None:
            self._check_out(self.out)
        self.lock = threading.Lock()
        self._status: dict = {"state": "idle"}
        self.thread: threading.Thread | None = None

    def _check_out(self, out: Path) -> None:
        from tonecls.model_file import check_replaceable

        if self.served is not None and out.resolve() == self.served:
            raise ToneclsError(
                f"{out}: is the model being served; retrain to another file (e.g. {self.into.stem}-retrain.model) "
                "and serve that one after checking its table"
            )
        check_replaceable(out)
        check_writable(out, overwrite=True, make_folder=True)

    def status(self) -> dict:
        """The state of the last retraining, with the served model's table to compare."""
        with self.lock:
            return {
                **self._status,
                "old": self.old,
                "base": [str(p) for p in self.base],
                "folds": self.folds,
                "repeats": self.repeats,
            }

    def training_files(self) -> list[Path]:
        """The base's label files and the label file (once, also when it lies inside the base folder)."""
        try:
            files = label_files(self.base) if self.base else []
        except InputError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"cannot retrain: {exc}") from None
        seen = {f.resolve() for f in files}
        if self.into.is_file() and self.into.stat().st_size and self.into.resolve() not in seen:
            files.append(self.into)
        return files

    def next_out(self) -> Path:
        """--retrain-out, else the first free ``<label file>-retrain-N.model`` beside the label file."""
        if self.out is not None:
            return self.out
        n = 1
        while True:
            path = self.into.with_name(f"{self.into.stem}-retrain-{n}.model")
            taken = path.exists() or path.with_name(f"{path.stem}.card.md").exists()
            if not taken and (self.served is None or path.resolve() != self.served):
                return path
            n += 1

    def start(self) -> dict:
        """Check the data now (a 400 says why it cannot be used), then train in a thread; 409 while one runs."""
        with self.lock:
            if self._status.get("state") == "running":
                raise ApiError(HTTPStatus.CONFLICT, "a retraining is running already; wait for it to finish")
            files = self.training_files()
            real = self._count_real(files)
            need = max(MIN_REAL, MIN_REAL_PER_FOLD * self.folds)
            if real < need:
                where = ", ".join(str(f) for f in files) or f"{self.into} (no labels yet)"
                raise ApiError(
                    HTTPStatus.BAD_REQUEST,
                    f"too few labeled statements to retrain and cross-validate ({self.folds} folds): {real} real in "
                    f"{where}, at least {need} needed; label more, or start serve with --retrain-base LABEL_FILES",
                )
            out = self.next_out()
            if self.out is not None:
                try:
                    self._check_out(out)
                except ToneclsError as exc:
                    raise ApiError(HTTPStatus.CONFLICT, f"cannot retrain: {exc}") from None
            total = self.folds * self.repeats
            self._status = {
                "state": "running",
                "phase": "cross-validating",
                "done": 0,
                "total": total,
                "model": str(out),
                "files": [str(f) for f in files],
            }
            self.thread = threading.Thread(target=self._run, args=(files, out), name="tonecls-retrain", daemon=True)
            self.thread.start()
            return {**self._status, "old": self.old}

    def _count_real(self, files: list[Path]) -> int:
        if not files:
            return 0
        try:
            return sum(not s.constructed for s in read_statements(files))
        except InputError as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"cannot retrain: {exc}") from None

    def _update(self, **changes) -> None:
        with self.lock:
            self._status.update(changes)

    def _progress(self, done: int, total: int) -> None:
        phase = "fitting the final model" if done >= total else "cross-validating"
        self._update(done=done, total=total, phase=phase)

    def _run(self, files: list[Path], out: Path) -> None:
        """The thread's work; any failure ends in a one-line ``error`` in the status, never a traceback."""
        from tonecls.model_file import save_model, write_card
        from tonecls.training import train

        try:
            result = train(
                files, settings=self.settings, folds=self.folds, repeats=self.repeats, seed=self.seed,
                progress=self._progress,
            )  # fmt: skip
            self._update(phase="saving")
            path = save_model(result.model, out, result.card)
            card = write_card(path)
            self._update(
                state="done",
                phase="done",
                model=str(path),
                card=str(card),
                new=cv_view(result.card.get("cross_validation")),
                counts=result.card["counts"],
            )
        except ToneclsError as exc:
            self._update(state="failed", phase="failed", error=str(exc))
        except Exception as exc:  # a bug must not kill the server's thread silently
            self._update(state="failed", phase="failed", error=f"internal error: {one_line(exc)}")

    @property
    def running(self) -> bool:
        with self.lock:
            return self._status.get("state") == "running"

    def join(self, timeout: float | None = None) -> None:
        """Wait for a running retraining (tests, and a server that shuts down cleanly)."""
        thread = self.thread
        if thread is not None:
            thread.join(timeout)


def _whole(value: object, default: int, *, low: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= low else default
