import json
from pathlib import Path

import pytest

from tonecls.corpus import Statement, append_statement, read_statements, validate
from tonecls.errors import InputError
from tonecls.tones import TONES

ROOT = Path(__file__).resolve().parent.parent
MIN_PER_TONE_SEED = 4  # the seed articles hold few threats (4) and sovereignty claims: every tone has at least 4


def write(path: Path, text: str) -> Path:
    path.write_bytes(text.encode("utf-8"))
    return path


def errors_of(paths):
    _, issues = validate(paths)
    return [str(i) for i in issues if i.level == "error"]


def warnings_of(paths):
    _, issues = validate(paths)
    return [str(i) for i in issues if i.level == "warning"]


def test_reads_jsonl_and_csv(tmp_path):
    write(tmp_path / "a.jsonl", '{"id": "a1", "text": "We condemn it.", "labels": ["condemnation"], "actor": "X"}\n')
    write(tmp_path / "b.csv", 'text,labels\n"We call for calm, and talks.",conciliation;threat\nA visit is planned.,\n')
    statements = read_statements([tmp_path])
    assert [s.labels for s in statements] == [("condemnation",), ("conciliation", "threat"), ()]
    assert statements[0].meta == {"actor": "X"}
    assert statements[1].where == f"{tmp_path / 'b.csv'}:2"


def test_invalid_json_names_file_and_line(tmp_path):
    p = write(tmp_path / "a.jsonl", '{"text": "ok here", "labels": []}\n{"text": broken}\n')
    assert errors_of([p]) == [f"{p}:2: error: invalid JSON (Expecting value at column 10)"]


def test_invalid_csv_names_file_and_line(tmp_path):
    p = write(tmp_path / "a.csv", 'text,labels\n"fine statement here",\n"unterminated, quote\n')
    errs = errors_of([p])
    assert len(errs) == 1 and errs[0].startswith(f"{p}:3: error: invalid CSV")


def test_csv_without_text_column(tmp_path):
    p = write(tmp_path / "a.csv", "statement,labels\nhello,\n")
    assert errors_of([p]) == [f"{p}:1: error: CSV has no 'text' column (columns: statement, labels)"]


@pytest.mark.parametrize(
    "row, message",
    [
        ({"labels": []}, "missing or empty 'text'"),
        ({"text": "   ", "labels": []}, "missing or empty 'text'"),
        ({"text": "We warn them."}, "missing 'labels' (use [] for a statement with no tone)"),
        ({"text": "We warn them.", "labels": "threat"}, "'labels' must be a list of tone names"),
        ({"text": "We warn them.", "labels": ["threats"]}, "unknown tone 'threats' (did you mean 'threat'?)"),
        ({"text": "We warn them.", "labels": ["condemn"]}, "unknown tone 'condemn' (did you mean 'condemnation'?)"),
        ({"text": "We warn them.", "labels": ["anger"]}, "unknown tone 'anger'; tones are " + ", ".join(TONES)),
    ],
)
def test_row_errors(tmp_path, row, message):
    p = write(tmp_path / "a.jsonl", json.dumps(row) + "\n")
    assert errors_of([p]) == [f"{p}:1: error: {message}"]


def test_duplicate_id_across_files(tmp_path):
    write(tmp_path / "a.jsonl", '{"id": "x", "text": "first statement here", "labels": []}\n')
    p = write(tmp_path / "b.jsonl", '{"id": "x", "text": "second statement there", "labels": []}\n')
    assert errors_of([tmp_path]) == [f"{p}:1: error: duplicate id 'x' (first at {tmp_path / 'a.jsonl'}:1)"]


def test_same_text_with_conflicting_labels(tmp_path):
    p = write(
        tmp_path / "a.jsonl",
        '{"text": "We will respond.", "labels": ["threat"]}\n{"text": "we  WILL respond", "labels": []}\n',
    )
    assert errors_of([p]) == [f"{p}:2: error: same text as {p}:1 but labels [] vs ['threat']"]


def test_same_text_same_labels_is_a_warning(tmp_path):
    p = write(
        tmp_path / "a.jsonl", '{"text": "We will respond.", "labels": []}\n{"text": "We will respond", "labels": []}\n'
    )
    assert errors_of([p]) == []
    assert f"{p}:2: warning: duplicate text (same as {p}:1)" in warnings_of([p])


def test_near_duplicate_short_and_long_are_warnings(tmp_path):
    long_text = " ".join(["word"] * 200)
    rows = [
        {"text": "We strongly condemn the attack on the border post today.", "labels": ["condemnation"]},
        {"text": "We strongly condemn the attack on the border post.", "labels": ["condemnation"]},
        {"text": "illegal", "labels": ["condemnation"]},
        {"text": long_text, "labels": []},
    ]
    p = write(tmp_path / "a.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    warnings = warnings_of([p])
    assert f"{p}:2: warning: near-duplicate of {p}:1" in warnings
    assert f"{p}:3: warning: very short text (1 word)" in warnings
    assert f"{p}:4: warning: very long text (200 words)" in warnings
    assert errors_of([p]) == []


def test_invalid_utf8_is_an_error_with_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"text": "fine", "labels": []}\n{"text": "caf\xe9", "labels": []}\n')
    assert errors_of([p]) == [f"{p}:2: error: not valid UTF-8 (byte 44); save the file as UTF-8"]


def test_bom_and_crlf_are_accepted(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"text": "We call for calm.", "labels": ["conciliation"]}\r\n')
    assert [s.text for s in read_statements([p])] == ["We call for calm."]


def test_read_statements_raises_first_error_with_count(tmp_path):
    p = write(tmp_path / "a.jsonl", '{"text": "a b c"}\n{"text": "d e f", "labels": ["x"]}\n')
    with pytest.raises(
        InputError, match=r"a.jsonl:1: missing 'labels' .* \(and 1 more errors: run `tonecls validate`\)"
    ):
        read_statements([p])


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(InputError, match="nope.jsonl: no such file or folder"):
        validate([tmp_path / "nope.jsonl"])


def test_append_statement_round_trips(tmp_path):
    p = tmp_path / "labels.jsonl"
    append_statement(p, Statement(text="We call for calm.", labels=("conciliation",), id="n1", meta={"actor": "X"}))
    [s] = read_statements([p])
    assert (s.id, s.text, s.labels, s.meta) == ("n1", "We call for calm.", ("conciliation",), {"actor": "X"})


def test_the_project_corpus_validates_without_errors():
    statements, issues = validate([ROOT / "statements"])
    assert [str(i) for i in issues if i.level == "error"] == []
    assert len(statements) > 0


def test_seed_corpus_has_every_tone_and_no_tone():
    seed = read_statements([ROOT / "statements" / "seed.jsonl"])
    assert all(not s.constructed for s in seed)
    for tone in TONES:
        assert sum(tone in s.labels for s in seed) >= MIN_PER_TONE_SEED, tone
    assert sum(not s.labels for s in seed) >= MIN_PER_TONE_SEED
    assert len({s.id for s in seed}) == len(seed)
