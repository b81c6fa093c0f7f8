"""The project's word lists for finding statements: reporting verbs, official speakers, and the rest.

Kept apart from the rules (tonecls.speech, tonecls.extract) so that adding a verb or an office is a one-line
change. Words are lower case unless they are names.
"""

from __future__ import annotations

import functools

from tonecls.gazetteer import entries


def _forms(lemmas: str) -> frozenset[str]:
    """Regular English forms of each verb (``condemn`` -> condemns, condemned, condemning)."""
    out = set()
    for lemma in lemmas.split():
        if lemma.endswith("e"):
            out |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
        elif lemma.endswith("y") and lemma[-2] not in "aeiou":
            out |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
        elif lemma.endswith(("ss", "sh", "ch")):
            out |= {lemma + "es", lemma + "ed", lemma + "ing"}
        else:
            out |= {lemma + "s", lemma + "ed", lemma + "ing"}
        out.add(lemma)
    return frozenset(out)


VERBS = (
    _forms(
        "add note claim condemn denounce urge warn demand accuse reject welcome express vow insist reiterate protest "
        "summon announce call term describe stress emphasize emphasise underline highlight confirm deny allege "
        "contend assert declare agree pledge promise threaten caution criticize criticise deplore decry blame "
        "reaffirm affirm argue clarify assure reassure offer propose appeal request ask reply report inform "
        "acknowledge discuss conclude mention dismiss regret hail praise applaud lament voice complain tweet "
        "suggest observe"
    )
    | frozenset(
        "say says said saying tell tells told telling stated stating write writes wrote writing labelled labelling "
        "admit admits admitted admitting slam slams slammed slamming".split()
    )
) - {"states", "notes", "calls"}  # more often nouns
PHRASAL = {"made": ("it", "clear"), "makes": ("it", "clear"), "pointed": ("out",), "pointing": ("out",)}
OFFICIAL = frozenset(
    "ministry ministries minister ministers office spokesperson spokespersons spokesman spokeswoman spokespeople "
    "government governments president presidency premier ambassador ambassadors envoy envoys diplomat diplomats "
    "military army navy forces force ispr irgc guard guards corps un secretary secretary-general eu council "
    "department embassy consulate statement communique communiqué official officials authorities counterpart "
    "counterparts chancellor cabinet commission committee delegation representative representatives commander "
    "chief king queen emir sultan nato administration leadership nations countries sides kremlin "
    "parliament mfa fo general gen colonel col lieutenant lt maj admiral adm brigadier brig governor gov amb".split()
)
EXCLUDED = frozenset(
    "media agency news newspaper newspapers analysts analyst experts expert observers journalists journalist "
    "critics users reports report writer author scholar scholars sources former ex late opposition".split()
)
INNER = frozenset("of for and both two".split())
LINKS = frozenset("of for and".split())  # inside a noun phrase, never at its edge
DETERMINERS = frozenset("the a an his her their its".split())
MODIFIERS = frozenset(
    "caretaker interim acting deputy senior top special federal provincial foreign information interior defence "
    "defense press joint similar local regional national security affairs public relations external home armed air "
    "naval high prime former ex state".split()
)
PRONOUNS = {"he": "person", "she": "person", "they": "plural", "both": "plural"}
SKIP = frozenset(
    "also has have had been was were is are be being did does do not never further again later earlier today once "
    "first then recently previously already still now long".split()
)
SETTINGS = frozenset("statement briefing conference interview meeting post message letter".split())
MODALS = frozenset("must should would could might may can cannot will shall need needs ought to".split())
# Before a noun phrase, these make it an object or part of a question, not a speaker ("at Iran", "what they said").
PREPOSITIONS = frozenset(
    "at against on in to with from into over about towards toward upon of by for between among like than "
    "what whether how why if".split()
)
SPEECH_NOUNS = frozenset(
    "statement statements threat threats warning warnings remark remarks comment comments condemnation criticism "
    "pledge pledges call calls appeal claim claims accusation accusations demand demands protest announcement "
    "assurance assurances offer declaration denial terms words language".split()
)
DISCOURSE = frozenset(
    "however meanwhile separately additionally finally likewise similarly moreover furthermore conversely "
    "nevertheless nonetheless also but and yet still indeed therefore thus so instead besides notably "
    "undoubtedly accordingly consequently ironically expectedly earlier later".split()
)
CALENDAR = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december".split()
)
ORGANISATIONS = {
    ("UN",): "United Nations",
    ("United", "Nations"): "United Nations",
    ("Security", "Council"): "United Nations",
    ("Secretary", "General"): "United Nations",
    ("EU",): "European Union",
    ("European", "Union"): "European Union",
    ("European", "Commission"): "European Union",
    ("NATO",): "NATO",
    ("African", "Union"): "African Union",
    ("Arab", "League"): "Arab League",
    ("State", "Department"): "United States",
    ("White", "House"): "United States",
    ("Kremlin",): "Russia",
}
CLOSED = DISCOURSE | CALENDAR | PREPOSITIONS | DETERMINERS | frozenset(PRONOUNS) | {"this", "these", "that", "it"}
TITLES = frozenset("mr mrs ms dr prof gen lt col maj capt cmdr adm brig sgt gov sen rep pres amb".split())
BE = frozenset("is are was were be been being".split())
NOT_ADVERBS = frozenset("ally family reply supply rally assembly italy july".split())
PERSONS = frozenset(
    "minister spokesperson spokesman spokeswoman ambassador envoy president premier secretary diplomat official "
    "chancellor king queen emir sultan representative counterpart commander chief".split()
)
PLURAL = frozenset("both the two sides countries nations governments".split())


@functools.cache
def gazetteer() -> tuple[dict[tuple[str, ...], str], tuple[str, ...]]:
    """Name (as words) to category, and the country names, from the project's gazetteer."""
    names = {words: category for category, _, words in entries()}
    countries = tuple(name for category, name, _ in entries() if category == "country")
    return names, countries


_IRREGULAR = {
    "Danish": "Denmark",
    "Dutch": "Netherlands",
    "French": "France",
    "British": "United Kingdom",
    "Swiss": "Switzerland",
    "Greek": "Greece",
    "Swedish": "Sweden",
    "Spanish": "Spain",
    "Finnish": "Finland",
    "Polish": "Poland",
    "Irish": "Ireland",
    "Filipino": "Philippines",
    "Saudi": "Saudi Arabia",
    "Emirati": "United Arab Emirates",
    "Afghan": "Afghanistan",
    "Uzbek": "Uzbekistan",
    "Kazakh": "Kazakhstan",
    "Kyrgyz": "Kyrgyzstan",
    "Tajik": "Tajikistan",
    "Turkmen": "Turkmenistan",
}
_SUFFIXES = frozenset("n an ian ean ese i ish ic er e ine egian ien ite iot ois vian nian uese".split()) | {""}


@functools.cache
def country_of(demonym: str) -> str | None:
    """The country a nationality names: "Iranian" -> "Iran", "Chinese" -> "China", else None.

    The country's name, less at most two final letters, must begin the nationality, and what follows must be
    a usual ending ("-ian", "-ese", "-i"); a plural "s" is dropped first.
    """
    word = demonym if demonym in _IRREGULAR else demonym.removesuffix("s")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    best, score = None, (0, 0)
    for country in gazetteer()[1]:
        n = 0
        while n < min(len(country), len(word)) and country[n] == word[n]:
            n += 1
        if n >= 4 and len(country) - n <= 2 and word[n:] in _SUFFIXES and (n, n - len(country)) > score:
            best, score = country, (n, n - len(country))
    return best
