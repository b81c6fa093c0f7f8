"""HTML pages and PDFs as inputs of `score`, `extract` and `classify --file` (issue 14, item 1)."""

from __future__ import annotations

import builtins
import html
import json

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tonecls.cli import cli
from tonecls.html_text import declared_charset, main_text
from tonecls.pdf_text import NO_TEXT

from .documents import PRESS_RELEASE, encrypted_pdf, scanned_pdf, text_pdf

PDF_LINES = ["Our forces stand ready and will respond decisively", "to any attack on our territory."]


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# ---------------------------------------------------------------- the main text of a page


def test_main_text_keeps_the_release_and_drops_page_furniture():
    text = main_text(PRESS_RELEASE)
    assert "strongly condemns the unprovoked violation of its airspace" in text
    assert "\u201cThis violation of our sovereignty is completely unacceptable,\u201d the spokesperson said." in text
    assert text.startswith("Statement on the strike of 16 January.")  # the article's own header is kept
    for furniture in (
        "cookies",
        "Home",
        "Press releases",
        "Share on X",
        "Related",
        "Earlier statement",
        "Copyright",
        "Contact",
        "tracking",
        "font-family",
        "JavaScript",
        "MFA |",
    ):
        assert furniture not in text, furniture


def test_main_text_blocks_are_paragraphs_and_headings_end_a_sentence():
    text = main_text("<body><h2>Press release</h2><p>We call for\n   restraint.</p><ul><li>One</li><li>Two</li></ul>")
    assert text.split("\n\n") == ["Press release.", "We call for restraint.", "One.", "Two."]


def test_main_text_without_semantic_tags_drops_link_lists_and_hidden_parts():
    html = (
        '<body><div id="topMenu"><a>A</a> <a>B</a></div><div><div><a>Home</a> | <a>News</a> | <a>About</a></div>'
        '<p>The two ministers agreed to meet again in <a href="/geneva">Geneva</a> next month.</p>'
        '<p hidden>Hidden text.</p><p style="display: none">Also hidden.</p><p aria-hidden="true">Icon.</p>'
        '<div role="navigation"><p>Skip around</p></div></div></body>'
    )
    assert main_text(html) == "The two ministers agreed to meet again in Geneva next month."


def test_main_text_prefers_the_article_that_holds_the_text():
    html = (
        "<body><main><p>Teaser one.</p><article><p>" + "We condemn the attack. " * 20 + "</p></article>"
        "<article><p>Another short teaser.</p></article></main></body>"
    )
    text = main_text(html)
    assert text.startswith("We condemn the attack.") and "teaser" not in text.lower()


def test_a_deeply_nested_page_is_read_without_recursion():
    html = "<div>" * 5000 + "<p>Deep statement.</p>" + "</div>" * 5000
    assert main_text(html) == "Deep statement."


def test_declared_charset_is_read_from_meta_only_near_the_top():
    assert declared_charset(b'<html><head><meta charset="windows-1252">') == "windows-1252"
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">') == (
        "ISO-8859-1"
    )
    assert declared_charset(b" " * 2000 + b'<meta charset="koi8-r">') is None


# ---------------------------------------------------------------- score


def make_press_folder(tmp_path):
    press = tmp_path / "press"
    (press / "2024").mkdir(parents=True)
    (press / "mfa.html").write_text(PRESS_RELEASE, encoding="utf-8")
    (press / "2024" / "statement.pdf").write_bytes(text_pdf(PDF_LINES))
    (press / "note.txt").write_text("We call on both sides to exercise restraint.", encoding="utf-8")
    (press / "minutes.docx").write_bytes(b"PK\x03\x04 not read")
    (press / "draft.docx").write_bytes(b"PK\x03\x04 not read")
    (press / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return press


def test_score_reads_html_and_pdf_in_a_folder_and_counts_what_it_does_not_read(tmp_path):
    press = make_press_folder(tmp_path)
    result = run("score", str(press))
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in jsonl(result.stdout)}
    assert sorted(rows) == sorted(str(press / n) for n in ("mfa.html", "note.txt", "2024/statement.pdf"))
    html = rows[str(press / "mfa.html")]
    assert "<" not in html["text"] and "cookies" not in html["text"]
    assert "condemnation" in html["tones"]
    assert "threat" in rows[str(press / "2024" / "statement.pdf")]["tones"]
    assert "scored 3 statements; skipped 3 inputs; not read: 2 .docx, 1 .png" in result.stderr


