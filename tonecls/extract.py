"""Find official statements in a plain-text article: direct quotes and reported speech.

Rules, not a model, so that every extracted statement can be explained: a
quote counts when an official speaker is attributed to it in its sentence
("..., the Foreign Ministry said", "X said: ...", "according to a statement
by X", "he added") or when it continues the previous speaker's quote; a
sentence counts as reported speech when an official speaker is the subject of
a reporting verb ("Pakistan strongly condemned ..."). Short quoted fragments
("illegal") are kept with their sentence as context. Every statement points
back into the article by character offsets, so a reader can check it. Who
counts as official is in tonecls.speech and tonecls.lexicon; where sentences
and quotes begin and end, in tonecls.sentences.
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from urllib.parse import urlsplit

from tonecls.documents import DOCUMENT_SUFFIXES, TIMEOUT
from tonecls.errors import InputError
from tonecls.fetch import is_url
from tonecls.lexicon import (
    ACTOR_NAMES,
    DETERMINERS,
    DISCOURSE,
    EXCLUDED,
    INNER,
    MODALS,
    MODIFIERS,
    OFFICIAL,
    ORGANISATIONS,
    PEOPLE,
    PERSONS,
    PLURAL,
    PREPOSITIONS,
    PRONOUNS,
    SPEECH_NOUNS,
    actor_name,
    country_of,
)
from tonecls.readers import walk_files
from tonecls.sentences import Article, quote_spans, split_article
from tonecls.speech import (
    Token,
    according,
    actor_of,
    after_quote,
    is_name,
    is_official,
    is_verb,
    np_left,
    np_right,
    subject,
    tokenize,
    with_apposition,
)

ARTICLE_SUFFIXES = (".txt", ".md", *DOCUMENT_SUFFIXES)  # as `tonecls score` reads folders
FRAGMENT_WORDS = 4  # a quote this short is a fragment, kept only with its sentence
FRAME_GAP = 4  # words allowed between a reporting verb and the quote it introduces ("said in a statement, ...")
RECENT = 3  # sentences back in which "he" or "she" finds its speaker
ANAPHORA = 6  # sentences back in which "the ministry" or "the statement" finds its speaker
_INTRO_STARTS = PREPOSITIONS | {"speaking", "while", "after", "before", "during", "following", "despite", "given"}
_DATE = r"(?:[A-Z][a-z]{2,8}\.? \d{1,2}(?:, \d{4})?|\d{1,2} [A-Z][a-z]{2,8}\.?(?:,? \d{4})?)"
# A wire dateline before the first sentence of a paragraph: "BISHKEK, March 4 (Wire) - ", "LONDON (AFP) - ",
# "Addis Ababa, 19 November 2025: " (a place in ordinary letters only with a date).
_DATELINE = re.compile(
    r"(?:[A-Z][A-Z'\u2019.\-]{2,}(?:[ /][A-Z][A-Z'\u2019.\-]+)*(?:, [A-Z][a-z]+(?: [A-Z][a-z]+)?)?(?:, " + _DATE + ")?"
    r"|[A-Z][a-z]+(?: [A-Z][a-z]+)?, " + _DATE + ")"
    r"(?: \([^()\n]{1,30}\))? ?(?:[-\u2013\u2014]+|:) "
)
_SENTENCE_END = re.compile(r"[.!?:;\"\u201d\u2019)\]][*_]*$")


@dataclass
class _Said:
    """A speaker already met in the article: pronouns and surnames resolve to it."""

    sentence: int
    speaker: str | None
    actor: str | None
    person: bool
    mention: bool = False  # named as a sentence's subject without saying anything there ("X was blunt.")


@dataclass
class _Doc:
    article: Article
    toks: list[Token]
    bounds: list[tuple[int, int]]  # token range of each sentence
    starts: list[int]  # offset of each token
    ends: list[int]  # end offset of each sentence
    said: list[_Said] = field(default_factory=list)
    known: set[str] = field(default_factory=set)  # name words of official speakers met so far
    home: str | None = None  # the country of the article's dateline

    def text(self, a: int, b: int) -> str:
        return self.article.clean[self.toks[a].start : self.toks[b].end]

    def sentence_of(self, offset: int) -> int:
        """Index of the sentence holding (or, between sentences, following) a clean-text offset."""
        return min(bisect_right(self.ends, offset), len(self.ends) - 1)


def extract_statements(text: str, source: str, prefix: str | None = None) -> list[dict]:
    """Official statements in an article, in order: quotes and reported speech with speaker, actor and offsets.

    ``source`` names the article (its file name); ids are ``{prefix}-{n:03d}`` in order of position, the prefix
    being the file name's stem unless given.
    """
    article = split_article(text)
    if not article.sentences:
        return []
    toks = tokenize(article.clean)
    starts = [t.start for t in toks]
    bounds = [(bisect_left(starts, _body_start(article, s, e)), bisect_left(starts, e)) for s, e in article.sentences]
    doc = _Doc(article, toks, bounds, starts, [e for _, e in article.sentences])
    doc.home = _home(article)
    quotes = quote_spans(article)
    for qs, qe in quotes:
        for t in toks[bisect_left(starts, qs) : bisect_left(starts, qe)]:
            t.quoted = True
    by_sentence: dict[int, list[tuple[int, int]]] = {}
    for q in quotes:
        by_sentence.setdefault(doc.sentence_of(q[0]), []).append(q)
    found: list[tuple[int, int, dict]] = []
    consumed: set[int] = set()
    release = _is_release(article)
    issuer: tuple[str | None, str | None] | None = None
    for s in range(len(bounds)):
        if _heading(article, s):
            continue  # a headline repeats, shortened, what the article's sentences say
        before = len(found)
        reported = _reported(doc, s)
        quoted = []
        for qs, qe in by_sentence.get(s, []):
            item = _quote(doc, s, qs, qe, reported is not None, consumed)
            if item:
                found.append(item)
                quoted.append((qs, qe))
        clauses = _clauses(doc, s) if reported else []
        if clauses:
            found.extend(_clause_items(doc, s, clauses, quoted))
        elif reported and s not in consumed:
            speaker, actor = _resolve(doc, *reported, s)
            lo, hi = bounds[s]
            first = _skip_discourse(toks, lo, hi)
            start, end = toks[first].start, article.sentences[s][1]
            found.append(_item(doc, s, "reported", start, end, speaker, actor, article.sentences[s]))
        if release and _BOILERPLATE.match(article.clean, toks[bounds[s][0]].start if bounds[s][0] < len(toks) else 0):
            release = False  # contacts and the end mark: what follows is not the release's text
        if release and len(found) == before and s not in consumed:
            item = _release_sentence(doc, s, issuer)
            if item:
                found.append(item)
        if len(found) == before:
            _mention(doc, s)
        elif release and issuer is None:
            issuer = found[before][2]["speaker"], found[before][2]["actor"]
    found.sort(key=lambda f: (f[0], f[1]))
    stem = prefix or Path(source).stem
    out = []
    for n, (_, _, item) in enumerate(found, start=1):
        out.append({"id": f"{stem}-{n:03d}", **item, "source": {"file": source, **item["source"]}})
    return out


def _body_start(article: Article, start: int, end: int) -> int:
    """Where a sentence's words begin: after the dateline when a paragraph opens with one."""
    if start == 0 or article.clean[start - 1] == "\n":
        m = _DATELINE.match(article.clean, start, end)
        if m:
            return m.end()
    return start


