"""Dates carried through `score`: ISO ``YYYY-MM-DD``, or read in the format the user gives (``--date-format``).

`tonecls report` places a statement in time only by an ISO date. A date
written ``23/05/2024`` used to pass through `score` unread and silently
leave the report empty; now `score` converts it when told its format, and
otherwise warns at the first date it cannot read and counts the rest.
A format is suggested from the first such date's shape, never applied
unasked: ``05/06/2024`` is May or June depending on who wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ].*)?")  # a date, or a date and a time, as `report` reads them
_NUMERIC = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})")
_YEAR_FIRST = re.compile(r"(\d{4})([/.])(\d{1,2})\2(\d{1,2})")
_DAY_MONTH = re.compile(r"\d{1,2}\.? ([A-Za-z]+)\.?,? \d{4}")
_MONTH_DAY = re.compile(r"([A-Za-z]+)\.? \d{1,2},? \d{4}")


def iso_date(text: str) -> date | None:
    """The day of an ISO date (or date and time), or None."""
    found = ISO_DATE.fullmatch(text.strip())
    if not found:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


def check_format(fmt: str) -> str:
    """``fmt`` when it is a strptime format with at least one directive; else ValueError saying how to write it."""
    if "%" not in fmt:
        raise ValueError(f"{fmt!r} has no % directive; write the format as strptime does, e.g. %d/%m/%Y")
    now = datetime.now(UTC)
    try:
        datetime.strptime(now.strftime(fmt), fmt)  # an unknown directive (%Q) fails here, not on every date
    except ValueError as exc:
        raise ValueError(f"{fmt!r} is not a strptime format ({exc})") from None
    return fmt


def suggest_format(text: str) -> str | None:
    """A --date-format that reads ``text`` (two when day and month could be either way round), or None."""
    text = text.strip()
    candidates: list[str] = []
    if found := _NUMERIC.fullmatch(text):
        first, sep, second, year = found.groups()
        y = "%Y" if len(year) == 4 else "%y"
        day_first, month_first = f"%d{sep}%m{sep}{y}", f"%m{sep}%d{sep}{y}"
        if int(first) > 12:
            candidates = [day_first]
        elif int(second) > 12:
            candidates = [month_first]
        else:
            candidates = [day_first, month_first]
    elif found := _YEAR_FIRST.fullmatch(text):
        sep = found.group(2)
        candidates = [f"%Y{sep}%m{sep}%d"]
    elif _DAY_MONTH.fullmatch(text) or _MONTH_DAY.fullmatch(text):
        candidates = _month_formats(text)
    usable = [fmt for fmt in candidates if _parses(text, fmt)]
    if len(usable) > 1 and "%B" in usable[0]:  # "May" is a full name and an abbreviation alike
        usable = usable[:1]
    return " or ".join(f"'{fmt}'" for fmt in usable) or None


def _month_formats(text: str) -> list[str]:
    """Formats for a date with its month in words, as the text writes it (day first or month first)."""
    day = "%d." if re.match(r"\d{1,2}\.", text) else "%d"
    comma = "," if "," in text else ""
    dot = "." if re.search(r"[A-Za-z]\.", text) else ""
    out = []
    for name in ("%B", "%b"):
        if text[:1].isdigit():
            out.append(f"{day} {name}{dot}{comma} %Y")
        else:
            out.append(f"{name}{dot} {day}{comma} %Y")
    return out


def _parses(text: str, fmt: str) -> bool:
    try:
        datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


@dataclass
class DateReader:
    """Reads the dates of one `score` run: converts them with ``fmt``, counts those it cannot read."""

    fmt: str | None = None
    unreadable: int = 0
    first: tuple[str, str] | None = None  # (where, value) of the first date not read

    def read(self, value: object, where: str) -> tuple[str, str | None]:
        """The value to carry (ISO when it could be read, else as it was), and a warning for the first
        date of the run that could not be read (None otherwise)."""
        text = str(value).strip()
        if self.fmt is not None:
            try:
                return datetime.strptime(text, self.fmt).date().isoformat(), None
            except ValueError:
                pass
        if iso_date(text) is not None:
            return text, None
        self.unreadable += 1
        if self.first is not None:
            return text, None
        self.first = (where, text)
        return text, self.warning(text)

    def warning(self, text: str) -> str:
        expected = "YYYY-MM-DD" + (f" nor {self.fmt}" if self.fmt else "")
        suggestion = suggest_format(text)
        fix = f"e.g. --date-format {suggestion}" if suggestion else "with --date-format (a strptime format)"
        return (
            f"date {text!r} is not {expected}, so `tonecls report` cannot place it in time: give its format, {fix}"
            " (more such dates are only counted)"
        )

    def summary(self) -> str | None:
        """A clause for the end-of-run line, or None when every date was read."""
        if not self.unreadable:
            return None
        where, value = self.first or ("", "")
        return f"{self.unreadable:,} dates not read (first: {where} {value!r}; see --date-format)"