def test_a_folder_holding_only_html_is_scored(tmp_path):
    (tmp_path / "only").mkdir()
    (tmp_path / "only" / "a.html").write_text(PRESS_RELEASE, encoding="utf-8")
    (tmp_path / "only" / "b.htm").write_text("<p>We welcome the ceasefire and offer to mediate.</p>", encoding="utf-8")
    result = run("score", str(tmp_path / "only"))
    assert result.exit_code == 0, result.output
    assert len(jsonl(result.stdout)) == 2
    assert "scored 2 statements; skipped 0 inputs" in result.stderr


def test_a_folder_of_files_that_are_not_read_says_which(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.docx").write_bytes(b"PK")
    (tmp_path / "docs" / "table.csv").write_text("text\nWe condemn it.\n")
    result = run("score", str(tmp_path / "docs"))
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        "Error: nothing was scored (every input was skipped; skipped 2 inputs; not read: 1 .csv, 1 .docx"
        " (tables in a folder are not read: name them))"
    )


def test_an_explicit_file_of_a_type_that_is_not_read_says_so(tmp_path):
    doc = tmp_path / "minutes.docx"
    doc.write_bytes(b"PK\x03\x04\x00\x00")
    result = run("score", str(doc))
    assert result.exit_code == 1
    assert f"{doc}: skipped: .docx files are not read; save it as text, HTML, PDF or CSV\n" in result.stderr


def test_an_explicit_html_file_is_never_scored_as_markup(tmp_path):
    page = tmp_path / "mfa.html"
    page.write_text(PRESS_RELEASE, encoding="utf-8")
    result = run("score", str(page), "--out", str(tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out.csv").read_text(encoding="utf-8")
    assert "strongly condemns" in text
    assert "<html" not in text and "<title>" not in text and "<p>" not in text


def test_an_html_page_declaring_windows_1252_is_read_in_it(tmp_path):
    page = tmp_path / "old.htm"
    page.write_bytes(
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>'
        b"<body><p>\x93We condemn this attack,\x94 the minister said in Bogot\xe1.</p></body></html>"
    )
    result = run("score", str(page))
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout)[0]["text"] == "\u201cWe condemn this attack,\u201d the minister said in Bogot\u00e1."


def test_a_page_with_no_text_is_skipped_with_its_reason(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<html><head><script>x()</script></head><body><nav><a>Home</a></nav></body></html>")
    result = run("score", str(page), str(tmp_path / "missing.html"))
    assert result.exit_code == 1
    assert f"{page}: skipped: no readable text in the page (only markup, scripts or menus)" in result.stderr


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (scanned_pdf, NO_TEXT),
        (lambda: encrypted_pdf(PDF_LINES, "secret"), "encrypted: it needs a password to open"),
        (lambda: b"%PDF-1.4\nnot really a pdf", "not a readable PDF ("),
        (lambda: text_pdf(PDF_LINES)[:200], "not a readable PDF ("),
    ],
    ids=["scanned", "encrypted", "garbage", "truncated"],
)
def test_a_pdf_that_cannot_be_read_is_skipped_and_says_why(tmp_path, make, reason):
    (tmp_path / "in").mkdir()
    bad = tmp_path / "in" / "bad.pdf"
    bad.write_bytes(make())
    (tmp_path / "in" / "good.pdf").write_bytes(text_pdf(PDF_LINES))
    result = run("score", str(tmp_path / "in"))
    assert result.exit_code == 0, result.output
    assert f"{bad}: skipped: {reason}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the skip and the summary: no pypdf warnings, no traceback
    assert [r["id"] for r in jsonl(result.stdout)] == [str(tmp_path / "in" / "good.pdf")]


def test_a_pdf_locked_only_against_editing_is_read(tmp_path):
    pdf = tmp_path / "locked.pdf"
    pdf.write_bytes(encrypted_pdf(PDF_LINES, ""))
    result = run("score", str(pdf))
    assert result.exit_code == 0, result.output
    assert "respond decisively" in jsonl(result.stdout)[0]["text"]


