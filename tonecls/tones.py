"""The four tones, in the fixed order used by every array and file."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from tonecls.errors import ToneclsError

TONES: tuple[str, ...] = ("condemnation", "conciliation", "threat", "sovereignty")

DEFINITIONS: dict[str, str] = {
    "condemnation": "censures an act or actor as wrong, illegal or unacceptable; protests",
    "conciliation": "seeks to lower tension: goodwill, restraint, dialogue, reassurance",
    "threat": "warns that it may impose costs or act, or that consequences will follow",
    "sovereignty": "asserts sovereignty, territorial integrity, borders or self-defence",
}

# One colour per tone (Okabe-Ito, readable with colour-blindness), shared by the web page and the report:
# condemnation and threat are warm so that escalation reads as "more orange and red".
COLOURS: dict[str, str] = {
    "condemnation": "#E69F00",
    "conciliation": "#009E73",
    "threat": "#D55E00",
    "sovereignty": "#0072B2",
}


def label_matrix(labels: Sequence[Iterable[str]]) -> np.ndarray:
    """Tone sets to an N x 4 array of 0/1 in TONES order."""
    rows = []
    for tone_set in labels:
        tone_set = set(tone_set)
        unknown = tone_set - set(TONES)
        if unknown:
            raise ToneclsError(f"unknown tone(s): {', '.join(sorted(unknown))}; tones are {', '.join(TONES)}")
        rows.append([t in tone_set for t in TONES])
    return np.asarray(rows, dtype=np.int8).reshape(len(rows), len(TONES))
