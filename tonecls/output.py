"""Rendering shared by the commands: bars, metric tables, JSON."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from tonecls.tones import TONES

BAR_WIDTH = 30


def bar(p: float, threshold: float | None = None, width: int = BAR_WIDTH) -> str:
    """A text bar for a probability, with the threshold marked by '|'."""
    filled = round(p * width)
    cells = ["#" if i < filled else "." for i in range(width)]
    if threshold is not None:
        mark = min(int(threshold * width), width - 1)
        cells[mark] = "|"
    return "".join(cells)


def classification_text(result: dict, thresholds: dict[str, float]) -> str:
    """The readable form of one `classify` result."""
    lines = []
    for tone in TONES:
        p = result["scores"][tone]
        flag = "*" if tone in result["tones"] else " "
        lines.append(f"{flag} {tone:<13} {bar(p, thresholds[tone])} {p:.2f}  (threshold {thresholds[tone]:.2f})")
    lines.append("tones: " + (", ".join(result["tones"]) or "none"))
    if result.get("note"):
        lines.append(f"note: {result['note']}")
    for tone, phrases in result["evidence"].items():
        shown = ", ".join(f"{phrase!r} {weight:+.2f}" for phrase, weight in phrases)
        lines.append(f"  {tone} because of: {shown or '(no single phrase stands out)'}")
    return "\n".join(lines)


def metrics_table(systems: dict[str, dict]) -> str:
    """A markdown table: per-tone precision / recall / F1 and macro-F1, one row per system."""
    header = "| system | " + " | ".join(f"{t} P / R / F1" for t in TONES) + " | macro-F1 |"
    lines = [header, "|" + "---|" * (len(TONES) + 2)]
    for name, m in systems.items():
        cells = []
        for t in TONES:
            tm = m["tones"][t]
            if tm["f1"] is None:
                cells.append("n/a (no examples)")
            else:
                cells.append(f"{tm['precision']:.2f} / {tm['recall']:.2f} / {tm['f1']:.2f}")
        macro = f"{m['macro_f1']:.3f}"
        if m.get("macro_over", len(TONES)) < len(TONES):
            macro += f" (over {m['macro_over']} tones)"
        if "macro_f1_sd" in m:
            macro += f" ± {m['macro_f1_sd']:.3f}"
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {macro} |")
    support = next(iter(systems.values()))["tones"]
    lines.append("")
    lines.append("support: " + ", ".join(f"{t} {support[t]['support']}" for t in TONES))
    return "\n".join(lines)


def errors_table(errors: list[dict]) -> str:
    """`evaluate --errors` on a terminal: one row per statement (rank, gap, gold, predicted, where), its scores
    and its text below it; every field made visible (control characters as escapes)."""
    gold = [", ".join(e["gold"]) or "no tone" for e in errors]
    predicted = [", ".join(e["predicted"]) or "no tone" for e in errors]
    wg = max(len("gold"), *map(len, gold))
    wp = max(len("predicted"), *map(len, predicted))
    lines = [f"{'#':>3}  {'off by':<20}  {'gold':<{wg}}  {'predicted':<{wp}}  where"]
    for rank, (e, g, p) in enumerate(zip(errors, gold, predicted, strict=True), start=1):
        off = f"{e['gap']:.2f} ({e['worst']})"
        where = e["where"] + (f" ({e['id']})" if e.get("id") else "")
        lines.append(visible(f"{rank:>3}  {off:<20}  {g:<{wg}}  {p:<{wp}}  {where}", keep=""))
        lines.append("     scores: " + ", ".join(f"{t} {e['scores'][t]:.2f}" for t in TONES))
        lines.append("     " + visible(e["text"], keep=""))
    return "\n".join(lines)


_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escaped(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if code < 0x80:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def visible(text: str, keep: str = "\n\t") -> str:
    """``text`` safe to print on a terminal: control characters (C0, DEL, C1, so every escape sequence)
    and lone surrogates shown as backslash escapes such as ``\\x1b``, except those in ``keep``.

    A statement or a file name is data: printed raw, ESC or CSI sequences in
    it could retitle the window, clear the screen or hide what follows. Keep
    newlines and tabs only where the layout expects them; ids and paths keep none.
    """
    return _UNSAFE.sub(lambda m: m.group() if m.group() in keep else _escaped(m.group()), text)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def _json_escaped(match: re.Match) -> str:
    return f"\\u{ord(match.group()):04x}"


def to_json(obj: object) -> str:
    """Indented, readable JSON with no raw control character (see `json_line`)."""
    return _JSON_UNSAFE.sub(_json_escaped, json.dumps(obj, ensure_ascii=False, indent=2))


def json_line(obj: object) -> str:
    """One JSON Lines record: readable UTF-8, but no raw control character and no character that any
    reader takes for a line break.

    json.dumps escapes C0 controls but leaves DEL and C1 controls (U+0080-U+009F,
    among them NEL and the one-byte CSI) raw, and a lone surrogate would make the
    UTF-8 output fail: they are written as \\uXXXX escapes.
    """
    return _JSON_UNSAFE.sub(_json_escaped, json.dumps(obj, ensure_ascii=False))


_ENCODER = json.JSONEncoder(ensure_ascii=False)  # json.dumps(obj, ensure_ascii=False), without a new encoder per call


def json_lines(objs: Iterable[object]) -> str:
    """Many records as `json_line` writes them, each ending in "\n": one escaping pass over the whole text
    (the escapes touch single characters, which the joining newlines are not), so batch output is cheap."""
    text = "\n".join(map(_ENCODER.encode, objs))
    return _JSON_UNSAFE.sub(_json_escaped, text) + "\n" if text else ""


# Also quoted: ";" and tab in CSV, "," and ";" in TSV. A spreadsheet set to another list separator (";" in
# much of Europe) splits an unquoted cell there, and a piece starting with "=" would run as a formula.
_CSV_QUOTED = re.compile('[",;\t\r\n]')
_TSV_QUOTED = re.compile('["\t,;\r\n]')
_FORMULA = re.compile("'*[=+\\-@\t\r\n]")


def csv_line(cells: Iterable[object], delimiter: str = ",") -> str:
    """One CSV row ending in "\\n": a cell holding a delimiter (",", ";" or tab), a quote, CR or LF is quoted.

    csv.writer with ``lineterminator="\\n"`` leaves a lone CR unquoted, and
    every reader then takes it for the end of the row. With a tab as delimiter
    this is TSV as spreadsheets write it (quoted like CSV where needed).
    """
    quoted = _CSV_QUOTED if delimiter == "," else _TSV_QUOTED if delimiter == "\t" else None
    return delimiter.join(_csv_cell(cell, quoted, delimiter) for cell in cells) + "\n"


def _csv_cell(cell: object, quoted: re.Pattern | None = None, delimiter: str = ",") -> str:
    text = "" if cell is None else str(cell)
    needs = (quoted or _CSV_QUOTED).search(text) or (quoted is None and delimiter in text)
    if needs:
        return '"' + text.replace('"', '""') + '"'
    return text


def safe_cell(text: str) -> str:
    """A text cell that a spreadsheet will not run as a formula: one starting with = + - @ or a tab, CR or
    LF (after any quotes) gets a leading ``'``. `restore_cell` undoes it exactly."""
    return "'" + text if _FORMULA.match(text) else text


def restore_cell(text: str) -> str:
    """The text `safe_cell` was given."""
    return text[1:] if text.startswith("'") and _FORMULA.match(text, 1) else text
