"""The model in models/ is the one trained on the statements in statements/."""

from pathlib import Path

import pytest

from tonecls.card import file_digest
from tonecls.corpus import label_files
from tonecls.model_file import load_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "models" / "tonecls.model"


@pytest.fixture(scope="module")
def shipped():
    return load_model(SHIPPED)


def test_shipped_model_was_trained_on_the_current_statements(shipped):
    recorded = {f["path"]: f["sha256"] for f in shipped.card_["training_files"]}
    current = {p.relative_to(ROOT).as_posix(): file_digest(p) for p in label_files([ROOT / "statements"])}
    assert recorded == current, "statements/ changed since the model was trained: run `tonecls train`"


def test_shipped_card_counts_match_the_corpus(shipped):
    from tonecls.corpus import read_statements

    statements = read_statements([ROOT / "statements"])
    counts = shipped.card_["counts"]
    assert counts["statements"] == len(statements)
    assert counts["constructed"] == sum(s.constructed for s in statements)
    assert shipped.card_["cross_validation"]["scored"] == counts["real"]


def test_shipped_model_classifies_the_readme_example(shipped):
    text = "This violation of our sovereignty is completely unacceptable and can have serious consequences."
    result = shipped.classify(text)
    assert {"condemnation", "sovereignty"} <= set(result["tones"])
    assert all(result["evidence"][t] for t in result["tones"])