_RELEASE = re.compile(
    r"\b(?:press release|press statement|news release|media release|statement (?:by|of|from)|joint statement"
    r"|communiqu[eé]|readout)\b",
    re.IGNORECASE,
)


_BOILERPLATE = re.compile(
    r"(?:for (?:media|press|further) (?:enquiries|inquiries|information)|(?:media|press) contacts?\b|contacts?:"
    r"|tel\b|phone\b|e-?mail\b|###|-+ ?ends? ?-+|ends?$)",
    re.IGNORECASE,
)


def _is_release(article: Article) -> bool:
    """A press release or official statement: one of the headings before its first sentence says so."""
    for s in range(len(article.sentences)):
        if not _heading(article, s):
            return False
        if _RELEASE.search(article.clean[slice(*article.sentences[s])]):
            return True
    return False


def _release_sentence(doc: _Doc, s: int, issuer: tuple[str | None, str | None] | None) -> tuple | None:
    """In a press release every sentence is a statement of the office that issued it (it published them all):
    its own official subject speaks ("The Government of Belize considers ..."), else the issuer."""
    toks = doc.toks
    lo, hi = doc.bounds[s]
    first = _skip_discourse(toks, lo, hi)
    np = np_right(toks, first, hi)
    if np and not _pronoun(doc, *np) and is_official(toks, *np, doc.known):
        speaker, actor = _resolve(doc, *np, s)
    elif issuer:
        speaker, actor = issuer
    else:
        return None
    start, end = toks[first].start, doc.article.sentences[s][1]
    return _item(doc, s, "reported", start, end, speaker, actor, doc.article.sentences[s])


