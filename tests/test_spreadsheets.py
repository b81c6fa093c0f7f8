"""Spreadsheet files in and out of `score`: delimiters, encodings, TSV, XLSX, a BOM (issue 14, item 3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from tonecls import xlsx
from tonecls.cli import cli
from tonecls.output import csv_line, restore_cell, safe_cell
from tonecls.readers import iter_records
from tonecls.tones import TONES

HEADER = ["id", "tones", *(f"score_{t}" for t in TONES), "actor", "date", "speaker", "note", "text"]
ROWS = [
    ("pk-1", "Pakistan", "2024-01-16", "We strongly condemn this unprovoked attack on our territory."),
    ("ir-1", "Iran", "2024-01-17", "We call on both sides to exercise restraint and return to dialogue."),
]
FORMULA = '=HYPERLINK("http://evil.example","click")'


def run(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def table(sep: str, rows=ROWS) -> str:
    return "".join(sep.join(cells) + "\n" for cells in [("id", "actor", "date", "text"), *rows])


# ---------------------------------------------------------------- delimiters


@pytest.mark.parametrize(("sep", "said"), [(";", "';'"), ("\t", "tabs")])
def test_a_csv_whose_header_splits_on_semicolons_or_tabs_is_read_so_with_a_note(tmp_path, sep, said):
    src = tmp_path / "export.csv"
    src.write_text(table(sep), encoding="utf-8")
    result = run("score", str(src))
    assert result.exit_code == 0, result.output
    assert [(r["id"], r["actor"]) for r in jsonl(result.stdout)] == [("pk-1", "Pakistan"), ("ir-1", "Iran")]
    option = "tab" if sep == "\t" else "';'"
    assert f"{src}:1: note: columns are separated by {said}, not commas: read as with --delimiter {option}\n" in (
        result.stderr
    )


@pytest.mark.parametrize("given", [";", "tab", "\\t", "\t"])
def test_delimiter_option_reads_the_file_without_a_note(tmp_path, given):
    src = tmp_path / "export.csv"
    src.write_text(table(";" if given == ";" else "\t"), encoding="utf-8")
    result = run("score", "--delimiter", given, str(src))
    assert result.exit_code == 0, result.output
    assert len(jsonl(result.stdout)) == 2 and "note:" not in result.stderr


def test_a_semicolon_text_cell_with_commas_is_kept_whole(tmp_path):
    src = tmp_path / "export.csv"
    src.write_text('id;text\nx;"We condemn it; firmly, and again."\n', encoding="utf-8")
    assert jsonl(run("score", str(src)).stdout)[0]["text"] == "We condemn it; firmly, and again."


def test_bad_delimiters_are_usage_errors():
    for bad in ("ab", '"', ""):
        result = run("score", "--delimiter", bad, "x.csv")
        assert result.exit_code == 2 and "--delimiter" in result.output


def test_a_header_with_no_text_column_on_any_separator_is_still_refused_with_a_hint(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("id|actor|body\n1|A|We condemn it.\n", encoding="utf-8")
    result = run("score", str(src))
    assert result.exit_code == 1
    assert (
        f"{src}:1: skipped: CSV has no 'text' column (columns: id|actor|body); give --delimiter if its columns are"
        " not separated by commas"
    ) in result.stderr


# ---------------------------------------------------------------- encodings


def test_a_windows_1252_csv_is_refused_until_its_encoding_is_given(tmp_path):
    src = tmp_path / "cp1252.csv"
    src.write_bytes('id,text\nx,"\u201cWe condemn it,\u201d said the minister in Bogot\u00e1."\n'.encode("cp1252"))
    refused = run("score", str(src))
    assert refused.exit_code == 1
    assert f"{src}:2: skipped: not valid UTF-8 (byte 11); save the file as UTF-8" in refused.stderr
    result = run("score", "--encoding", "cp1252", str(src))
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout)[0]["text"] == "\u201cWe condemn it,\u201d said the minister in Bogot\u00e1."


def test_encoding_applies_to_text_files_jsonl_and_stdin(tmp_path):
    (tmp_path / "a.txt").write_bytes("Nous condamnons l\u2019attaque contre l\u2019\u00e9quipe.".encode("cp1252"))
    (tmp_path / "b.jsonl").write_bytes(
        '{"text": "Wir verurteilen den Angriff gr\u00f6\u00dftenteils."}\n'.encode("latin-1")
    )
    result = run(
        "score",
        "--encoding",
        "cp1252",
        str(tmp_path / "a.txt"),
        str(tmp_path / "b.jsonl"),
        "-",
        input="Caf\u00e9 talks resume.\n".encode("cp1252"),
    )
    assert result.exit_code == 0, result.output
    assert [r["text"] for r in jsonl(result.stdout)] == [
        "Nous condamnons l\u2019attaque contre l\u2019\u00e9quipe.",
        "Wir verurteilen den Angriff gr\u00f6\u00dftenteils.",
        "Caf\u00e9 talks resume.",
    ]


def test_a_utf16_file_without_a_bom_is_read_when_its_encoding_is_given(tmp_path):
    src = tmp_path / "u16.csv"
    src.write_bytes(table(",").encode("utf-16-le"))
    result = run("score", "--encoding", "utf-16-le", str(src))
    assert result.exit_code == 0, result.output
    assert [r["id"] for r in jsonl(result.stdout)] == ["pk-1", "ir-1"]


def test_bytes_invalid_in_the_given_encoding_skip_their_row_only(tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes(b"id,text\na,We condemn \x81 it.\nb,We welcome the talks.\n")
    result = run("score", "--encoding", "cp1252", str(src))
    assert result.exit_code == 0, result.output
    assert f"{src}:2: skipped: not valid CP1252 (byte 21)" in result.stderr
    assert [r["id"] for r in jsonl(result.stdout)] == ["b"]


@pytest.mark.parametrize(
    ("name", "message"), [("klingon", "unknown encoding 'klingon'"), ("base64", "'base64' is not a text encoding")]
)
def test_an_unknown_encoding_is_a_usage_error(name, message):
    result = run("score", "--encoding", name, "x.csv")
    assert result.exit_code == 2 and message in result.output


# ---------------------------------------------------------------- TSV and CSV out


def test_tsv_in_and_out_with_formula_cells_neutralised(tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text(table("\t", [*ROWS, ("f-1", "@Someone", "2024-01-18", FORMULA)]), encoding="utf-8")
    out = tmp_path / "out.tsv"
    result = run("score", str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(out.open(encoding="utf-8", newline=""), delimiter="\t"))
    assert rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == ["pk-1", "ir-1", "f-1"]
    assert rows[3][6] == "'@Someone" and rows[3][-1] == "'" + FORMULA
    assert float(rows[1][2]) > 0.5  # scores are numbers, left alone
    back = run("report", str(out), "--out", str(tmp_path / "r.html"))
    assert back.exit_code == 0, back.output
    assert "@Someone" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_tsv_cells_holding_tabs_or_newlines_are_quoted(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a\tb", "text": "We condemn it.\nTwice."}) + "\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert run("score", str(src), "--out", str(out)).exit_code == 0
    rows = list(csv.reader(out.open(encoding="utf-8", newline=""), delimiter="\t"))
    assert rows[1][0] == "a\tb" and rows[1][-1] == "We condemn it.\nTwice."


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_bom_starts_the_output_with_a_utf8_byte_order_mark(tmp_path, suffix):
    src = tmp_path / "in.csv"
    src.write_text(table(","), encoding="utf-8")
    out = tmp_path / f"out{suffix}"
    assert run("score", str(src), "--out", str(out), "--bom").exit_code == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfid") and data.count(b"\xef\xbb\xbf") == 1
    assert run("report", str(out), "--out", str(tmp_path / "r.html")).exit_code == 0


def test_bom_is_only_for_csv_and_tsv_and_other_suffixes_are_refused(tmp_path):
    result = run("score", "x.csv", "--out", str(tmp_path / "o.jsonl"), "--bom")
    assert result.exit_code == 2 and "--bom is for .csv and .tsv output" in result.output
    result = run("score", "x.csv", "--out", str(tmp_path / "o.json"))
    assert result.exit_code == 1
    assert "output must end in .csv, .tsv, .xlsx, .jsonl (JSON Lines) or .parquet" in result.output


# ---------------------------------------------------------------- XLSX


def read_book(path):
    import openpyxl

    book = openpyxl.load_workbook(path)
    return book.worksheets[0]


def test_xlsx_out_has_string_cells_never_formulas(tmp_path):
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "f-1", "text": FORMULA, "actor": "+cmd", "date": "2024-01-18"},
        {"id": "c-1", "text": "We condemn it.\x1b[2J Really.", "speaker": "-minister"},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "scores.xlsx"
    result = run("score", str(src), "--out", str(out))
    assert result.exit_code == 0, result.output
    sheet = read_book(out)
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert values[1][0] == "f-1" and values[1][-1] == FORMULA and values[1][6] == "+cmd"
    assert sheet["K2"].data_type == "s" and sheet["K2"].quotePrefix and sheet["G2"].quotePrefix
    assert isinstance(values[1][2], float)  # scores are numbers
    assert values[2][-1] == "We condemn it.\\x1b[2J Really."  # a control character cannot be in a cell: escaped
    with zipfile.ZipFile(out) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    back = run("report", str(out), "--out", str(tmp_path / "r.html"))
    assert back.exit_code == 0, back.output


def make_workbook(path, rows, *, sheets=1):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Statements"
    for row in rows:
        sheet.append(row)
    for n in range(1, sheets):
        book.create_sheet(f"Other {n}")
    book.save(path)


def test_xlsx_in_reads_the_first_sheet_with_dates_and_numbers_as_a_csv_export_would(tmp_path):
    src = tmp_path / "in.xlsx"
    make_workbook(
        src,
        [
            ["ID", "Actor", "Date", "Text"],
            [1, "Pakistan", dt.datetime(2024, 1, 16), "We strongly condemn this unprovoked attack on our territory."],
            [None, None, None, None],
            [2.0, "Iran", "17/01/2024", "We call on both sides to exercise restraint and return to dialogue."],
            [3, "Iran", dt.date(2024, 1, 18), None],
        ],
        sheets=2,
    )
    result = run("score", str(src), "--date-format", "%d/%m/%Y")
    assert result.exit_code == 0, result.output
    rows = jsonl(result.stdout)
    assert [(r["id"], r["actor"], r["date"]) for r in rows] == [
        ("1", "Pakistan", "2024-01-16"),
        ("2", "Iran", "2024-01-17"),
    ]
    assert f"{src}:1: note: only the first of 2 sheets ('Statements') is read" in result.stderr
    assert f"{src}:5: skipped: missing or empty 'text'" in result.stderr


def test_a_damaged_or_oversized_workbook_is_skipped_in_one_line(tmp_path, monkeypatch):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 not a workbook")
    big = tmp_path / "big.xlsx"
    make_workbook(big, [["text"], ["We condemn it."]])
    monkeypatch.setattr(xlsx, "MAX_UNPACKED", 1000)
    result = run("score", str(bad), str(big))
    assert result.exit_code == 1
    assert f"{bad}: skipped: not a readable .xlsx workbook (BadZipFile: File is not a zip file)" in result.stderr
    assert f"{big}: skipped: too large once unpacked (" in result.stderr


def test_too_many_rows_for_a_sheet_is_an_error_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 2)
    src = tmp_path / "in.csv"
    src.write_text(table(","), encoding="utf-8")
    out = tmp_path / "scores.xlsx"
    result = run("score", str(src), "--out", str(out))
    assert (result.exit_code, result.output) == (
        1,
        "Error: more than 1 rows do not fit in one .xlsx sheet; use .csv or .jsonl\n",
    )
    assert list(tmp_path.iterdir()) == [src]


def test_iter_records_gives_xlsx_rows_like_csv_rows(tmp_path):
    src = tmp_path / "labels.xlsx"
    make_workbook(src, [["text", "labels", "constructed"], ["We condemn it.", "condemnation; threat", True]])
    assert [r for _, r in iter_records(src)] == [
        {"text": "We condemn it.", "labels": ["condemnation", "threat"], "constructed": True}
    ]


def test_xlsx_needs_its_extra(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name.split(".")[0] == "openpyxl":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    src = tmp_path / "in.xlsx"
    src.write_bytes(io.BytesIO(b"").getvalue())
    result = run("score", str(src))
    assert result.exit_code == 1
    expected = "skipped: reading and writing .xlsx files needs openpyxl: pip install 'tonecls[xlsx]'"
    assert f"{src}: {expected}" in result.stderr


# ---------------------------------------------------------------- generated cells

cells = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=5))
def test_tsv_lines_read_back_cell_for_cell_and_no_cell_starts_a_formula(rows):
    text = "".join(csv_line([safe_cell(c) for c in row], delimiter="\t") for row in rows)
    back = list(csv.reader(io.StringIO(text, newline=""), delimiter="\t"))
    assert [[restore_cell(c) for c in row] for row in back] == rows
    assert not any(c[:1] in ("=", "+", "-", "@", "\t", "\r", "\n") for row in back for c in row)


def test_extract_and_classify_file_take_the_encoding_too(tmp_path):
    article = tmp_path / "article.txt"
    article.write_bytes(
        "The defence minister warned that any repetition would be met with a firm r\u00e9ponse.".encode("cp1252")
    )
    assert run("extract", str(article)).exit_code == 1
    result = run("extract", "--encoding", "cp1252", str(article))
    assert result.exit_code == 0, result.output
    assert jsonl(result.stdout)[0]["text"].endswith("firm r\u00e9ponse.")
    assert run("classify", "--file", str(article), "--encoding", "cp1252").exit_code == 0
