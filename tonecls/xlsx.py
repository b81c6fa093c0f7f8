"""Excel workbooks (.xlsx) in and out, with openpyxl (the `tonecls[xlsx]` extra).

openpyxl is pure Python (with one small dependency, et_xmlfile) and the
maintained reader and writer of the format; it is an extra because most
users of tonecls never open a workbook. Both directions stream: a workbook is
read in read-only mode, row by row, and written in write-only mode with inline
strings, so memory stays flat.

Reading takes the first sheet, whose first non-empty row is the header (a
'text' column is required, as in CSV); a date cell becomes ``YYYY-MM-DD``, a
whole number loses its ``.0``. A workbook is a zip: its unpacked size is
checked before it is opened, so a small file cannot unpack into gigabytes.

Writing makes every text cell a string cell, never a formula, so ``=HYPERLINK(...)``
in a statement stays text; a text that starts like a formula also gets Excel's
quote prefix, so that it stays text when someone edits the cell. Characters
that XML cannot hold (control characters) are written as visible escapes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO

from tonecls.errors import InputError, MissingExtra, ToneclsError, library_reason
from tonecls.output import safe_cell, visible

MAX_UNPACKED = 1024 * 1024 * 1024  # bytes of all the parts of a workbook once unzipped
MAX_PART = 256 * 1024 * 1024  # bytes of one part (the shared strings are read into memory whole)
MAX_ROWS = 1_048_576  # Excel's rows per sheet, the header included
MAX_CELL = 32_767  # Excel's characters per cell


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise MissingExtra("reading and writing .xlsx files", "openpyxl", "xlsx") from None
    return openpyxl


# ---------------------------------------------------------------- reading


def iter_xlsx_records(
    path: str | os.PathLike,
    *,
    shown: str,
    make_record: Callable[[list[str], list[str]], dict],
    on_note: Callable[[int, str], None] | None = None,
) -> Iterator[tuple[int, dict | InputError]]:
    """``(row number, record)`` for each row of the first sheet under its header, as `iter_records` gives them.

    ``shown`` is the file's printable name and ``make_record`` turns a header and a row's cells into a
    record, as the CSV reader does (both come from `tonecls.readers`, which calls this). A workbook that
    cannot be opened raises InputError; a bad row comes as ``(row, InputError)`` and the rows after it are
    read as usual.
    """
    openpyxl = _openpyxl()
    _check_unpacked(Path(path), shown)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds (zip, XML, KeyError) for a damaged file
        raise InputError(f"not a readable .xlsx workbook ({library_reason(exc)})", shown) from None
    try:
        sheets = book.worksheets
        if not sheets:
            raise InputError("the workbook has no sheet", shown)
        if len(sheets) > 1 and on_note:
            on_note(1, f"only the first of {len(sheets)} sheets ('{visible(sheets[0].title, keep='')}') is read")
        header: list[str] | None = None
        sheet = sheets[0]
        if hasattr(sheet, "reset_dimensions"):  # read-only mode trusts the file's own, possibly stale, row count
            sheet.reset_dimensions()
        rows = _sheet_rows(sheet, shown)
        for number, cells in rows:
            if isinstance(cells, InputError):
                yield number, cells
                continue
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = [c.strip().lower() for c in cells]
                if "text" not in header:
                    columns = visible(", ".join(h for h in header if h), keep="") or "none"
                    message = f"the first sheet has no 'text' column (columns: {columns})"
                    yield number, InputError(message, shown, number)
                    return
                continue
            cells = _trimmed(cells, len(header))
            if len(cells) > len(header):
                yield number, InputError(f"{len(cells)} cells but the header has {len(header)} columns", shown, number)
                continue
            yield number, make_record(header, cells)
    finally:
        book.close()


def _sheet_rows(sheet, shown: str) -> Iterator[tuple[int, list[str] | InputError]]:
    """Rows of a sheet as text cells; a row that openpyxl cannot read ends the sheet with an error."""
    number = 0
    rows = sheet.iter_rows(values_only=True)
    while True:
        try:
            values = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # a damaged sheet part: what follows cannot be trusted
            message = f"cannot read the sheet past this row ({library_reason(exc)})"
            yield number + 1, InputError(message, shown, number + 1)
            return
        number += 1
        yield number, [_cell_text(v) for v in values]


def _trimmed(cells: list[str], width: int) -> list[str]:
    """Empty cells past the header's width dropped: a sheet's rows are often padded to its widest row."""
    while len(cells) > width and not cells[-1].strip():
        cells = cells[:-1]
    return cells


def _cell_text(value: object) -> str:
    """A cell as the text a CSV export would give: dates as ISO, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_unpacked(path: Path, shown: str) -> None:
    """Refuse a workbook that would unpack into more than `MAX_UNPACKED` bytes (or a part over `MAX_PART`)."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"not a readable .xlsx workbook ({library_reason(exc)})", shown) from None
    total = sum(p.file_size for p in parts)
    biggest = max((p.file_size for p in parts), default=0)
    if total > MAX_UNPACKED or biggest > MAX_PART:
        raise InputError(
            f"too large once unpacked ({total:,} bytes; the limits are {MAX_UNPACKED:,} in all and {MAX_PART:,}"
            " a part); save it as CSV",
            shown,
        )



# ---------------------------------------------------------------- writing


def write_xlsx(
    header: list[str], rows: Iterable[list[object]], fh: IO[bytes], *, text_columns: Iterable[int], sheet: str
) -> int:
    """Write one sheet: ``header``, then ``rows``; cells at ``text_columns`` are string cells (see the module).

    Returns how many texts were cut to Excel's `MAX_CELL` characters. More rows
    than a sheet holds is a ToneclsError (raised before anything is saved).
    """
    openpyxl = _openpyxl()
    from openpyxl.cell import WriteOnlyCell

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    texts = set(text_columns)
    cut = 0

    def text_cell(value: object) -> WriteOnlyCell:
        nonlocal cut
        text = visible("" if value is None else str(value))
        if len(text) > MAX_CELL:
            text = text[: MAX_CELL - 1] + "…"
            cut += 1
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"  # never a formula, whatever it starts with
        if safe_cell(text) != text:
            cell.quotePrefix = True
        return cell

    try:
        ws.append([text_cell(h) for h in header])
        for n, row in enumerate(rows, start=2):
            if n > MAX_ROWS:
                raise ToneclsError(f"more than {MAX_ROWS - 1:,} rows do not fit in one .xlsx sheet; use .csv or .jsonl")
            ws.append([text_cell(v) if i in texts else v for i, v in enumerate(row)])
    except BaseException:
        with contextlib.suppress(Exception):  # end the sheet's stream now, not when it is garbage collected
            ws.close()
        raise
    book.save(fh)
    return cut