def _home(article: Article) -> str | None:
    """The country of the first dateline: "WASHINGTON/ASMARA, June 11 (Wire) - " is the United States."""
    for start, end in article.sentences:
        m = _DATELINE.match(article.clean, start, end) if start == 0 or article.clean[start - 1] == "\n" else None
        if m:
            place = re.split(r"[,/(:]| [-\u2013\u2014]", m.group())[0].strip()
            name = actor_name(place.title() if place.isupper() else place)
            return name if name in ACTOR_NAMES.values() else None
    return None


def _heading(article: Article, s: int) -> bool:
    """A line of its own without a sentence's final stop: a headline, a letterhead, a byline."""
    start, end = article.sentences[s]
    clean = article.clean
    alone = (start == 0 or clean[start - 1] == "\n") and (end == len(clean) or clean[end : end + 1] == "\n")
    return alone and not _SENTENCE_END.search(clean[start:end])


def extract_file(
    path: str | os.PathLike, prefix: str | None = None, *, encoding: str | None = None, timeout: float = TIMEOUT
) -> list[dict]:
    """Statements of one article: a text file, an HTML page, a PDF or a URL (an unreadable one raises InputError)."""
    from tonecls.documents import read_document

    return extract_statements(read_document(path, encoding=encoding, timeout=timeout), str(path), prefix)


def extract_paths(
    paths: Iterable[str | os.PathLike], *, encoding: str | None = None, timeout: float = TIMEOUT
) -> Iterator[tuple[Path | str, list[dict]] | InputError]:
    """Statements of each article named or found in the folders named, in order; a file or folder that cannot
    be read comes as an InputError naming it, and the rest go on.

    Ids stay unique across the run: an article whose file name was met before in this run ("a/report.txt",
    "b/report.txt") gets its path in its ids ("b/report-001").
    """
    seen: set[str] = set()
    for found in article_files(paths):
        if isinstance(found, InputError):
            yield found
            continue
        name = Path(urlsplit(found).path) if isinstance(found, str) else found
        prefix = name.stem or "page"
        if prefix in seen:
            prefix = found if isinstance(found, str) else found.with_suffix("").as_posix()
        seen.add(prefix)
        try:
            yield found, extract_file(found, prefix, encoding=encoding, timeout=timeout)
        except InputError as exc:
            yield exc


def article_files(paths: Iterable[str | os.PathLike]) -> Iterator[Path | str | InputError]:
    """The articles named: a URL or a file as given, a folder as every article file below it (sorted, as
    `tonecls score` reads folders); a missing path or an empty folder comes as an InputError."""
    for raw in paths:
        if isinstance(raw, str) and is_url(raw):
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            empty = True
            for found in walk_files(path, ARTICLE_SUFFIXES):
                empty = empty and isinstance(found, InputError)
                yield found
            if empty:
                yield InputError(f"no article files ({', '.join(ARTICLE_SUFFIXES)}) in this folder", path)
        elif path.exists():
            yield path
        else:
            yield InputError("no such file or folder", path)


def _skip_discourse(toks: list[Token], lo: int, hi: int) -> int:
    """First token after leading discourse words ("However,", "Meanwhile,")."""
    i = lo
    while i < hi - 1 and (toks[i].low in DISCOURSE or toks[i].word == ","):
        i += 1
    return i


def _official(doc: _Doc, a: int, b: int) -> bool:
    return _pronoun(doc, a, b) or is_official(doc.toks, a, b, doc.known)


