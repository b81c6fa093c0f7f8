"""Labeling in the terminal: one statement at a time, every accepted label saved at once.

Each accepted label is appended to the label file and flushed to disk before
the next statement is shown, so a crash or Ctrl-C loses nothing; a rerun
skips every statement the file already holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from tonecls.atomic import atomic_write, check_writable
from tonecls.corpus import Statement, append_statement, jsonl_tail, suggest_tone
from tonecls.errors import InputError, ToneclsError
from tonecls.grouping import text_key
from tonecls.model import ToneModel
from tonecls.output import visible
from tonecls.readers import iter_records
from tonecls.tones import TONES

KEYS = {"1": "condemnation", "2": "conciliation", "3": "threat", "4": "sovereignty"}
HELP = "keys: 1-4 toggle a tone, a or Enter accept, s skip, u undo the last accepted, q quit, ? help"


def check_label_file(path: Path) -> None:
    if path.suffix.lower() != ".jsonl":
        raise ToneclsError(f"{path}: labels are appended as JSON Lines; use a .jsonl file")


def labeled_keys(path: Path) -> tuple[set[str], set[str]]:
    """Ids and text keys already in a label file (an absent file holds none)."""
    ids: set[str] = set()
    texts: set[str] = set()
    if path.exists():
        for _, row in iter_records(path):
            if isinstance(row, dict) and isinstance(row.get("text"), str):
                texts.add(text_key(row["text"]))
                if row.get("id") not in (None, ""):
                    ids.add(str(row["id"]))
    return ids, texts


def parse_tones(value: str) -> tuple[str, ...]:
    tones = [t.strip() for t in value.split(",") if t.strip()]
    for t in tones:
        if t not in TONES:
            raise ToneclsError(f"unknown tone {t!r}{suggest_tone(t)}")
    return tuple(t for t in TONES if t in tones)


def label_one(into: str | os.PathLike, text: str, tones: Sequence[str], *, id: str | None = None) -> Statement:
    """Append one labeled statement (the non-interactive `tonecls label --text`)."""
    into = Path(into)
    check_label_file(into)
    if not text.strip():
        raise ToneclsError("the statement is empty")
    ids, texts = labeled_keys(into)
    if text_key(text) in texts:
        raise ToneclsError(f"{into}: already holds this statement; edit the file to change its labels")
    if id is not None and id in ids:
        raise ToneclsError(f"{into}: already holds id {id!r}")
    statement = Statement(text=text.strip(), labels=tuple(t for t in TONES if t in tones), id=id)
    append_statement(into, statement)
    return statement


class LabelSession:
    """The statements still to label, in the given order, and the file that receives the labels."""

    def __init__(self, model: ToneModel, pool: Sequence[Statement], into: str | os.PathLike):
        self.model = model
        self.into = Path(into)
        check_label_file(self.into)
        check_writable(self.into, overwrite=True)  # refuse before the first label, not at its saving
        jsonl_tail(self.into)  # a torn last line is refused now too
        ids, texts = labeled_keys(self.into)
        self.queue = [s for s in pool if s.id not in ids and text_key(s.text) not in texts]
        self.accepted: list[Statement] = []
        self.already = len(pool) - len(self.queue)

    def accept(self, statement: Statement, tones: set[str]) -> None:
        labels = tuple(t for t in TONES if t in tones)
        labeled = Statement(text=statement.text, labels=labels, id=statement.id, meta=dict(statement.meta))
        append_statement(self.into, labeled)
        self.accepted.append(labeled)

    def undo(self) -> Statement | None:
        """Remove the last label this session appended (the file is rewritten atomically)."""
        if not self.accepted:
            return None
        last = self.accepted.pop()
        lines = self.into.read_text(encoding="utf-8").splitlines(keepends=True)
        if not lines or text_key(_text_of(lines[-1])) != text_key(last.text):
            raise InputError("the label file changed during the session; undo it by editing the file", self.into)
        with atomic_write(self.into, overwrite=True) as fh:
            fh.writelines(lines[:-1])
        return last


def _text_of(line: str) -> str:
    import json

    try:
        return str(json.loads(line).get("text", ""))
    except (json.JSONDecodeError, AttributeError):
        return ""


def run_session(session: LabelSession, read_key: Callable[[], str], show: Callable[[str], None]) -> dict:
    """Drive a session with one key at a time; an empty key (end of input) quits."""
    show(f"{len(session.queue)} statements to label ({session.already} already in {session.into}). {HELP}")
    i = 0
    skipped = 0
    while i < len(session.queue):
        statement = session.queue[i]
        probs = session.model.predict_proba([statement.text])[0]
        chosen = set(session.model.tones_of(probs))
        show(_render(statement, probs, session.model.thresholds_, i, len(session.queue)))
        while True:
            show("selected: " + (", ".join(t for t in TONES if t in chosen) or "no tone") + "  [1-4 a s u q ?]")
            key = read_key()
            if key in KEYS:
                chosen ^= {KEYS[key]}
            elif key in ("a", "\r", "\n"):
                session.accept(statement, chosen)
                i += 1
                break
            elif key == "s":
                skipped += 1
                i += 1
                break
            elif key == "u":
                undone = session.undo()
                if undone is None:
                    show("nothing to undo")
                    continue
                i = next(k for k, s in enumerate(session.queue) if s.id == undone.id and s.text == undone.text)
                show(visible(f"undone: {undone.id}", keep=""))
                break
            elif key in ("q", ""):
                return {"accepted": len(session.accepted), "skipped": skipped, "left": len(session.queue) - i}
            elif key == "?":
                show(HELP)
    return {"accepted": len(session.accepted), "skipped": skipped, "left": 0}


def _render(statement: Statement, probs, thresholds, i: int, n: int) -> str:
    """The statement as shown to the labeler: its text, context and speaker made safe for the terminal."""
    lines = ["", visible(f"[{i + 1}/{n}] {statement.id or ''}", keep=""), visible(statement.text)]
    context = statement.meta.get("context")
    if context and context != statement.text:
        lines.append(f"  context: {visible(str(context))}")
    if statement.meta.get("speaker"):
        lines.append(f"  speaker: {visible(str(statement.meta['speaker']), keep='')}")
    cells = zip(KEYS.items(), probs, thresholds, strict=True)
    guess = ", ".join(f"{k} {t} {p:.2f}{'*' if p >= th else ''}" for (k, t), p, th in cells)
    lines.append(f"  model: {guess}")
    return "\n".join(lines)
