"""Train Punkt's sentence-splitting parameters on statements/ and write tonecls/data/punkt.json.

Run after the statements change (tests/test_resources.py says when):

    python scripts/train_punkt.py
"""

from __future__ import annotations

from pathlib import Path

from tonecls.corpus import read_statements
from tonecls.sentences import params_to_json, train_punkt

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tonecls" / "data" / "punkt.json"


def punkt_json(root: Path = ROOT) -> str:
    """The parameters learned from every statement in ``root/statements``, as the shipped file holds them."""
    return params_to_json(train_punkt(s.text for s in read_statements([root / "statements"])))


if __name__ == "__main__":
    OUT.write_text(punkt_json(), encoding="utf-8")
    print(f"wrote {OUT}")
