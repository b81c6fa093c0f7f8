"""Articles to sentences and quoted passages, with every position traceable to the original text.

Articles scraped from the web carry markdown link leftovers ("[accused](#)"),
line breaks inside sentences and headings without a full stop. The text is
cleaned (a link becomes its words, a run of whitespace one space) while every
character keeps its offset in the original, so that an extracted statement
can point back into the article. Sentences are found with nltk's Punkt, with
parameters trained once on the project's statements and shipped as package
data (so a wheel and a checkout split alike) and the project's own list of
abbreviations ("Mr.", "U.S.", "Cd'a."). Nothing is downloaded.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from nltk.tokenize.punkt import PunktLanguageVars, PunktParameters, PunktSentenceTokenizer, PunktTrainer

from tonecls.resources import PUNKT, read_text

# Lower case, without the final period, as Punkt stores them.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms messrs dr prof gen lt col maj capt cmdr adm brig sgt cpl gov sen rep pres amb min dept govt hon rt
    u.s u.s.a u.k u.n e.u u.a.e d.c h.e st mt jr sr no nos vs etc inc ltd co corp approx est fig
    jan feb mar apr jun jul aug sep sept oct nov dec cd'a cd\u2019a
    """.split()
)
MAX_QUOTE = 1000  # characters; an opening mark with no close this near runs to the end of its sentence

_LINK = re.compile(r"\[([^\[\]\n]{1,300})\]\([^()\s]{0,300}\)")
_GAP = re.compile(r"[ \t\r]*\n[ \t\r]*\n\s*")
_ENDS_SENTENCE = re.compile(r"[.!?:;\"\u201d\u2019)\]][*_]*\s*$")  # markdown emphasis may close after the stop
_JOINERS = frozenset(
    "a an the of to in on at by for from with into and or but nor as that than his her its their our my your "
    "between about against over under after before during while which who whose whom we he she they it".split()
)


