"""Who speaks in a sentence: reporting verbs, official noun phrases and the actor behind them.

A statement needs an official speaker (CODEBOOK section 1): a state, a
ministry, a spokesperson, a minister, an international organisation. These
rules recognise one as the noun phrase right before a reporting verb
("Pakistan's Foreign Office strongly condemned"), allowing adverbs,
auxiliaries, "in a statement" and appositions in between, and turning down
objects ("at Iran"), writers' advice ("Pakistan must urge") and speakers the
codebook excludes (media, analysts, former officials).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tonecls.lexicon import (
    BE,
    CALENDAR,
    CLOSED,
    DETERMINERS,
    EXCLUDED,
    INNER,
    LINKS,
    MODALS,
    MODIFIERS,
    NOT_ADVERBS,
    OFFICIAL,
    ORGANISATIONS,
    PHRASAL,
    PREPOSITIONS,
    PRONOUNS,
    SETTINGS,
    SKIP,
    SPEECH_NOUNS,
    TITLES,
    VERBS,
    actor_name,
    country_of,
    gazetteer,
)

# A dotted acronym ("U.S.", "E.U.'s") is one word, so that its stops are neither sentence ends nor names.
_TOKEN = re.compile(r"(?:[A-Z]\.){2,}(?:['\u2019]s\b)?|\w+(?:['\u2019]\w+)*|[.,;:!?()]")
_ACRONYM = re.compile(r"(?:[A-Z]\.){2,}")
_POSSESSIVE = re.compile(r"['\u2019]s$")
_SETTING_WORDS = MODIFIERS | {"separate", "written", "televised", "subsequent", "news"}


@dataclass
class Token:
    """A word or punctuation mark of the cleaned text; ``cat`` is its gazetteer category when a name covers it."""

    word: str
    start: int
    end: int
    poss: bool = False
    cat: str | None = None
    quoted: bool = False

    @property
    def low(self) -> str:
        return self.word.lower()


def tokenize(text: str) -> list[Token]:
    """Words ("Iran's" is "Iran" marked possessive) with offsets and gazetteer categories."""
    toks = []
    for m in _TOKEN.finditer(text):
        word = m.group().replace("\u2019", "'")
        poss = bool(_POSSESSIVE.search(word))
        toks.append(Token(word[:-2] if poss else word, m.start(), m.end(), poss))
    names, _ = gazetteer()
    longest = max(len(k) for k in names)
    i = 0
    while i < len(toks):
        for n in range(min(longest, len(toks) - i), 0, -1):
            cat = names.get(tuple(t.word for t in toks[i : i + n]))
            if cat and all(not t.poss for t in toks[i : i + n - 1]):
                for t in toks[i : i + n]:
                    t.cat = cat
                i += n - 1
                break
        i += 1
    return toks


def is_verb(toks: list[Token], i: int) -> int:
    """Number of tokens of the reporting verb at ``i`` (0 when there is none)."""
    low = toks[i].low
    if low in PHRASAL:
        for tail in PHRASAL[low]:
            if tuple(t.low for t in toks[i + 1 : i + 1 + len(tail)]) == tail:
                return 1 + len(tail)
        return 0
    return 1 if low in VERBS and not toks[i].quoted else 0


def np_word(t: Token, head: Token | None = None) -> bool:
    """A word that can be part of a speaker's noun phrase; any plain word can qualify the official ``head``
    right after it ("transport ministry", "energy minister")."""
    low = t.low
    if low in INNER or low in OFFICIAL or low in MODIFIERS or t.cat:
        return True
    if _ACRONYM.fullmatch(t.word):
        return True
    if low in CLOSED or low in VERBS or low in SKIP or low in MODALS or not t.word.isalpha():
        return False
    return t.word[:1].isupper() or (head is not None and head.low in OFFICIAL and not t.poss)


def _title_stop(toks: list[Token], j: int) -> bool:
    """The period of a title such as "Mr." or "Col.", which belongs to the name after it."""
    return toks[j].word == "." and j > 0 and toks[j - 1].low in TITLES and j + 1 < len(toks) and is_name(toks[j + 1])


def is_name(t: Token) -> bool:
    return t.word[:1].isupper() and t.low not in OFFICIAL and np_word(t) and t.low not in MODIFIERS


_COMPLEMENT = ("of", "for", "to")  # "minister of irrigation", "envoy for the talks", "adviser to the president"


def _complement(toks: list[Token], lo: int, i: int) -> int | None:
    """Index of the official title whose complement ends at ``i`` ("chief" in "chief of staff"), or None.

    The complement is a few plain words ("of irrigation", "for the dam talks", "to Azerbaijan's president");
    after "to" it must not be a verb ("to respond").
    """
    for k in range(i - 1, max(lo, i - 6), -1):
        t = toks[k]
        if t.low in _COMPLEMENT and k - 1 >= lo and toks[k - 1].low in OFFICIAL:
            tail = toks[k + 1 : i + 1]
            if t.low == "to" and not (tail[0].low in DETERMINERS or tail[0].word[:1].isupper()):
                return None
            return k - 1
        if not t.word.isalpha() or t.low in VERBS or t.low in SKIP or t.low in MODALS or t.quoted:
            return None
        if t.low in CLOSED and t.low not in DETERMINERS:
            return None
    return None


def np_left(toks: list[Token], lo: int, i: int) -> tuple[int, int] | None:
    """The noun phrase ending at token ``i``, not reaching left of ``lo``: (start, end) inclusive, or None.

    An official title's complement of plain words is part of it ("the minister of irrigation").
    """
    end = i
    if not np_word(toks[i]) and toks[i].word.isalpha() and toks[i].low not in CLOSED:
        head = _complement(toks, lo, i)
        if head is None:
            return None
        i = head
    found = _np_left(toks, lo, i)
    if found is None:
        return None
    start = found[0]
    k = start - 1  # "the spokesperson of the Ethiopian prime minister's office", "the head of the coast guard",
    # "ambassador to Japan", "Ambassador to Manila Wang Dehai"
    capital_after_to = k >= lo and toks[k].low == "to" and toks[start].word[:1].isupper()
    if k - 1 >= lo and toks[k].low in _COMPLEMENT and (toks[start].low in DETERMINERS or capital_after_to):
        title = toks[k - 1].low
        if title in OFFICIAL or title in _HEADS and is_official(toks, start, found[1], set()):
            outer = _np_left(toks, lo, k - 1) if title in OFFICIAL else _np_left_head(toks, lo, k - 1)
            if outer:
                start = outer[0]
    return start, end


_HEADS = frozenset("head chief director leader".split())  # official when what they lead is


def _np_left_head(toks: list[Token], lo: int, k: int) -> tuple[int, int]:
    """"the head" ending at ``k``, with its determiner and modifiers."""
    j = k
    while j - 1 >= lo and (toks[j - 1].low in MODIFIERS or toks[j - 1].low in DETERMINERS):
        j -= 1
        if toks[j].low in DETERMINERS:
            break
    return j, k


def _np_left(toks: list[Token], lo: int, i: int) -> tuple[int, int] | None:
    start = None
    j = i
    while j >= lo:
        t = toks[j]
        if t.low in DETERMINERS:
            start = j
            break
        if t.word == ")":
            k = next((k for k in range(j - 1, max(lo, j - 6) - 1, -1) if toks[k].word == "("), None)
            if k is None:
                break
            start, j = k, k - 1
            continue
        if t.word == ",":  # "Foreign Minister of Pakistan, Jalil Abbas Jilani, ..." or "Egypt, Jordan and Qatar"
            names = start is not None and all(
                is_name(x) or x.low == "and" for x in toks[start : i + 1] if x.word not in "()"
            )
            before = toks[j - 1] if j - 1 >= lo else None
            if names and before and (before.low in OFFICIAL or before.cat in ("country", "capital")):
                j -= 1
                continue
            # "Ministry of Foreign Affairs, Foreign Trade and Immigration of Belize": an office's name in capitals
            titled = start is not None and all(x.word[:1].isupper() or x.low in INNER for x in toks[start : i + 1])
            office = any(toks[m].low in OFFICIAL for m in range(max(lo, j - 5), j))
            if titled and office and before and before.word[:1].isupper() and before.low not in OFFICIAL:
                j -= 1
                continue
            break
        if not np_word(t, toks[j + 1] if j < i else None) and not _title_stop(toks, j):
            break
        start = j
        j -= 1
    while start is not None and start <= i and (toks[start].low in LINKS or toks[start].word == ","):
        start += 1
    if start is None or start > i or toks[i].low in INNER or toks[i].low in DETERMINERS:
        return None
    return start, i


def np_right(toks: list[Token], i: int, hi: int) -> tuple[int, int] | None:
    """The noun phrase starting at token ``i`` and ending before ``hi``."""
    j = i + 1 if i < hi and toks[i].low in DETERMINERS else i
    while j < hi and (
        np_word(toks[j], toks[j + 1] if j + 1 < hi else None) or toks[j].word in "()" or _title_stop(toks, j)
    ):
        j += 1
    while j > i and toks[j - 1].low in LINKS:
        j -= 1
    return (i, j - 1) if j > i and toks[j - 1].low not in DETERMINERS else None


def is_official(toks: list[Token], a: int, b: int, known: set[str]) -> bool:
    """An official speaker: an official word, a country or capital, a known leader, an organisation."""
    span = toks[a : b + 1]
    if any(t.low in EXCLUDED for t in span) or (a > 0 and toks[a - 1].low in ("former", "ex")):
        return False
    for k, t in enumerate(span):
        if t.low == "state" and (k == 0 or span[k - 1].cat != "demonym"):
            continue
        if t.low in OFFICIAL or t.cat in ("country", "capital", "leader") or t.word in known:
            return True
    return organisation(span) is not None


def organisation(span: list[Token]) -> str | None:
    words = [t.word for t in span]
    for key, name in ORGANISATIONS.items():
        if any(tuple(words[k : k + len(key)]) == key for k in range(len(words))):
            return name
    return None


def actor_of(span: list[Token]) -> str | None:
    """The country a speaker's words name; failing one, the organisation, the nationality's country or the capital.

    Where an official is sent to is not who they speak for: "Cambodia's ambassador to the UN" is Cambodia.
    """
    sent = next((k for k in range(1, len(span)) if span[k].low == "to" and span[k - 1].low in OFFICIAL), None)
    if sent is not None:
        rest = next((k for k in range(sent, len(span)) if span[k].word == ","), len(span))
        span = span[:sent] + span[rest:]
    names: dict[str, list[str]] = {"country": [], "capital": []}
    k = 0
    while k < len(span):
        cat = span[k].cat
        if cat in names:
            j = k
            while j + 1 < len(span) and span[j + 1].cat == cat and not span[j].poss:
                j += 1
            names[cat].append(actor_name(" ".join(t.word for t in span[k : j + 1])))
            k = j
        k += 1
    org = organisation(span)
    nationalities = [c for t in span if t.cat == "demonym" for c in [country_of(t.word)] if c]
    for found in (names["country"], [org] if org else [], nationalities, names["capital"]):
        if found:
            return " and ".join(dict.fromkeys(found))
    return None


def _skip_frame(toks: list[Token], lo: int, j: int) -> int:
    """Index left of what may stand between a speaker and its verb: adverbs, auxiliaries, dates, "in a statement"."""
    for _ in range(8):
        if j < lo:
            return j
        t = toks[j]
        dated = j + 1 < len(toks) and (toks[j + 1].low in CALENDAR or toks[j + 1].word.isdigit())
        if (
            t.low in SKIP
            or t.low in CALENDAR
            or t.word.isdigit()
            or (t.word.islower() and t.low.endswith("ly") and t.low not in NOT_ADVERBS)
            or (t.low in ("on", "in") and dated)
        ):
            j -= 1
            continue
        if t.low in SETTINGS:  # "in a statement", "at a press briefing", "in a joint statement"
            k = j - 1
            while k >= max(lo, j - 3) and toks[k].low in _SETTING_WORDS:
                k -= 1
            k -= k >= lo and toks[k].low in DETERMINERS
            if k >= lo and toks[k].low in ("in", "at", "during"):
                j = k - 1
                continue
        return j
    return j


def subject(toks: list[Token], lo: int, v: int) -> tuple[int, int] | None:
    """The speaker of the reporting verb at ``v`` as a (start, end) noun phrase (a pronoun counts), or None.

    An object ("at Iran"), an infinitive or a modal ("Pakistan must urge") is no speaker; "a statement by X"
    and "an official from X" are.
    """
    j = _skip_frame(toks, lo, v - 1)
    if j >= lo and toks[j].low == "would" and toks[v].low == "say":  # "X would only say that ..."
        j = _skip_frame(toks, lo, j - 1)
    if j < lo or toks[j].low in MODALS:
        return None
    if (toks[v].low.endswith("ed") or toks[v].low in ("told", "said")) and any(t.low in BE for t in toks[j + 1 : v]):
        return None  # passive: "the ambassador was summoned"
    appos_end = None
    if toks[j].word == ",":  # ", who ... ," is skipped; ", Name Name," is an apposition kept in the speaker
        k = j - 1
        while k >= max(lo, j - 30) and toks[k].word != ",":
            k -= 1
        if k < lo or toks[k].word != ",":
            return None
        segment = toks[k + 1 : j]
        if segment[0].low in ("who", "which") or segment[0].low.endswith("ing") or segment[0].low in _PARTICIPLES:
            j = k - 1  # ", speaking to reporters,", ", asked about the incident,"
        elif _names(segment):  # ", Col. Ivan Petrov,", ", Ambassador Yasmin Helmy,"
            appos_end, j = j - 1, k - 1
        elif _described(segment):  # "Redwan Asfaw, the spokesperson of the prime minister's office, said"
            person = np_left(toks, lo, k - 1)
            ok = person and all(is_name(t) or t.word == "." for t in toks[person[0] : k])
            return (person[0], j - 1) if ok else None
        else:
            return None
        if j < lo:
            return None
    if toks[j].low in PRONOUNS:
        a, b = j, j
    elif toks[j].low == "two" and j > lo and toks[j - 1].low == "the":
        a, b = j - 1, j
    else:
        np = np_left(toks, lo, j)
        if np is None:
            return None
        a, b = np[0], appos_end or np[1]
    if toks[a].low in ("a", "an") and toks[b].low in SPEECH_NOUNS and a - 1 > lo and toks[a - 1].low in _ISSUED:
        return subject(toks, lo, a - 1)  # "X issued a statement calling on ...": the speaker is X
    before = toks[a - 1].low if a > lo else ""
    if before in ("by", "from", "in", "at"):  # "a statement by X", "an official from X", "officials in Tehran"
        k = a - 2 - (a - 2 >= lo and toks[a - 2].low == "issued")
        if k >= lo and toks[k].low in SPEECH_NOUNS and before in ("by", "from"):
            return a, b
        head = np_left(toks, lo, k) if k >= lo and toks[k].low in OFFICIAL else None
        return (head[0], b) if head else None
    return None if before in PREPOSITIONS else (a, b)


_PARTICIPLES = frozenset("asked pressed questioned quoted interviewed contacted reached".split())
_ISSUED = frozenset("issued released published made sent delivered posted".split())


def _names(segment: list[Token]) -> bool:
    """A name with its titles, every word capitalised: "Col. Ivan Petrov", "Rear Admiral Petri Lind"."""
    words = [t for t in segment if t.word != "."]
    return 0 < len(segment) <= 7 and all(t.word[:1].isupper() for t in words) and any(is_name(t) for t in words)


def _described(segment: list[Token]) -> bool:
    """An official described, without a verb: "a spokesman for the State Committee", "the foreign minister"."""
    if not segment or len(segment) > 15:
        return False
    if any(is_verb(segment, k) or t.low in ("who", "which") for k, t in enumerate(segment)):
        return False
    first = segment[0].low  # "the spokesperson of ...", "Chile's deputy foreign minister", "Chilean envoy"
    opens = first in DETERMINERS or first in OFFICIAL or first in MODIFIERS or segment[0].cat is not None
    return opens and is_official(
        segment, 0, len(segment) - 1, set()
    )


def with_apposition(toks: list[Token], np: tuple[int, int], hi: int) -> tuple[int, int]:
    """A speaker named after its verb, with what follows it between commas when that says who it is:
    "said Saidali Rahmonzoda, a spokesman for the State Committee, ..." or "said the ministry's spokesman, Ali"."""
    k = np[1] + 1
    if k + 1 >= hi or toks[k].word != ",":
        return np
    end = next((m for m in range(k + 1, hi) if toks[m].word in ",;:." and not _title_stop(toks, m)), hi)
    segment = toks[k + 1 : end]
    if _names(segment) or _described(segment):
        return np[0], end - 1
    return np


def according(toks: list[Token], i: int, hi: int) -> tuple[int, int] | None:
    """The speaker after "according to" (at ``i``): "a statement issued by X" is X."""
    j = i + (i < hi and toks[i].low in DETERMINERS)
    while j < hi and toks[j].low in ("joint", "official", "similar", "press"):
        j += 1
    if j < hi and toks[j].low in SPEECH_NOUNS:
        j += 1 + (j + 1 < hi and toks[j + 1].low == "issued")
        if j < hi and toks[j].low in ("by", "from"):
            return np_right(toks, j + 1, hi)
    return np_right(toks, i, hi)


def after_quote(toks: list[Token], i: int, hi: int) -> tuple[int, int] | None:
    """Speaker named right after a quote: ", the ministry said", ", said X", ", according to X"."""
    while i < hi and toks[i].word == ",":
        i += 1
    if i >= hi:
        return None
    if toks[i].low == "according" and i + 1 < hi and toks[i + 1].low == "to":
        return according(toks, i + 2, hi)
    n = is_verb(toks, i)
    if n:
        if i + n < hi and toks[i + n].low in PRONOUNS:
            return i + n, i + n
        np = np_right(toks, i + n, hi)
        return with_apposition(toks, np, hi) if np else None
    for v in range(i + 1, min(hi, i + 10)):
        if is_verb(toks, v):
            np = subject(toks, i, v)
            return np if np and np[0] == i else None
    return None
