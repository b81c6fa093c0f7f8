"""The main text of an HTML page: what its reader reads, without menus, scripts, banners and footers.

Why selectolax (the `tonecls[html]` extra): it parses with Lexbor, an HTML5
parser in C that builds the tree a browser builds from broken markup, and it
is one small wheel with no dependencies. trafilatura finds main text with more
heuristics, but brings about ten packages (lxml, justext, htmldate,
dateparser ...) and may return nothing for a one-paragraph press release;
the standard library's html.parser gives a stream of tags, not a tree, so an
unclosed element would shift what is skipped. Neither library removes
boilerplate the way a press-release page needs, so the rules are here, few
and explainable, like the rest of tonecls:

1. never read: scripts, styles, forms' controls, frames, media; ``nav``,
   ``aside``, ``footer``, a ``header`` outside the article, menus, dialogs;
   elements hidden (``hidden``, ``aria-hidden``, ``display: none``); elements
   whose ARIA role is navigation, banner, contentinfo, complementary, search
   or a menu; elements whose class or id names page furniture (cookie, share,
   breadcrumb, sidebar, related, newsletter ...) unless it also names content;
2. the root is the smallest of ``article``, ``main``, ``[role=main]`` and
   ``[itemprop=articleBody]`` that holds at least 60% of the largest one's
   text (all of its text, as the parser counts it), else the body;
3. text is collected per block (paragraph, heading, list item, table row ...),
   and a block that is mostly link text (a menu the page did not mark) is dropped.

Blocks are separated by blank lines, so sentences and paragraphs survive for
`tonecls extract`; a block that ends without sentence punctuation (a
headline, a dateline, a list item) gets a full stop, since on a web page a
block's end is certain, and without it the headline would be read as the
start of the first sentence of the release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tonecls.errors import MissingExtra

SKIP_TAGS = frozenset(
    """script style noscript template svg math canvas iframe frame frameset object embed video audio map
    button select option textarea input nav aside footer menu dialog head title meta link""".split()
)
BLOCK_TAGS = frozenset(
    """p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd blockquote section article main table thead tbody tfoot tr
    caption pre figure figcaption address hr header footer center fieldset details summary form""".split()
)
CELL_TAGS = frozenset({"td", "th"})
CONTENT_TAGS = frozenset({"article", "main"})
SKIP_ROLES = frozenset(
    "navigation banner contentinfo complementary search menu menubar toolbar dialog alertdialog".split()
)
FURNITURE = frozenset(
    """nav navbar navigation menu menubar breadcrumb breadcrumbs sidebar footer masthead cookie cookies consent
    gdpr share sharing social newsletter subscribe subscription related recommended promo advert advertisement ads
    banner popup modal skip pagination pager comments""".split()
)
CONTENT_WORDS = frozenset("content main article body story text post entry release statement".split())
ROOTS = "article, main, [role=main], [itemprop=articleBody]"
MAX_ROOTS = 50  # candidate roots measured; a page of thousands of teasers still costs little
ROOT_SHARE = 0.6
LINK_SHARE = 0.5
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_WORDS = re.compile(r"[a-z]+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_SPACE = re.compile(r"\s+")
_ENDED = re.compile(r"[.!?:;…\"\u201d\u2019)\]]$")
_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def main_text(html: str) -> str:
    """The readable main text of a page, blocks separated by blank lines ('' when there is none)."""
    try:
        from selectolax.lexbor import LexborHTMLParser
    except ImportError:
        raise MissingExtra("reading HTML", "selectolax", "html") from None
    tree = LexborHTMLParser(html)
    body = tree.body or tree.root
    if body is None:
        return ""
    return "\n\n".join(_blocks(_root(tree, body)))


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` of its first 1,024 bytes (as browsers look for it), or None."""
    found = _META_CHARSET.search(data[:1024])
    return found.group(1).decode("ascii") if found else None


def _root(tree, body):
    """The node the main text is read from (rule 2 of the module)."""
    sized = []
    for node in tree.css(ROOTS)[:MAX_ROOTS]:
        size = len(node.text(deep=True).strip())  # measured by the parser: nested roots cost little
        if size:
            sized.append((size, node))
    if not sized:
        return body
    largest = max(size for size, _ in sized)
    return min((item for item in sized if item[0] >= ROOT_SHARE * largest), key=lambda item: item[0])[1]


@dataclass
class _Block:
    parts: list[str] = field(default_factory=list)
    links: int = 0  # characters of link text


def _blocks(root) -> list[str]:
    """Text of the blocks under ``root``, in order; skipped elements and link lists left out (rules 1 and 3)."""
    out: list[str] = []
    current = _Block()
    in_content = any(_tag(a) in CONTENT_TAGS for a in _ancestors(root))
    state = {"link": 0, "pre": 0, "content": int(in_content)}

    def flush() -> None:
        nonlocal current
        text = "".join(current.parts)
        text = text.strip("\n ") if state["pre"] else _SPACE.sub(" ", text).strip()
        if text and current.links <= LINK_SHARE * len(text):
            out.append(text if _ENDED.search(text) else text + ".")
        current = _Block()

    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        tag = _tag(node)
        if leaving:
            _leave(tag, state, current, flush)
            continue
        if tag == "-text":
            text = node.text_content or ""
            current.parts.append(text)
            if state["link"]:
                current.links += len(text.strip())
            continue
        if tag.startswith("-") or _skipped(node, tag, state["content"] > 0):
            continue
        _enter(tag, state, current, flush)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter(include_text=True))))
    flush()
    return out


def _enter(tag: str, state: dict, current: _Block, flush) -> None:
    if tag in BLOCK_TAGS:
        flush()
    elif tag == "br":
        current.parts.append("\n")
    elif tag in CELL_TAGS:
        current.parts.append(" ")
    state["link"] += tag == "a"
    state["pre"] += tag == "pre"
    state["content"] += tag in CONTENT_TAGS


def _leave(tag: str, state: dict, current: _Block, flush) -> None:
    if tag in BLOCK_TAGS:
        flush()
    elif tag in CELL_TAGS:
        current.parts.append(" ")
    state["link"] -= tag == "a"
    state["pre"] -= tag == "pre"
    state["content"] -= tag in CONTENT_TAGS


def _tag(node) -> str:
    return node.tag or ""


def _ancestors(node):
    parent = node.parent
    while parent is not None and _tag(parent) not in ("html", "-document", ""):
        yield parent
        parent = parent.parent


def _skipped(node, tag: str, in_content: bool) -> bool:
    """Whether an element is page furniture or hidden (rule 1 of the module)."""
    if tag in SKIP_TAGS or (tag == "header" and not in_content):
        return True
    attrs = node.attributes
    if not attrs:
        return False
    if "hidden" in attrs or (attrs.get("aria-hidden") or "").strip().lower() == "true":
        return True
    if _HIDDEN_STYLE.search(attrs.get("style") or ""):
        return True
    if (attrs.get("role") or "").strip().lower() in SKIP_ROLES:
        return True
    if tag in ("body", "html") or tag in CONTENT_TAGS:
        return False
    names = f"{attrs.get('class') or ''} {attrs.get('id') or ''}".strip()
    if not names:
        return False
    words = set(_WORDS.findall(_CAMEL.sub(r"\1 \2", names).lower()))
    if "header" in words and not in_content:
        words.add("banner")
    return bool(words & FURNITURE) and not words & CONTENT_WORDS
