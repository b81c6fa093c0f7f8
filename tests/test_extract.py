"""Finding official statements in articles: quotes, reported speech, fragments, offsets, sentence ends.

The articles here are written for the tests; the last test measures the seed articles when they are present.
"""

import importlib.util
import json
import re
from pathlib import Path

import pytest
from nltk.tokenize.punkt import PunktParameters

from tonecls import sentences
from tonecls.errors import InputError
from tonecls.extract import extract_file, extract_statements
from tonecls.sentences import split_article

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


def one(article, **expected):
    items = extract_statements(article, "articles/test-article.txt")
    assert len(items) == 1, items
    for key, value in expected.items():
        assert items[0][key] == value, (key, items[0])
    return items[0]


def as_written(article: str, item: dict) -> str:
    """The article's text at an item's offsets, with link markup and line breaks undone."""
    raw = article[item["source"]["start"] : item["source"]["end"]]
    return " ".join(re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", raw).split())


def test_quote_then_said_the_foreign_ministry():
    text = "“The entry of the survey ship into our waters breaks the treaty,” said the Foreign Ministry of Chile."
    one(
        text,
        kind="quote",
        text="The entry of the survey ship into our waters breaks the treaty",
        speaker="Foreign Ministry of Chile",
        actor="Chile",
    )


def test_speaker_said_colon_then_quote():
    text = 'Peru\'s defence minister said: "Our navy stayed inside our own maritime zone at all times."'
    item = one(text, kind="quote", speaker="Peru's defence minister", actor="Peru")
    assert item["text"] == "Our navy stayed inside our own maritime zone at all times."


def test_reported_speech_sentence_with_leading_discourse_word_trimmed():
    text = "Fishing boats left the harbour early. However, Ghana strongly condemned the shelling of the border post."
    item = one(text, kind="reported", speaker="Ghana", actor="Ghana")
    assert item["text"] == "Ghana strongly condemned the shelling of the border post."
    assert item["context"] == "However, Ghana strongly condemned the shelling of the border post."


def test_journalists_analysts_and_narration_are_not_statements():
    text = (
        "Analysts said the quarrel over the river could drag on for months. "
        "The correspondent noted that the talks had stalled. "
        "Chile sent two frigates to the strait on Tuesday. "
        "Chile must urge its neighbour to return to the table, the editorial argued."
    )
    assert extract_statements(text, "x.txt") == []


def test_former_officials_and_state_media_are_not_official_speakers():
    text = (
        "Former Prime Minister Lena Holm said the decision was “a grave mistake that will cost us dearly”. "
        "Iranian media claimed that the convoy had been hit twice."
    )
    assert extract_statements(text, "x.txt") == []


def test_fragment_is_kept_with_its_sentence_and_the_one_before():
    text = (
        "The ministry held a briefing on Monday. "
        "The Kenyan spokesperson's choice of words such as “reckless” showed the mood in Nairobi."
    )
    item = one(text, kind="quote", text="reckless", speaker="Kenyan spokesperson", actor="Kenya")
    assert item["context"] == text


def test_fragment_inside_reported_speech_leaves_the_sentence_as_the_statement():
    text = 'Kenya\'s foreign ministry called the seizure of the trawler "piracy" and summoned the envoy.'
    item = one(text, kind="reported", speaker="Kenya's foreign ministry", actor="Kenya")
    assert "piracy" in item["text"]


def test_one_word_title_without_official_speaker_is_skipped():
    text = "The exercise was code-named “Northern Lantern” by its planners. The weather was calm."
    assert extract_statements(text, "x.txt") == []


def test_pronoun_takes_the_previous_speaker():
    text = (
        "“Our border guards showed restraint,” Foreign Minister Tomas Varga of Hungary said. "
        "“We will not be provoked,” he added."
    )
    items = extract_statements(text, "x.txt")
    assert [i["speaker"] for i in items] == ["Foreign Minister Tomas Varga of Hungary"] * 2
    assert [i["actor"] for i in items] == ["Hungary", "Hungary"]


def test_according_to_a_statement_by():
    text = "The ferries will run again, according to a statement by the Danish transport ministry."
    one(text, kind="reported", speaker="Danish transport ministry", actor="Denmark")


@pytest.mark.parametrize("trained", [True, False])
def test_abbreviations_do_not_end_sentences(trained, monkeypatch):
    if not trained:
        monkeypatch.setattr(sentences, "params_from_json", lambda text: PunktParameters())
    sentences.sentence_tokenizer.cache_clear()
    try:
        text = (
            "Japan's foreign ministry said Mr. Sato had met the U.S. envoy in Tokyo. "
            "It also summoned the Cd'a. Omid Rahimi and the Cd\u2019a. Sara Nouri on Friday. The talks ended."
        )
        article = split_article(text)
        found = [article.clean[s:e] for s, e in article.sentences]
    finally:
        sentences.sentence_tokenizer.cache_clear()
    assert found == [
        "Japan's foreign ministry said Mr. Sato had met the U.S. envoy in Tokyo.",
        "It also summoned the Cd'a. Omid Rahimi and the Cd\u2019a. Sara Nouri on Friday.",
        "The talks ended.",
    ]


def test_offsets_point_at_the_text_in_the_article():
    article = (
        "BORDER TALKS\n\nChile [condemned](#) the seizure of the\n\n\nvessel and its crew.\n\n"
        "“We expect the crew home within days,” the Chilean foreign ministry said.\n"
        "Ports were quiet."
    )
    items = extract_statements(article, "news/0042_chile.txt")
    assert [i["kind"] for i in items] == ["reported", "quote"]
    assert items[0]["text"] == "Chile condemned the seizure of the vessel and its crew."
    for item in items:
        assert as_written(article, item) == item["text"]
        assert item["source"]["file"] == "news/0042_chile.txt"
    assert article[items[1]["source"]["start"] : items[1]["source"]["end"]] == "We expect the crew home within days"
    assert [i["id"] for i in items] == ["0042_chile-001", "0042_chile-002"]


def test_curly_and_straight_quotes_give_the_same_statement():
    body = "{o}We reserve the right to respond to any further incursion,{c} the Argentine foreign ministry said."
    curly = one(body.format(o="\u201c", c="\u201d"), kind="quote")
    straight = one(body.format(o='"', c='"'), kind="quote")
    assert curly["text"] == straight["text"] == "We reserve the right to respond to any further incursion"
    assert curly["speaker"] == straight["speaker"] == "Argentine foreign ministry"
    assert curly["actor"] == "Argentina"


def test_quote_spanning_two_sentences_is_one_statement():
    text = (
        "Norway's foreign minister said in a statement, \"The tanker must leave our waters. "
        'We will escort it out if needed." Oil prices rose.'
    )
    item = one(text, kind="quote", speaker="Norway's foreign minister")
    assert item["text"] == "The tanker must leave our waters. We will escort it out if needed."


def test_empty_article_and_unreadable_file(tmp_path):
    assert extract_statements("", "empty.txt") == []
    with pytest.raises(InputError, match="missing.txt"):
        extract_file(tmp_path / "missing.txt")


def test_seed_articles_recall():
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is absent on this machine: the seed articles cannot be measured")
    spec = importlib.util.spec_from_file_location("extraction_benchmark", ROOT / "benchmarks" / "extraction.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.measure(SEEDS, ROOT / "statements" / "seed.jsonl")
    assert result["overall"]["recall"] >= 0.8, result["missed"]


def test_extract_command_writes_a_pool_that_suggest_reads(tmp_path):
    from click.testing import CliRunner

    from tonecls.cli import cli

    article = tmp_path / "a.txt"
    article.write_text(
        'The talks broke down on Monday. "We will not accept any change to the border by force," the Foreign '
        "Ministry said in a statement. The minister also urged both sides to return to dialogue.\n",
        encoding="utf-8",
    )
    pool = tmp_path / "pool.jsonl"
    result = CliRunner().invoke(cli, ["extract", str(article), "--out", str(pool)])
    assert result.exit_code == 0, result.output
    assert "from 1 articles to" in result.stderr
    rows = [json.loads(line) for line in pool.read_text(encoding="utf-8").splitlines()]
    assert rows and rows[0]["source"]["file"] == str(article)
    assert any("change to the border by force" in r["text"] for r in rows)
    again = CliRunner().invoke(cli, ["extract", str(article), "--out", str(pool)])
    assert again.exit_code == 1 and "already exists" in again.output
    suggested = CliRunner().invoke(cli, ["suggest", str(pool)])
    assert suggested.exit_code == 0, suggested.output