def _reported(doc: _Doc, s: int) -> tuple[int, int] | None:
    """The official speaker of a sentence of reported speech, or None."""
    toks = doc.toks
    lo, hi = doc.bounds[s]
    if hi - lo < 3:
        return None
    first = _skip_discourse(toks, lo, hi)
    for i in range(lo, hi - 2):  # "According to the ministry, ...", "..., according to a statement by X."
        if toks[i].low == "according" and toks[i + 1].low == "to" and not toks[i].quoted:
            np = according(toks, i + 2, hi)
            if np and _official(doc, *np):
                return np
    for v in range(lo, hi):
        if is_verb(toks, v) and not _negated(toks, lo, v):
            np = subject(toks, lo, v)
            if np and _official(doc, *np) and (not _pronoun(doc, *np) or any(_resolve(doc, *np, s))):
                return np
    for i in range(lo, hi):  # "threats of revenge by Iran's Guard Corps", "Pakistan's claim that ..."
        if toks[i].low in SPEECH_NOUNS and not toks[i].quoted:
            by = next((k for k in range(i + 1, min(hi, i + 6)) if toks[k].low == "by"), None)
            np = np_right(toks, by + 1, hi) if by is not None else None
            if np and _official(doc, *np):
                return np
            np = np_left(toks, lo, i - 1) if i > lo and toks[i - 1].poss else None
            if np and i + 1 < hi and toks[i + 1].low == "that" and _official(doc, *np):
                return np
    # "Pakistan was careful ..., saying that ...", "South Africa filed ... and termed ...", "Iran struck what it
    # described as bases": the sentence's subject is official and a reporting verb is a participle, joined by
    # "and", or in a clause about what the subject said.
    heads = [first]
    if toks[first].low in _INTRO_STARTS or toks[first].word.isdigit():
        heads += [k + 1 for k in range(first, min(hi - 1, first + 15)) if toks[k].word == ","][:1]
    for head in heads:
        np = np_right(toks, head, hi)
        if np and np[1] + 1 < hi and toks[np[1] + 1].low in MODALS:
            continue  # "Pakistan must engage China and urge Iran ...": the writer's advice
        if np and _official(doc, *np) and not _pronoun(doc, *np) and not toks[np[1]].poss:
            for v in range(lo + 1, hi):
                prev = toks[v - 1]
                joined = prev.low == "and" or prev.word == "," and toks[v].low.endswith("ing")
                joined = joined or prev.low in ("it", "they") and v - 2 >= lo and toks[v - 2].low in ("what", "which")
                if is_verb(toks, v) and (joined or v < np[0] and toks[v].low.endswith("ing")):
                    return np
    return None


_CLAUSE_LINKS = frozenset("while whereas and but".split())


def _clauses(doc: _Doc, s: int) -> list[tuple[int, tuple[int, int]]]:
    """Where each speaker's part of a sentence begins, when two official speakers report in it.

    "The chairperson said ..., while Ethiopia's minister said ...": the sentence is cut at "; " or at ", while",
    ", whereas", ", and", ", but" (outside quotes) where the next part has an official speaker of its own.
    Returns (first token, speaker) per part, the speaker None for a part in which someone not official reports
    ("..., but analysts said ..."), or [] when no such cut is needed.
    """
    toks = doc.toks
    lo, hi = doc.bounds[s]
    cuts = [_skip_discourse(toks, lo, hi)]
    for p in range(lo + 1, hi - 1):
        link = toks[p].word == "," and toks[p + 1].low in _CLAUSE_LINKS and not toks[p + 1].quoted
        if link or toks[p].word == ";" and not toks[p].quoted:  # the comma may close a quote: ',” while
            cuts.append(p + 1 + (toks[p + 1].low in _CLAUSE_LINKS))
    parts: list[tuple[int, tuple[int, int] | None]] = []
    for c_lo, c_hi in zip(cuts, [*cuts[1:], hi], strict=True):
        for v in range(c_lo, c_hi):
            if not is_verb(doc.toks, v):
                continue
            np = subject(toks, c_lo, v)
            if np and _official(doc, *np) and (not _pronoun(doc, *np) or any(_resolve(doc, *np, s))):
                parts.append((c_lo, np))
            elif np and not _pronoun(doc, *np) or v > c_lo and toks[v - 1].low in EXCLUDED:
                parts.append((c_lo, None))  # "..., but analysts said ...": someone else's part, left out
            break
    official = sum(np is not None for _, np in parts)
    return parts if official >= 2 or official and len(parts) > official else []


