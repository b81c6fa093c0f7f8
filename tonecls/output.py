"""Rendering shared by the commands: bars, metric tables, JSON."""

from __future__ import annotations

import json

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


_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def json_line(obj: object) -> str:
    """One JSON Lines record: readable UTF-8, but no character that any reader takes for a line break."""
    return json.dumps(obj, ensure_ascii=False).translate(_LINE_BREAKS)
