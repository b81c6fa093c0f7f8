"""Properties that must hold for any input text."""

import json

import numpy as np
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tonecls.cli import cli
from tonecls.model_file import load_model
from tonecls.tones import TONES

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@SETTINGS
@given(text=texts)
def test_any_text_classifies_with_probabilities_in_range(tiny_model_path, text):
    result = load_model(tiny_model_path).classify(text)
    assert list(result["scores"]) == list(TONES)
    assert all(0.0 <= p <= 1.0 for p in result["scores"].values())
    assert set(result["evidence"]) == set(result["tones"])


@SETTINGS
@given(batch=st.lists(texts, min_size=1, max_size=8), i=st.integers(min_value=0, max_value=7))
def test_a_statement_scores_the_same_alone_and_in_a_batch(tiny_model_path, batch, i):
    model = load_model(tiny_model_path)
    text = batch[i % len(batch)]
    np.testing.assert_allclose(model.predict_proba([text])[0], model.predict_proba(batch)[i % len(batch)])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(texts, min_size=1, max_size=12))
def test_score_output_has_every_id_exactly_once(tmp_path_factory, batch):
    folder = tmp_path_factory.mktemp("prop")
    src = folder / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"id-{n}", "text": t}) + "\n" for n, t in enumerate(batch)), "utf-8")
    result = CliRunner().invoke(cli, ["score", str(src)])
    # A NUL (\u0000) in a record is refused at the reader, as NUL bytes in a file are: the line is skipped.
    expected = [f"id-{n}" for n, t in enumerate(batch) if t.strip() and "\x00" not in t]
    if not expected:
        assert result.exit_code == 1 and "nothing was scored" in result.output
        return
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == expected