def _clause_items(doc: _Doc, s: int, parts: list, quoted: list[tuple[int, int]]) -> list[tuple]:
    """One reported statement per speaker's part of a sentence; a part holding an extracted quote has it already."""
    toks, article = doc.toks, doc.article
    out = []
    _, s_end = article.sentences[s]
    for k, (c_lo, np) in enumerate(parts):
        if np is None:
            continue
        start = toks[parts[0][0] if k == 0 else c_lo].start
        end = s_end
        if k + 1 < len(parts):
            nxt = parts[k + 1][0]
            cut = nxt - 1 - (toks[nxt - 1].low in _CLAUSE_LINKS)
            end = toks[cut - 1].end
        if any(start <= qs < end for qs, _ in quoted):
            continue
        speaker, actor = _resolve(doc, *np, s)
        out.append(_item(doc, s, "reported", start, end, speaker, actor, article.sentences[s]))
    return out


def _mention(doc: _Doc, s: int) -> None:
    """Remember an official person who is a sentence's subject without speaking there, for a later "he" or "she":
    "Egypt's foreign minister, Karim Mansour, was blunt on his way to the airport. "...," he told reporters."."""
    toks = doc.toks
    lo, hi = doc.bounds[s]
    np = np_right(toks, _skip_discourse(toks, lo, hi), hi)
    if not np or _pronoun(doc, *np) or not is_official(toks, *np, doc.known):
        if _someone_else(doc, s):
            doc.said.append(_Said(s, None, None, True, mention=True))  # "he" next is them: no official speaker
        return
    np = with_apposition(toks, np, hi)
    span = toks[np[0] : np[1] + 1]
    if any(t.low in PERSONS or t.cat == "leader" for t in span):
        speaker, actor = _resolve(doc, *np, s)
        doc.said.append(_Said(s, speaker, actor, True, mention=True))
        doc.known.update(t.word for t in span if is_name(t) and t.cat not in ("country", "capital"))


def _someone_else(doc: _Doc, s: int) -> bool:
    """A person who is not an official reports in this sentence ("Anahit Grigoryan, who runs a shop, said ...",
    "said Gulnara Mamatova, a teacher", "The captain of the fishing boat said ...")."""
    toks = doc.toks
    lo, hi = doc.bounds[s]
    for v in range(lo, hi):
        n = is_verb(toks, v)
        if not n:
            continue
        np = subject(toks, lo, v) or (np_right(toks, v + n, hi) if v + n < hi else None)
        if np and is_official(toks, *np, doc.known):
            return False
        window = toks[np[0] : np[1] + 1] if np else toks[max(lo, v - 6) : v]
        return sum(is_name(t) and not t.cat for t in window) >= 2 or any(t.low in PEOPLE for t in window)
    return False


def _negated(toks: list[Token], lo: int, v: int) -> bool:
    """ "Malaysia said nothing", "Azerbaijan has never welcomed", "did not say": no statement was made."""
    if v + 1 < len(toks) and toks[v + 1].low == "nothing":
        return True
    return any(t.low in ("not", "never") or t.low.endswith("n't") for t in toks[max(lo, v - 3) : v])


def _pronoun(doc: _Doc, a: int, b: int) -> bool:
    """He, she, they, both, the two, both sides: a speaker named before."""
    words = [t.low for t in doc.toks[a : b + 1]]
    if len(words) == 1:
        return words[0] in PRONOUNS
    return words[0] in ("both", "the") and set(words) <= PLURAL and words[-1] in PLURAL - {"both", "the"}


