"""`score --jobs N`: worker processes read their own parts of the files; the output is that of `--jobs 1`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tonecls.cli import cli
from tonecls.parts import Part, plan_parts
from tonecls.score import Skip

from .conftest import TINY


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def mixed_inputs(folder: Path) -> list[Path]:
    """JSONL and CSV with bad rows, a folder of text files with an empty one, a missing file."""
    texts = [t for t, _ in TINY] * 4
    jsonl = folder / "in.jsonl"
    lines = [json.dumps({"id": f"j{i}", "text": t, "date": "2024-01-01"}) for i, t in enumerate(texts)]
    lines[5], lines[40] = "{broken", json.dumps({"text": ["not", "a", "string"]})
    jsonl.write_text("\n".join(lines) + "\n")
    csv = folder / "in.csv"
    csv.write_text("id,text\n" + "".join(f'c{i},"{t}\nmore"\n' for i, t in enumerate(texts)) + "c-x,\n")
    texts_folder = folder / "texts"
    texts_folder.mkdir()
    for i, t in enumerate(texts[:30]):
        (texts_folder / f"{i:03d}.txt").write_text(t)
    (texts_folder / "empty.md").write_text(" ")
    return [jsonl, texts_folder, folder / "missing.csv", csv]


def one_and_two_jobs(tmp_path, src, suffix):
    """Score ``src`` with one process and with two jobs on 1 KB parts; assert the same bytes and notes."""
    one, two = tmp_path / f"one{suffix}", tmp_path / f"two{suffix}"
    first = run("score", *src, "--out", one)
    second = run("score", *src, "--out", two, "--jobs", "2", "--part-size", "1KB")
    assert first.exit_code == second.exit_code == 0, second.output
    assert two.read_bytes() == one.read_bytes()
    assert second.stderr.replace(str(two), str(one)) == first.stderr
    return first


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_two_jobs_on_parts_give_the_bytes_skips_and_counts_of_one(tmp_path, suffix):
    src = mixed_inputs(tmp_path)
    first = one_and_two_jobs(tmp_path, src, suffix)
    assert "in.jsonl:6: skipped: invalid JSON" in first.stderr and "empty.md: skipped: empty file" in first.stderr
    assert first.stderr.splitlines()[-1].endswith("skipped 5 inputs")


def test_the_inputs_really_are_cut_into_parts(tmp_path):
    src = mixed_inputs(tmp_path)
    planned = list(plan_parts([str(p) for p in src], 1024))
    parts = [p for p in planned if isinstance(p, Part)]
    assert len(parts) > 8 and sum(isinstance(p, Skip) for p in planned) == 1
    lines = src[0].read_bytes().splitlines(keepends=True)
    spans = [p.span for p in parts if p.path and p.path.endswith(".jsonl")]
    assert len(spans) > 3
    for span in spans:  # each part starts at the byte offset of the line it names
        assert span.start == sum(len(line) for line in lines[: span.first_line - 1])


def test_jobs_with_standard_input_reads_it_here(tmp_path):
    text = "".join(f"{t}\n" for t, _ in TINY)
    one = CliRunner().invoke(cli, ["score", "-"], input=text)
    two = CliRunner().invoke(cli, ["score", "-", "--jobs", "2", "--part-size", "1KB"], input=text)
    assert one.exit_code == two.exit_code == 0 and one.stdout == two.stdout


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the signal mask from /proc")
def test_workers_start_with_no_signal_held():
    """Signals are held while a worker starts; the worker must not keep them held (it would outlive its parent)."""
    from tonecls.workers import ordered_map

    statuses = list(ordered_map(Path.read_text, [Path("/proc/self/status")] * 2, workers=2))
    blocked = [line.split()[1] for status in statuses for line in status.splitlines() if line.startswith("SigBlk")]
    assert blocked == ["0000000000000000"] * 2


def documents_and_spreadsheets(folder: Path) -> list[Path]:
    """The inputs of main's readers: HTML and PDF in a folder with files not read, TSV, XLSX, a ';' CSV, and a
    JSONL file long enough to be cut into parts whose dates are not ISO."""
    from .documents import PRESS_RELEASE, text_pdf

    texts = [t for t, _ in TINY] * 4
    docs = folder / "docs"
    docs.mkdir()
    (docs / "a.html").write_text(PRESS_RELEASE)
    (docs / "b.pdf").write_bytes(text_pdf(["We condemn the shelling of the villages."]))
    (docs / "c.docx").write_bytes(b"PK\x03\x04")
    (docs / "d.png").write_bytes(b"\x89PNG")
    (docs / "e.txt").write_text(texts[0])
    tsv = folder / "in.tsv"
    tsv.write_text("id\ttext\n" + "".join(f"t{i}\t{t}\n" for i, t in enumerate(texts[:10])))
    semi = folder / "semi.csv"
    semi.write_text("id;text\n" + "".join(f"s{i};{t}\n" for i, t in enumerate(texts[:10])))
    dated = folder / "dated.jsonl"
    lines = [json.dumps({"id": f"d{i}", "text": t, "date": f"{i % 28 + 1:02d}/05/2024"}) for i, t in enumerate(texts)]
    dated.write_text("\n".join(lines) + "\n")
    inputs = [docs, tsv, semi, dated]
    pytest.importorskip("openpyxl", reason="needs the xlsx extra")
    from tonecls.xlsx import write_xlsx

    xlsx = folder / "in.xlsx"
    with open(xlsx, "wb") as fh:
        write_xlsx(["id", "text"], [[f"x{i}", t] for i, t in enumerate(texts[:5])], fh, text_columns=(0, 1), sheet="s")
    return [*inputs, xlsx]


@pytest.mark.parametrize("suffix", [".jsonl", ".tsv"])
def test_two_jobs_read_documents_spreadsheets_and_dates_as_one_process_does(tmp_path, suffix):
    """Main's input kinds through the parts: the same bytes, notes, skips, one date warning and the same counts."""
    pytest.importorskip("selectolax", reason="needs the html extra")
    pytest.importorskip("pypdf", reason="needs the pdf extra")
    src = documents_and_spreadsheets(tmp_path)
    assert len([p for p in plan_parts([str(p) for p in src], 1024) if isinstance(p, Part)]) > 5
    first = one_and_two_jobs(tmp_path, src, suffix)
    assert first.stderr.count("warning: date") == 1 and "80 dates not read" in first.stderr
    assert "not read: 1 .docx, 1 .png" in first.stderr and "separated by ';'" in first.stderr