@dataclass(frozen=True)
class Article:
    """Cleaned text, the original offset of each of its characters, and its sentences as (start, end) pairs."""

    clean: str
    origin: tuple[int, ...]
    sentences: tuple[tuple[int, int], ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original text of the clean text ``clean[start:end]``."""
        return self.origin[start], self.origin[end - 1] + 1


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Blocks between blank lines, joined again where a blank line falls inside a sentence.

    A blank line ends a paragraph after sentence punctuation or after a
    heading: a short line, a line in capitals or a markdown heading, or any
    line of its own (a headline, a byline) followed by a capital. It does not
    when the text goes on in lower case or after a word such as "the" or "of",
    nor after a block of several lines (page breaks in copied PDFs).
    """
    blocks, start = [], 0
    for gap in _GAP.finditer(text):
        blocks.append((start, gap.start()))
        start = gap.end()
    blocks.append((start, len(text)))
    out: list[list[int]] = []
    for b_start, b_end in blocks:
        if not text[b_start:b_end].strip():
            continue
        if out:
            prev = text[out[-1][0] : out[-1][1]]
            words = prev.split()
            nxt = text[b_start:b_end].lstrip()
            one_line = "\n" not in prev.strip()
            capitals = prev.upper() == prev and any(c.isalpha() for c in prev)
            heading = len(words) <= 8 and "," not in prev or one_line or capitals or prev.lstrip().startswith("#")
            joins = words[-1].lower() in _JOINERS or prev.rstrip()[-1] in ",-\u2013"
            if not _ENDS_SENTENCE.search(prev) and (nxt[:1].islower() or joins or not heading):
                out[-1][1] = b_end
                continue
        out.append([b_start, b_end])
    return [(a, b) for a, b in out]


def _clean(text: str, start: int, end: int, clean: list[str], origin: list[int]) -> None:
    """Append ``text[start:end]`` without link markup, its whitespace runs as one space."""
    pos = start
    pieces = []
    for link in _LINK.finditer(text, start, end):
        pieces.append((pos, link.start()))
        pieces.append((link.start(1), link.end(1)))
        pos = link.end()
    pieces.append((pos, end))
    for a, b in pieces:
        for i in range(a, b):
            ch = text[i]
            if ch.isspace():
                if not clean or clean[-1] == " " or clean[-1] == "\n":
                    continue
                ch = " "
            clean.append(ch)
            origin.append(i)
    while clean and clean[-1] == " ":
        clean.pop()
        origin.pop()


def split_article(text: str) -> Article:
    """Clean an article and find its sentences; paragraphs are separated by a newline in ``clean``."""
    clean: list[str] = []
    origin: list[int] = []
    sentences = []
    tokenizer = sentence_tokenizer()
    for p_start, p_end in _paragraphs(text):
        if clean:
            clean.append("\n")
            origin.append(p_start)
        base = len(clean)
        _clean(text, p_start, p_end, clean, origin)
        paragraph = "".join(clean[base:])
        sentences.extend((base + a, base + b) for a, b in tokenizer.span_tokenize(paragraph))
    return Article("".join(clean), tuple(origin), tuple(sentences))


class _LanguageVars(PunktLanguageVars):
    """Punkt's English conventions, except that an apostrophe inside a word ("Cd'a", "Iran's") stays in it."""

    @property
    def _re_non_word_chars(self) -> str:
        return r"(?:[)\";}\]\*:@({\[\u201c\u201d\xab\xbb?!]|['\u2018\u2019](?!\w))"


def train_punkt(texts: Iterable[str]) -> PunktParameters:
    """Punkt's parameters learned from statements (run once by scripts/train_punkt.py, shipped as data)."""
    trainer = PunktTrainer(lang_vars=_LanguageVars())
    trainer.train("\n".join(texts), finalize=True)
    params = trainer.get_params()
    # Short statements end in ordinary words ("Libya.", "Wednesday.") that Punkt then takes for
    # abbreviations; of what it learns, only dotted forms ("a.m", "p.m") are kept.
    params.abbrev_types = {t for t in params.abbrev_types if "." in t}
    return params


def params_to_json(params: PunktParameters) -> str:
    """Punkt's parameters as sorted JSON, so that the shipped file is byte-stable."""
    data = {
        "abbrev_types": sorted(params.abbrev_types),
        "collocations": sorted(list(pair) for pair in params.collocations),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": dict(sorted(params.ortho_context.items())),
    }
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


def params_from_json(text: str) -> PunktParameters:
    data = json.loads(text)
    params = PunktParameters()
    params.abbrev_types = set(data["abbrev_types"])
    params.collocations = {tuple(pair) for pair in data["collocations"]}
    params.sent_starters = set(data["sent_starters"])
    for word, flags in data["ortho_context"].items():
        params.ortho_context[word] = int(flags)
    return params


@functools.cache
def sentence_tokenizer() -> PunktSentenceTokenizer:
    """Punkt with the parameters shipped in the package and the project's abbreviation list (once per process)."""
    params = params_from_json(read_text(PUNKT))
    params.abbrev_types |= ABBREVIATIONS
    return PunktSentenceTokenizer(params, lang_vars=_LanguageVars())


def quote_spans(article: Article) -> list[tuple[int, int]]:
    """Inner (start, end) of each quoted passage: double marks, curly or straight, and single marks as British
    copy uses them ('...'). A quote inside another (nested marks of the other kind) is part of the outer one."""
    spans = _double_quotes(article) + _single_quotes(article.clean)
    spans.sort(key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and s < out[-1][1]:  # inside (or overlapping) the one before: not a quote of its own
            continue
        out.append((s, e))
    return out


_OPEN_BEFORE = frozenset(" \n([{-\u2013\u2014/\u201c\"")
_CLOSE_AFTER = frozenset(" \n.,;:!?)]-\u2013\u2014\u201d\"")


def _single_quotes(clean: str) -> list[tuple[int, int]]:
    """Inner spans of single-quoted passages, told apart from apostrophes.

    An opening mark follows a space (or a bracket, a dash) and comes before a word; a closing mark ends a
    word and comes before a space or punctuation, so "isn't" and "Iran's" hold no mark. A plural possessive
    ("the islanders' right") looks like a closing mark: inside a quote it closes only when no other closing
    mark follows before the next opening one. Marks pair within a paragraph; an opening mark that finds no
    closing one is an apostrophe ('90s, 'em) and is left alone.
    """
    marks = []  # (position, opening, looks like a plural possessive)
    for i, ch in enumerate(clean):
        if ch not in "'\u2018\u2019":
            continue
        before = clean[i - 1] if i else " "
        after = clean[i + 1] if i + 1 < len(clean) else " "
        if ch != "\u2019" and before in _OPEN_BEFORE and (after.isalnum() or after in "\u201c\""):
            if not (after.isdigit() and clean[i + 2 : i + 4] == "0s"):
                marks.append((i, True, False))
        elif ch != "\u2018" and not before.isspace() and after in _CLOSE_AFTER:
            possessive = before == "s" and after == " " and clean[i + 2 : i + 3].islower()
            marks.append((i, False, possessive))
    spans = []
    k = 0
    while k < len(marks):
        pos, opening, _ = marks[k]
        if not opening:
            k += 1
            continue
        closes = []
        for m in range(k + 1, len(marks)):
            p2, opening2, possessive = marks[m]
            if opening2 or "\n" in clean[pos:p2] or p2 - pos > MAX_QUOTE:
                break
            closes.append((m, possessive))
        chosen = next((m for m, possessive in closes if not possessive), None)
        if chosen is None and closes:
            chosen = closes[-1][0]
        if chosen is None:
            k += 1
            continue
        spans.append((pos + 1, marks[chosen][0]))
        k = chosen + 1
    return [(s, e) for s, e in spans if clean[s:e].strip()]


def _double_quotes(article: Article) -> list[tuple[int, int]]:
    """Inner (start, end) of each double-quoted passage, curly or straight."""
    clean, marks = article.clean, []
    for i, ch in enumerate(clean):
        before = clean[i - 1] if i else " "
        after = clean[i + 1] if i + 1 < len(clean) else " "
        if ch == "\u201c" or ch == '"' and (before.isspace() or before in "([{-\u2013\u2014/") and not after.isspace():
            marks.append((i, True))
        elif ch == "\u201d" or ch == '"' and not before.isspace() and (after.isspace() or after in ".,;:!?)]-\u2014"):
            marks.append((i, False))
    spans, k = [], 0
    while k < len(marks):
        pos, opening = marks[k]
        j = k + 1  # a quote running over paragraphs opens each one again and closes only at its end
        while j < len(marks) and marks[j][1] and marks[j][0] - pos <= MAX_QUOTE:
            gap = clean[marks[j - 1][0] : marks[j][0]]
            if not gap.endswith("\n") or gap.count("\n") > 1:
                break
            j += 1
        if opening and j < len(marks) and not marks[j][1] and marks[j][0] - pos <= MAX_QUOTE:
            spans.append((pos + 1, marks[j][0]))
            k = j + 1
            continue
        if opening:
            spans.append((pos + 1, next((e for s, e in article.sentences if s <= pos < e), len(clean))))
        k += 1
    return [(s, e) for s, e in spans if clean[s:e].strip()]