def _resolve(doc: _Doc, a: int, b: int, s: int) -> tuple[str | None, str | None]:
    """Speaker and actor of a noun phrase, looking back for pronouns, surnames and "the ministry"."""
    toks = doc.toks
    span = toks[a : b + 1]
    recent = list(takewhile(lambda h: s - h.sentence <= ANAPHORA, reversed(doc.said)))
    if _pronoun(doc, a, b):
        if PRONOUNS.get(span[0].low) == "person":
            h = next((h for h in recent if h.person and s - h.sentence <= RECENT), None)
            return (h.speaker, h.actor) if h else (None, None)
        lo = doc.bounds[s][0]
        countries = list(dict.fromkeys(t.word for t in toks[lo:a] if t.cat == "country"))
        if len(countries) >= 2:  # "Pakistan's minister met Iran's envoy, where the two discussed ..."
            return None, " and ".join(countries[:2])
        if recent and s - recent[0].sentence <= 1:
            return recent[0].speaker, recent[0].actor
        lo = doc.bounds[max(s - 1, 0)][0]
        countries = list(dict.fromkeys(t.word for t in toks[lo:a] if t.cat == "country"))
        return None, " and ".join(countries[:2]) or None
    words = [t for t in span if t.low not in DETERMINERS]
    if len(words) == 1 and words[0].word in doc.known:
        h = next((h for h in reversed(doc.said) if h.speaker and words[0].word in h.speaker.split()), None)
        if h:
            return h.speaker, h.actor
    end = b
    if span[-1].low in SPEECH_NOUNS and len(span) > 1 and (toks[b - 1].poss or toks[b - 1].low in OFFICIAL):
        end = b - 1  # "the ministry's statement", "a Foreign Ministry statement"
    start = a + (toks[a].low in DETERMINERS and a < end)
    speaker = doc.text(start, end)
    if toks[end].poss:
        speaker = speaker[:-2]
    actor = actor_of(toks[a : end + 1])
    if actor is None and all(t.low in OFFICIAL | INNER | DETERMINERS | MODIFIERS for t in span):
        head = span[-1].low  # "the ministry", "the spokesperson": someone just named; "the statement": the last
        h = next((h for h in recent if h.speaker and head in h.speaker.lower().split()), None)
        if h is None and head in SPEECH_NOUNS and recent and span[0].low in ("the", "this", "that"):
            h = recent[0]  # "the statement said": the last one met ("a Foreign Ministry statement" is not)
        if h:
            return h.speaker, h.actor
    return speaker, actor or _actor_nearby(doc, a, b, s)


_GROUPINGS = frozenset("alliance bloc organisation organization union".split())


def _actor_nearby(doc: _Doc, a: int, b: int, s: int) -> str | None:
    """The actor of a speaker whose words name none, from what is around them.

    "his government": the person just named; "its minister": the country named before; "the alliance's
    secretary-general": the organisation named last; otherwise the country the sentence names first after
    the speaker ("Prime Minister X said that Sweden ..."), else first before it ("'Britain's commitment ...,'
    X said"); failing all, the country of the article's dateline ("LONDON (Reuters) - ").
    """
    toks = doc.toks
    lo, hi = doc.bounds[s]
    first = toks[a].low
    if first in ("his", "her"):
        recent = takewhile(lambda h: s - h.sentence <= RECENT, reversed(doc.said))
        return next((h.actor for h in recent if h.person), None)
    if any(t.low in _GROUPINGS for t in toks[max(a - 1, lo) : b + 1]):  # "the alliance's secretary-general"
        return _last_organisation(toks, a, max(0, a - 600))
    if first in ("its", "their"):
        before = _countries(toks[lo:a])
        return before[-1] if before else next(iter(_countries(toks[slice(*doc.bounds[max(s - 1, 0)])])), None)
    after, before = _countries(toks[b + 1 : hi]), _countries(toks[lo:a])
    return after[0] if after else before[0] if before else doc.home


def _countries(span: list[Token]) -> list[str]:
    """Countries a run of words names, by name or nationality, in order (each once)."""
    found = []
    for t in span:
        name = actor_name(t.word) if t.cat == "country" else country_of(t.word) if t.cat == "demonym" else None
        if name and name not in found:
            found.append(name)
    return found


def _last_organisation(toks: list[Token], i: int, stop: int) -> str | None:
    """The organisation named last before token ``i``: "NATO", "the European Union"."""
    for k in range(i - 1, stop - 1, -1):
        for n in (1, 2, 3):
            name = ORGANISATIONS.get(tuple(t.word for t in toks[max(k - n + 1, 0) : k + 1]))
            if name and name not in ("United States", "Russia"):
                return name
    return None


