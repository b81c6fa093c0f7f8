"""The report as one self-contained HTML file: figures inline as base64 PNG, inline CSS, every text escaped.

One file that opens anywhere, mails as an attachment and loads nothing from
the network; statements are untrusted text, so none of it is ever markup.
"""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Sequence
from html import escape

from tonecls.tones import COLOURS, DEFINITIONS, TONES

MAX_LISTED = 1_000  # rows listed apart, and problems, before "and N more"
SNIPPET = 280  # characters of a statement shown in a table

_CSS = """
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d232b;
       max-width: 1180px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 24px; margin-bottom: 4px; } h2 { margin-top: 34px; border-bottom: 1px solid #d9dee3; }
h3 { margin: 24px 0 6px; } .muted { color: #5b6570; } img { max-width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border-bottom: 1px solid #e3e6ea; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f3f5f7; font-weight: 600; } td.n { text-align: right; white-space: nowrap; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; }
.tone { white-space: nowrap; font-weight: 600; } ol { margin: 0; padding-left: 20px; } li { margin: 2px 0 6px; }
.meta { color: #5b6570; font-size: 12px; } .text { overflow-wrap: anywhere; }
.warning { background: #fff4e5; border-left: 4px solid #e08a00; padding: 8px 12px; }
nav { display: flex; flex-wrap: wrap; gap: 2px 14px; } th.tone-col { width: 150px; } th.count-col { width: 110px; }
"""


def render_report(
    *,
    warning: str | None = None,
    images: Sequence[bytes],
    unit: str,
    tables: dict[str, dict],
    apart: Sequence[tuple[dict, str]],
    problems: Sequence[str],
    sources: Sequence[str],
    counts: dict[str, int],
) -> str:
    """The whole report page."""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>tonecls report</title><style>{_CSS}</style></head><body>",
        "<h1>Tone of statements over time</h1>",
        *([f'<p class="warning" id="dates"><strong>Dates:</strong> {escape(warning)}</p>'] if warning else []),
        _intro(counts, sources, unit),
        _legend(),
        '<h2 id="timeline">Tone over time per actor</h2>',
        _figures(images, unit),
        '<h2 id="actors">Statements per actor and tone</h2>',
        _actor_tables(tables),
        f'<h2 id="apart">Statements left off the timeline ({len(apart):,})</h2>',
        _apart(apart),
    ]
    if problems:
        parts += [f'<h2 id="problems">Lines skipped while reading ({len(problems):,})</h2>', _problems(problems)]
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _intro(counts: dict[str, int], sources: Sequence[str], unit: str) -> str:
    files = ", ".join(f"<code>{escape(s)}</code>" for s in sources) or "the scored files"
    return (
        f"<p>{counts['statements']:,} scored statements from {files}: {counts['timeline']:,} with an actor and a "
        f"date are drawn per {unit} for {counts['actors']:,} actors; {counts['apart']:,} without an actor or a date "
        'are <a href="#apart">listed apart</a>.</p>'
        f'<p class="muted">Each line is the share of the actor\'s statements that {unit} that have the tone, '
        "that is, whose probability from <code>tonecls score</code> reached the tone's threshold; the small "
        "number at the top of a panel is how many statements each point stands for (a share of 1 statement "
        "is 0 or 1). Condemnation and threat rising together read as escalation; conciliation rising, as "
        "de-escalation.</p>"
    )


def _legend() -> str:
    items = "".join(
        f'<span class="tone" title="{escape(DEFINITIONS[t])}">{_swatch(t)}{escape(t)}</span> &nbsp; ' for t in TONES
    )
    return f"<p>{items}</p>"


def _swatch(tone: str) -> str:
    return f'<span class="swatch" style="background:{COLOURS[tone]}"></span>'


def _figures(images: Sequence[bytes], unit: str) -> str:
    if not images:
        return '<p class="muted">No statement has both an actor and a date, so there is nothing to draw.</p>'
    alt = f"Share of statements with each tone per {unit}, one panel per actor"
    return "\n".join(
        f'<p><img src="data:image/png;base64,{base64.b64encode(image).decode("ascii")}" alt="{escape(alt)}"></p>'
        for image in images
    )


def _actor_tables(tables: dict[str, dict]) -> str:
    if not tables:
        return '<p class="muted">No statement names an actor.</p>'
    nav = "".join(f'<a href="#actor-{i}">{escape(a)}</a>' for i, a in enumerate(tables, start=1))
    out = [f"<nav>{nav}</nav>"]
    for i, (actor, table) in enumerate(tables.items(), start=1):
        n = table["n"]
        out.append(f'<h3 id="actor-{i}">{escape(actor)} <span class="muted">({n:,} statements)</span></h3>')
        out.append(
            '<table><tr><th class="tone-col">tone</th><th class="count-col">statements</th>'
            "<th>most typical (highest probability)</th></tr>"
        )
        for tone in TONES:
            cell = table[tone]
            typical = "".join(_typical(r, tone) for r in cell["typical"]) or "<li class='muted'>none</li>"
            share = f"{cell['count'] / n:.0%}" if n else "-"
            out.append(
                f'<tr><td class="tone">{_swatch(tone)}{escape(tone)}</td>'
                f'<td class="n">{cell["count"]:,} ({share})</td><td><ol>{typical}</ol></td></tr>'
            )
        out.append("</table>")
    return "\n".join(out)


def _typical(row: dict, tone: str) -> str:
    meta = [row["date"].isoformat() if row["date"] else (row["date_text"] or "no date"), row["speaker"] or "speaker?"]
    meta.append(f"{row['scores'][tone]:.2f}")
    return f'<li><span class="meta">{escape(" · ".join(meta))}</span><br>{_snippet(row["text"])}</li>'


def _snippet(text: str) -> str:
    """The start of a statement, escaped, with the whole of it on hover."""
    short = text if len(text) <= SNIPPET else text[: SNIPPET - 1].rstrip() + "…"
    return f'<span class="text" title="{escape(text)}">{escape(short)}</span>'


def _apart(apart: Sequence[tuple[dict, str]]) -> str:
    if not apart:
        return '<p class="muted">None: every statement has an actor and a date.</p>'
    reasons = Counter(reason for _, reason in apart)
    summary = "; ".join(f"{escape(r)}: {n:,}" for r, n in reasons.most_common())
    out = [
        f"<p>{summary}. They are counted in the tables above when they name an actor.</p>",
        "<table><tr><th>where</th><th>why</th><th>actor</th><th>date</th><th>speaker</th><th>tones</th>"
        "<th>statement</th></tr>",
    ]
    for row, reason in apart[:MAX_LISTED]:
        cells = [row["where"], reason, row["actor"] or "", row["date_text"] or "", row["speaker"] or ""]
        out.append(
            "<tr>"
            + "".join(f"<td>{escape(c)}</td>" for c in cells)
            + f"<td>{escape(', '.join(row['tones']) or 'none')}</td><td>{_snippet(row['text'])}</td></tr>"
        )
    out.append("</table>")
    if len(apart) > MAX_LISTED:
        out.append(f"<p>… and {len(apart) - MAX_LISTED:,} more, not listed here: see the scored files.</p>")
    return "\n".join(out)


def _problems(problems: Sequence[str]) -> str:
    items = "".join(f"<li><code>{escape(p)}</code></li>" for p in problems[:MAX_LISTED])
    more = f"<p>… and {len(problems) - MAX_LISTED:,} more.</p>" if len(problems) > MAX_LISTED else ""
    return f"<ul>{items}</ul>{more}"