def test_a_pdf_word_cut_at_a_line_end_is_joined(tmp_path):
    pdf = tmp_path / "cut.pdf"
    pdf.write_bytes(text_pdf(["We condemn this viola-", "tion of our airspace by Iran-", "Pakistan border forces."]))
    result = run("score", str(pdf))
    assert result.exit_code == 0, result.output
    expected = "We condemn this violation of our airspace by Iran-\nPakistan border forces."
    assert jsonl(result.stdout)[0]["text"] == expected


def test_without_the_optional_package_each_file_says_what_to_install(tmp_path, monkeypatch):
    real_import = builtins.__import__

    def no_extras(name, *args, **kwargs):
        if name.split(".")[0] in ("selectolax", "pypdf"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extras)
    press = make_press_folder(tmp_path)
    result = run("score", str(press))
    assert result.exit_code == 0, result.output
    assert f"{press / 'mfa.html'}: skipped: reading HTML needs selectolax: pip install 'tonecls[html]'" in result.stderr
    assert f"{press / '2024' / 'statement.pdf'}: skipped: reading PDF needs pypdf: pip install 'tonecls[pdf]'" in (
        result.stderr
    )
    assert "scored 1 statements" in result.stderr


# ---------------------------------------------------------------- extract and classify


def test_extract_reads_the_statements_of_an_html_page_not_its_markup(tmp_path):
    page = tmp_path / "mfa.html"
    page.write_text(PRESS_RELEASE, encoding="utf-8")
    result = run("extract", str(page))
    assert result.exit_code == 0, result.output
    found = jsonl(result.stdout)
    texts = [f["text"] for f in found]
    assert "This violation of our sovereignty is completely unacceptable" in texts
    assert not any("<" in t or "MFA" in t or "cookies" in t for t in texts)
    quote = next(f for f in found if f["kind"] == "quote")
    assert quote["speaker"].lower() == "spokesperson" and quote["source"]["file"] == str(page)


def test_extract_reads_a_pdf_and_reports_a_scanned_one_in_one_line(tmp_path):
    good, scan = tmp_path / "release.pdf", tmp_path / "scan.pdf"
    good.write_bytes(
        text_pdf(["The defence minister warned that any repetition", "would be met with a firm response."])
    )
    scan.write_bytes(scanned_pdf())
    result = run("extract", str(good))
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout)[0]["speaker"] == "defence minister"
    result = run("extract", str(scan))
    assert (result.exit_code, result.output) == (1, f"Error: {scan}: {NO_TEXT}\n")


def test_classify_file_reads_html_and_pdf_and_text_stays_text(tmp_path):
    page = tmp_path / "mfa.html"
    page.write_text(PRESS_RELEASE, encoding="utf-8")
    result = run("classify", "--json", "--file", str(page))
    assert result.exit_code == 0, result.output
    assert "condemnation" in json.loads(result.stdout)["tones"]
    pdf = tmp_path / "s.pdf"
    pdf.write_bytes(text_pdf(PDF_LINES))
    assert "threat" in json.loads(run("classify", "--json", "--file", str(pdf)).stdout)["tones"]
    # TEXT is a statement even when it names an existing file
    named = run("classify", "--json", str(page))
    assert named.exit_code == 0 and json.loads(named.stdout)["scores"] != json.loads(result.stdout)["scores"]


def test_classify_file_usage_errors(tmp_path):
    result = run("classify", "--file", "x.html", "We condemn it.")
    assert result.exit_code == 2 and "give TEXT or --file, not both" in result.output
    result = run("classify", "--file", "x.html", "--lines")
    assert result.exit_code == 2 and "--lines reads standard input" in result.output
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_pdf())
    result = run("classify", "--file", str(scan))
    assert (result.exit_code, result.output) == (1, f"Error: {scan}: {NO_TEXT}\n")


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20), max_size=8))
def test_the_text_of_a_paragraph_comes_back_unescaped_whatever_it_holds(words):
    text = " ".join(" ".join(w.split()) for w in words).strip()
    page = f"<html><body><nav><a>Menu</a></nav><main><p>{html.escape(text)}</p></main></body></html>"
    got = main_text(page)
    assert got == "" if not text else got in (text, text + ".")  # a full stop ends a block that has none