def _quote(doc: _Doc, s: int, qs: int, qe: int, host_reported: bool, consumed: set[int]) -> tuple | None:
    """The statement a quote makes, or None; the sentences a framed quote stands for are marked consumed.

    A quote is framed when its sentences hold nothing but the quote and its attribution ("..., the
    ministry said", "X said: ..."). A quote inside a sentence of reported speech leaves the sentence to
    stand for the statement; a short fragment elsewhere needs an official speaker's words around it.
    """
    toks, article = doc.toks, doc.article
    q_first, q_end = bisect_left(doc.starts, qs), bisect_left(doc.starts, qe)
    last = doc.sentence_of(max(qe - 1, qs))
    lo, hi = doc.bounds[s][0], doc.bounds[last][1]
    before = any(t.low not in DISCOURSE and t.word != "," for t in toks[lo:q_first])
    after = any(t.word not in ".,;:!?" for t in toks[q_end:hi])
    short = sum(1 for t in toks[q_first:q_end] if t.word[0].isalnum()) <= FRAGMENT_WORDS
    fragment = short and (before or after)  # "That is not negotiation." alone is a sentence, not a fragment
    np_after = after_quote(toks, q_end, hi)
    lead, np_before = False, None  # a reporting verb right before the quote ("said in a statement, ...")
    for v in range(q_first - 1, max(lo, q_first - FRAME_GAP - 3) - 1, -1):
        n = is_verb(toks, v)
        if n and q_first - (v + n) <= (0 if fragment else FRAME_GAP):
            lead, np_before = True, subject(toks, lo, v)
            break
    framed = (not before or lead) and (not after or np_after is not None)
    np = np_after or np_before
    if framed and np and _official(doc, *np):
        speaker, actor = _resolve(doc, *np, s)
        if not (speaker or actor):
            return None
    elif framed and not np and not before and not fragment and (prev := _last_said(doc)) and prev.sentence >= s - 1:
        speaker, actor = prev.speaker, prev.actor  # the previous speaker's quote goes on
    elif fragment and not host_reported and (np := _possessive_speaker(doc, lo, q_first)):
        speaker, actor = _resolve(doc, *np, s)  # "the spokesperson's use of terms like "illegal""
        framed = False
    else:
        return None
    if framed:
        consumed.update(range(s, last + 1))
    context = (article.sentences[max(s - 1, 0) if fragment else s][0], article.sentences[last][1])
    start, end = qs, qe
    while start < end and article.clean[start].isspace():
        start += 1
    while end > start and article.clean[end - 1] in " ,;:":
        end -= 1
    return _item(doc, s, "quote", start, end, speaker, actor, context)


def _last_said(doc: _Doc) -> _Said | None:
    return next((h for h in reversed(doc.said) if not h.mention), None)


def _possessive_speaker(doc: _Doc, lo: int, q_first: int) -> tuple[int, int] | None:
    """An official named before a fragment with a word about speech: "the spokesperson's use of terms like"."""
    toks = doc.toks
    for i in range(lo, q_first):
        if toks[i].poss and any(t.low in SPEECH_NOUNS for t in toks[i + 1 : min(q_first, i + 5)]):
            np = np_left(toks, lo, i)
            if np and _official(doc, *np):
                return np
    return None


def _item(doc: _Doc, s: int, kind: str, start: int, end: int, speaker, actor, context: tuple[int, int]) -> tuple:
    """One statement, remembered as the latest speaker; offsets are mapped back to the original article."""
    article = doc.article
    person = bool(speaker) and any(w.lower().strip(",") in PERSONS for w in speaker.split())
    if speaker:
        person = person or any(t.cat == "leader" for t in tokenize(speaker))
        doc.known.update(t.word for t in tokenize(speaker) if is_name(t) and t.cat not in ("country", "capital"))
    doc.said.append(_Said(s, speaker, actor, person))
    o_start, o_end = article.span(start, end)
    item = {
        "text": " ".join(re.sub('\n[\u201c"]', " ", article.clean[start:end]).split()),
        "speaker": speaker,
        "actor": actor,
        "context": " ".join(article.clean[context[0] : context[1]].split()),
        "kind": kind,
        "source": {"start": o_start, "end": o_end},
    }
    return o_start, o_end, item
